"""``didhub serve [ADDRPORT] [--with-worker] [--reload]``: the portal and API under gunicorn.

gunicorn is the field's standard WSGI server: a master process that keeps
``DIDHUB_WEB_CONCURRENCY`` worker processes of ``DIDHUB_WEB_THREADS`` threads each
alive, restarts one that hangs longer than ``DIDHUB_WEB_TIMEOUT`` seconds, and on
SIGTERM stops accepting, lets requests in flight finish (``DIDHUB_WEB_GRACEFUL_TIMEOUT``)
and exits. Static files are collected first, with content hashes in their names, and
served by whitenoise with far-future cache headers.

``--with-worker`` starts ``didhub worker`` beside it and stops it with the server (one
machine, ``make run``); a production site runs the worker as its own service.
``--reload`` restarts on code changes, for development.
"""

import atexit
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication


class DidhubServer(BaseApplication):
    """gunicorn with its configuration from didhub's settings, not from a file or argv."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


def server_options(bind: str, *, reload: bool) -> dict:
    return {
        "bind": bind,
        "workers": settings.DIDHUB_WEB_CONCURRENCY,
        "threads": settings.DIDHUB_WEB_THREADS,
        "worker_class": "gthread",
        "timeout": settings.DIDHUB_WEB_TIMEOUT,
        "graceful_timeout": settings.DIDHUB_WEB_GRACEFUL_TIMEOUT,
        "keepalive": 5,
        # Connections wait in the kernel's queue rather than being reset under a burst.
        "backlog": 2048,
        # didhub logs each request itself (didhub.core.middleware), with the request id
        # and without secrets in paths; gunicorn's access log would repeat it unredacted.
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "reload": reload,
        # Loading the application once in the master shares its memory between workers
        # and fails fast, before any worker starts, when the configuration is wrong.
        "preload_app": not reload,
        "proc_name": "didhub",
    }


class Command(BaseCommand):
    help = "Serve the portal and the API with gunicorn (--with-worker: also the worker)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Start `didhub worker` beside the server and stop it with the server.",
        )
        parser.add_argument(
            "--reload", action="store_true", help="Restart on code changes (development)."
        )

    def handle(self, *args, addrport, with_worker, reload, **options):
        if ":" not in addrport:
            addrport = f"127.0.0.1:{addrport}" if addrport.isdigit() else f"{addrport}:8000"
        port = addrport.rpartition(":")[2]
        if not port.isdigit():
            raise CommandError(f"{addrport!r} is not HOST:PORT.")
        # Refuse to start with a key the other nodes do not share (didhub/ops/deployment.py).
        self.check(tags=["didhub"], include_deployment_checks=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        clear_metrics_of_earlier_runs()
        if with_worker:
            worker = subprocess.Popen([sys.executable, "-m", "didhub.cli", "worker"])
            atexit.register(stop_process, worker)
        self.stdout.write(
            f"didhub serving on http://{addrport}/ "
            f"({settings.DIDHUB_WEB_CONCURRENCY} processes x "
            f"{settings.DIDHUB_WEB_THREADS} threads)"
        )
        self.stdout.flush()
        DidhubServer(server_options(addrport, reload=reload)).run()


def clear_metrics_of_earlier_runs() -> None:
    """Start the node's request counters at zero: the files of dead processes would add up."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for stale in Path(folder).glob("*.db"):
            stale.unlink(missing_ok=True)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
