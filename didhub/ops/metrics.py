"""Prometheus metrics: what one process measured, and what the database knows.

Two kinds of figures, so that every node of a cluster answers the same about the
shared state and only its own about its own requests:

* **Per process** (prometheus-client objects): requests by route, method and status
  with their latency, and the database time each request spent. Under gunicorn every
  worker process writes them to ``PROMETHEUS_MULTIPROC_DIR`` (set by ``didhub serve``)
  and ``/metrics`` adds the processes up, as prometheus-client's multiprocess mode does.
* **From the database, at scrape time** (``DatabaseCollector``): imports, tasks, the sync
  backlog and lag per link, live workers, the housekeeping's last runs, and the
  inventory by state and capability. Each of these queries reads a small table or an
  index; the inventory, a full count at ten million numbers, is instead the snapshot the
  ``metrics.inventory`` housekeeping job takes every ``DIDHUB_METRICS_INVENTORY_EVERY``
  seconds, so a scrape never counts the numbers table.
"""

import os
import time

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily

REQUESTS = Histogram(
    "didhub_http_request_duration_seconds",
    "Time to answer a request, by route pattern, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUEST_DB = Histogram(
    "didhub_http_request_database_seconds",
    "Time a request spent in database queries, by route pattern.",
    ["route"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)


def observe_request(*, route: str, method: str, status: int, seconds: float, db_seconds: float):
    REQUESTS.labels(route, method, str(status)).observe(seconds)
    REQUEST_DB.labels(route).observe(db_seconds)


class QueryTimer:
    """A ``connection.execute_wrapper`` that adds up the time of a request's queries."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class DatabaseCollector:
    """The installation's shared state, read from the database when Prometheus scrapes."""

    def collect(self):
        yield from self.imports()
        yield from self.tasks()
        yield from self.sync()
        yield from self.workers()
        yield from self.housekeeping()
        yield from self.inventory()

    def imports(self):
        from didhub.imports.models import Import

        by_state = GaugeMetricFamily("didhub_imports", "Uploads by state.", labels=["state"])
        for row in Import.objects.values("state").annotate(count=Count("pk")).order_by():
            by_state.add_metric([row["state"]], row["count"])
        yield by_state
        totals = Import.objects.aggregate(
            committed=Sum("committed"),
            rejected=Sum("invalid"),
            failed=Count("pk", filter=Q(state="failed")),
        )
        rows = CounterMetricFamily(
            "didhub_import_rows", "Rows of uploads, committed or rejected.", labels=["outcome"]
        )
        rows.add_metric(["committed"], totals["committed"] or 0)
        rows.add_metric(["rejected"], totals["rejected"] or 0)
        yield rows
        yield CounterMetricFamily(
            "didhub_import_failures", "Uploads that failed.", value=totals["failed"] or 0
        )
        durations = SummaryMetricFamily(
            "didhub_import_duration_seconds", "From start to commit, of committed uploads."
        )
        done = Import.objects.filter(
            state="done", started_at__isnull=False, committed_at__isnull=False
        )
        count, total = 0, 0.0
        for started, committed in done.values_list("started_at", "committed_at").iterator():
            count += 1
            total += max((committed - started).total_seconds(), 0.0)
        durations.add_metric([], count_value=count, sum_value=total)
        yield durations

    def tasks(self):
        from django_tasks_db.models import DBTaskResult

        family = GaugeMetricFamily(
            "didhub_tasks", "Background tasks by queue and status.", labels=["queue", "status"]
        )
        rows = DBTaskResult.objects.values("queue_name", "status").annotate(count=Count("pk"))
        for row in rows.order_by():
            family.add_metric([row["queue_name"], row["status"].lower()], row["count"])
        yield family

    def sync(self):
        from didhub.sync.models import OutboxMessage, PlatformLink, SyncChange

        links = {link.pk: link for link in PlatformLink.objects.exclude(status="disabled")}
        backlog = GaugeMetricFamily(
            "didhub_sync_backlog", "Numbers changed, not yet confirmed, per link.", labels=["link"]
        )
        lag = GaugeMetricFamily(
            "didhub_sync_lag_seconds",
            "Age of the oldest unconfirmed change, per link.",
            labels=["link"],
        )
        now = timezone.now()
        waiting = (
            SyncChange.objects.filter(link_id__in=list(links))
            .values("link_id")
            .annotate(size=Sum("size"), oldest=Min("created_at"))
            .order_by()
        )
        seen = set()
        for row in waiting:
            seen.add(row["link_id"])
            backlog.add_metric([str(row["link_id"])], row["size"] or 0)
            lag.add_metric([str(row["link_id"])], (now - row["oldest"]).total_seconds())
        for link_id in links:
            if link_id not in seen:
                backlog.add_metric([str(link_id)], 0)
                lag.add_metric([str(link_id)], 0)
        yield backlog
        yield lag
        messages = GaugeMetricFamily(
            "didhub_sync_messages",
            "Outbox messages per link and state (delivered, pending, dead).",
            labels=["link", "state"],
        )
        rows = (
            OutboxMessage.objects.filter(link_id__in=list(links))
            .values("link_id", "state")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for row in rows:
            messages.add_metric([str(row["link_id"]), row["state"]], row["count"])
        yield messages

    def workers(self):
        from didhub.core import workers

        yield GaugeMetricFamily(
            "didhub_workers_alive", "Workers with a fresh heartbeat.", value=workers.live().count()
        )

    def housekeeping(self):
        from didhub.core import housekeeping

        last_run = GaugeMetricFamily(
            "didhub_housekeeping_last_run_timestamp_seconds",
            "When each housekeeping job last ran (Unix time).",
            labels=["job"],
        )
        last_result = GaugeMetricFamily(
            "didhub_housekeeping_last_result",
            "What each housekeeping job did on its last run.",
            labels=["job", "result"],
        )
        for job, (at, result) in housekeeping.last_runs().items():
            last_run.add_metric([job], at)
            for key, value in result.items():
                if isinstance(value, int | float):
                    last_result.add_metric([job, key], value)
        yield last_run
        yield last_result

    def inventory(self):
        from didhub.ops import inventory

        snapshot = inventory.snapshot()
        if snapshot is None:
            return
        states = GaugeMetricFamily(
            "didhub_numbers", "Numbers by state (snapshot).", labels=["state"]
        )
        for state, count in sorted(snapshot["states"].items()):
            states.add_metric([state], count)
        yield states
        capabilities = GaugeMetricFamily(
            "didhub_numbers_capable",
            "Numbers able to carry voice, SMS or fax (snapshot).",
            labels=["capability"],
        )
        for capability, count in sorted(snapshot["capabilities"].items()):
            capabilities.add_metric([capability], count)
        yield capabilities
        yield GaugeMetricFamily(
            "didhub_numbers_snapshot_timestamp_seconds",
            "When the inventory snapshot was taken (Unix time).",
            value=snapshot["at"],
        )


def exposition() -> bytes:
    """The text a scrape gets: every process's figures, then the database's."""
    shared = CollectorRegistry()
    shared.register(DatabaseCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        own = generate_latest(processes)
    else:
        own = generate_latest(REGISTRY)
    return own + generate_latest(shared)
