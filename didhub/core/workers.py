"""Which background workers are alive, and the tasks that died with the others.

A ``didhub worker`` claims a task by writing its id into the task row
(``DBTaskResult.worker_ids``) and marking it RUNNING. If the worker is killed the row
stays RUNNING for ever: nothing in the task backend notices. Every worker therefore
keeps a heartbeat row (``WorkerHeartbeat``) fresh, and the housekeeping fails the
RUNNING tasks whose worker has no fresh heartbeat, with a reason a person can read.
"""

import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from didhub.core.models import WorkerHeartbeat

ABANDONED_REASON = (
    "The worker running this task stopped before it finished (killed, crashed or its "
    "node was lost); the task did not complete."
)


def stale_after() -> timedelta:
    return timedelta(seconds=settings.DIDHUB_WORKER_STALE_AFTER)


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """Say that this worker is alive (creates its row on the first beat)."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "seen_at": now},
        create_defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": now,
            "seen_at": now,
        },
    )


def forget(worker_id: str) -> None:
    """A worker that stops cleanly removes its row: it is gone, not dead."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def live(*, now: datetime | None = None):
    """Workers whose heartbeat is fresh."""
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(seen_at__gt=now - stale_after())


def fail_abandoned_tasks(*, now: datetime | None = None) -> int:
    """Fail RUNNING tasks whose worker is not alive; answer how many.

    A task started less than the stale period ago is left alone even without a
    heartbeat, so a worker that has just claimed it is never raced.
    """
    now = now or timezone.now()
    alive = set(live(now=now).values_list("worker_id", flat=True))
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=now - stale_after()
    ).values_list("pk", "worker_ids")
    dead = [pk for pk, worker_ids in running if not worker_ids or worker_ids[-1] not in alive]
    if not dead:
        return 0
    return DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="didhub.core.workers.WorkerLost",
        traceback=ABANDONED_REASON,
    )


def prune_dead_heartbeats(*, now: datetime | None = None) -> int:
    """Forget workers silent for a day: they are long gone and only clutter the status."""
    now = now or timezone.now()
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return deleted


def prune_finished_tasks(*, now: datetime | None = None) -> int:
    """Delete task rows that finished more than DIDHUB_TASK_RETENTION_DAYS days ago.

    A finished row is history only (an upload keeps its own state and counts); left
    alone, a busy installation's task table would grow by every upload and export.
    """
    now = now or timezone.now()
    deadline = now - timedelta(days=settings.DIDHUB_TASK_RETENTION_DAYS)
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=deadline,
    ).delete()
    return deleted
