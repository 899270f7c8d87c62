"""``didhub serve [ADDRPORT] [--with-worker]``: the portal and API, optionally with a worker.

A convenience for one machine. A production site runs ``didhub.config.wsgi:application``
under its WSGI server of choice and ``didhub worker`` as a separate service.
"""

import atexit
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the portal and the API (with --with-worker, also run the background worker)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Start `didhub worker` beside the server and stop it with the server.",
        )

    def handle(self, *args, addrport, with_worker, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        if with_worker:
            worker = subprocess.Popen([sys.executable, "-m", "didhub.cli", "worker"])
            atexit.register(stop_process, worker)
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        call_command("runserver", addrport, use_reloader=False, use_threading=True)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
