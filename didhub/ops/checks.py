"""What "ready" means for a didhub node, as django-health-check checks.

A node is ready to take traffic when its database answers, every migration of the
installed code is applied, at least one worker has a fresh heartbeat, and neither the
sync outbox nor the task queue has work waiting longer than its threshold. The last
three say whether the installation as a whole is keeping up: a load balancer that takes
a node out on them protects nobody, so ``/readyz`` reports them and operators decide
which of them their probes act on (docs/operations.md).
"""

import dataclasses
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable

from didhub.core import workers
from didhub.sync.choices import LinkStatus, OutboxState
from didhub.sync.models import SyncChange

_migrated = False


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of the code this process runs is applied to the database."""

    def run(self):
        global _migrated
        if _migrated:  # Migrations are never unapplied under a running node.
            return
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied; run `didhub migrate`.")
        _migrated = True


@dataclasses.dataclass
class Worker(HealthCheck):
    """At least one ``didhub worker`` said it was alive within DIDHUB_WORKER_STALE_AFTER."""

    def run(self):
        if not workers.live().exists():
            raise ServiceUnavailable(
                f"No worker heartbeat in the last {settings.DIDHUB_WORKER_STALE_AFTER:g} s; "
                "start `didhub worker`."
            )


def _too_old(oldest, limit_seconds: float, what: str) -> None:
    if oldest is None:
        return
    age = timezone.now() - oldest
    if age > timedelta(seconds=limit_seconds):
        raise ServiceUnavailable(
            f"The oldest waiting {what} is {int(age.total_seconds())} s old "
            f"(more than {limit_seconds:g} s)."
        )


@dataclasses.dataclass
class OutboxBacklog(HealthCheck):
    """No change that didhub could send has waited longer than DIDHUB_READY_OUTBOX_AGE.

    What waits for someone else is left out: changes of links waiting for consent (a
    person), of links whose platform is down and being probed (the platform; its
    back-off shows on the link and in the metrics), and changes held by a dead message
    (a person's replay). What is left waits for didhub's workers only.
    """

    def run(self):
        oldest = (
            SyncChange.objects.filter(link__consented_at__isnull=False, link__failures=0)
            .exclude(link__status=LinkStatus.DISABLED)
            .exclude(message__state=OutboxState.DEAD)
            .order_by("id")
            .values_list("created_at", flat=True)
            .first()
        )
        _too_old(oldest, settings.DIDHUB_READY_OUTBOX_AGE, "sync change")


@dataclasses.dataclass
class TaskBacklog(HealthCheck):
    """No task due to run has waited longer than DIDHUB_READY_TASK_AGE."""

    def run(self):
        oldest = (
            DBTaskResult.objects.ready()
            .order_by("enqueued_at")
            .values_list("enqueued_at", flat=True)
            .first()
        )
        _too_old(oldest, settings.DIDHUB_READY_TASK_AGE, "task")


READINESS = {
    "database": Database,
    "migrations": Migrations,
    "worker": Worker,
    "outbox": OutboxBacklog,
    "tasks": TaskBacklog,
}
