"""What an operator asks first: versions, workers, queues and the sync backlog.

Installation-wide figures (workers, task queues) are for users of the platform account;
every other user sees the versions, readiness and the backlog of the platform links it
may see, and nothing about other tenants.
"""

import platform
from importlib.metadata import PackageNotFoundError, version

import django
from django.db.models import Count, Min, Q, Sum
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from didhub.core import workers
from didhub.core.db import vendor
from didhub.core.db.sql import server_version
from didhub.core.models import WorkerHeartbeat
from didhub.ops.readiness import check_readiness
from didhub.sync.choices import OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink, SyncChange


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def versions() -> dict:
    return {
        "didhub": _version("didhub"),
        "django": django.get_version(),
        "python": platform.python_version(),
        "database": f"{vendor.described()} {server_version()}",
    }


def worker_list() -> list[dict]:
    alive = set(workers.live().values_list("worker_id", flat=True))
    return [
        {
            "id": beat.worker_id,
            "hostname": beat.hostname,
            "pid": beat.pid,
            "started_at": beat.started_at,
            "last_heartbeat_at": beat.seen_at,
            "alive": beat.worker_id in alive,
        }
        for beat in WorkerHeartbeat.objects.order_by("hostname", "started_at")
    ]


def task_queues() -> list[dict]:
    """Tasks waiting and running per queue (finished ones are history, not depth)."""
    rows = (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("queue_name")
        .annotate(
            waiting=Count("pk", filter=Q(status=TaskResultStatus.READY)),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest_waiting_at=Min("enqueued_at", filter=Q(status=TaskResultStatus.READY)),
        )
        .order_by("queue_name")
    )
    return [
        {
            "queue": row["queue_name"],
            "waiting": row["waiting"],
            "running": row["running"],
            "oldest_waiting_at": row["oldest_waiting_at"],
        }
        for row in rows
    ]


def link_backlog(*, user) -> list[dict]:
    """Per visible platform link: changes not yet confirmed, messages pending and dead.

    Two grouped queries rather than one join, which would multiply a link's changes by
    its messages when both backlogs are long.
    """
    links = list(PlatformLink.objects.visible_to(user).select_related("enterprise").order_by("pk"))
    ids = [link.pk for link in links]
    changes = {
        row["link_id"]: row
        for row in SyncChange.objects.filter(link_id__in=ids)
        .values("link_id")
        .annotate(waiting=Sum("size"), oldest=Min("created_at"))
    }
    messages = {
        (row["link_id"], row["state"]): row["count"]
        for row in OutboxMessage.objects.filter(
            link_id__in=ids, state__in=[OutboxState.PENDING, OutboxState.DEAD]
        )
        .values("link_id", "state")
        .annotate(count=Count("pk"))
    }
    return [
        {
            "link": link.pk,
            "name": str(link),
            "status": link.status,
            "waiting_changes": changes.get(link.pk, {}).get("waiting") or 0,
            "oldest_change_at": changes.get(link.pk, {}).get("oldest"),
            "pending_messages": messages.get((link.pk, OutboxState.PENDING), 0),
            "dead_messages": messages.get((link.pk, OutboxState.DEAD), 0),
            "last_success_at": link.last_success_at,
        }
        for link in links
    ]


def status(*, user) -> dict:
    operator = bool(user.account_id) and user.account.is_platform
    report = check_readiness()
    answer = {
        "versions": versions(),
        "ready": report["status"] == "ready",
        "checks": report["checks"],
        "links": link_backlog(user=user),
    }
    if "replica" in report:
        answer["replica"] = report["replica"]
    if operator:
        answer["workers"] = worker_list()
        answer["task_queues"] = task_queues()
    return answer
