"""``didhub worker``: all background work of didhub in one process.

Four loops, each in its own thread with its own database connection:

* the Django Tasks worker of ``django-tasks-db`` (uploads, exports, queued tasks);
* the outbox delivery loop (``didhub.sync.delivery.run``), in ``DIDHUB_SYNC_SENDERS``
  threads;
* the heartbeat (``didhub.core.workers``), every ``DIDHUB_WORKER_HEARTBEAT`` seconds;
* the housekeeping (``didhub.core.housekeeping``): at start, then every
  ``DIDHUB_HOUSEKEEPING_INTERVAL`` seconds, each job once across all workers.

Running the housekeeping at start is what recovers from a crash: the imports and tasks
that a killed worker left ``committing`` or RUNNING are failed with their reason as soon
as a worker is back, without waiting for somebody to read them.

SIGTERM or SIGINT stops every loop cleanly: a running task, request or sweep finishes,
then the process exits. A worker killed harder loses nothing: claimed messages are
sent again when their lease expires.
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from didhub.core import housekeeping, workers
from didhub.numbers import e164
from didhub.sync import conf, delivery

logger = logging.getLogger("didhub.worker")


def heartbeat_loop(stop: threading.Event, worker_id: str) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            workers.beat(worker_id)
        except Exception:
            logger.exception("heartbeat failed")
        stop.wait(settings.DIDHUB_WORKER_HEARTBEAT)


def housekeeping_loop(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            housekeeping.run()
        except Exception:
            logger.exception("housekeeping failed")
        stop.wait(settings.DIDHUB_HOUSEKEEPING_INTERVAL)


def in_thread(name: str, target, *args) -> threading.Thread:
    def body():
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    return thread


class Command(BaseCommand):
    help = "Run didhub's background work: tasks, platform sync delivery, housekeeping."
    # A long-running process: the checks belong to deployment, not to every restart.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-tasks", action="store_true", help="Do not run the Django Tasks worker."
        )
        parser.add_argument(
            "--no-housekeeping",
            "--no-expiry",
            action="store_true",
            dest="no_housekeeping",
            help="Do not run the housekeeping (--no-expiry: its former name, kept for a release).",
        )
        parser.add_argument(
            "--queues",
            default="*",
            help="Task queues to run, comma separated ('*' for all, the default).",
        )

    def handle(self, *args, no_tasks, no_housekeeping, queues, **options):
        # Not every system check at every restart, but the one that keeps nodes apart.
        self.check(tags=["didhub"], include_deployment_checks=True)
        stop = threading.Event()
        worker_id = get_random_string(32)
        workers.beat(worker_id)

        def shutdown(signum, frame):
            logger.warning("%s: finishing current work, then stopping.", signal.strsignal(signum))
            stop.set()

        signal.signal(signal.SIGTERM, shutdown)
        signal.signal(signal.SIGINT, shutdown)

        threads = [
            in_thread(f"delivery-{index + 1}", delivery.run, stop)
            for index in range(conf.senders())
        ]
        threads.append(in_thread("heartbeat", heartbeat_loop, stop, worker_id))
        worker = None
        if not no_housekeeping:
            threads.append(in_thread("housekeeping", housekeeping_loop, stop))
        if not no_tasks and isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            # Uploads validate here: compile the numbering plans once, at start, rather
            # than in the first upload after every restart.
            e164.warm_up()
            worker = Worker(
                queue_names=queues.split(","),
                interval=1.0,
                batch=False,
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            )
            threads.append(in_thread("tasks", worker.run))
        self.stdout.write(f"didhub worker running ({', '.join(t.name for t in threads)}).")
        self.stdout.flush()
        while not stop.is_set():
            stop.wait(1.0)
        if worker is not None:
            worker.running = False
        for thread in threads:
            thread.join(timeout=30)
        workers.forget(worker_id)
        self.stdout.write("didhub worker stopped.")
