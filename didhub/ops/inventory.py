"""The inventory by state and capability, as a snapshot the metrics read.

Counting ten million numbers takes seconds; a Prometheus scrape every 15 s must not.
The ``metrics.inventory`` housekeeping job counts them at most every
``DIDHUB_METRICS_INVENTORY_EVERY`` seconds (one pass over the table, every figure at
once) and keeps the result in the cache every process shares; ``/metrics`` reads it.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from didhub.core import housekeeping

CACHE_KEY = "didhub:metrics:inventory"


def snapshot() -> dict | None:
    """``{"at": unix time, "states": {...}, "capabilities": {...}}``, or None before the first."""
    return cache.get(CACHE_KEY)


def take_snapshot() -> dict:
    from didhub.numbers.models import Number

    rows = (
        Number.objects.values("state")
        .annotate(
            count=Count("pk"),
            voice=Count("pk", filter=Q(voice=True)),
            sms=Count("pk", filter=Q(sms=True)),
            fax=Count("pk", filter=Q(fax=True)),
        )
        .order_by()
    )
    states, capabilities = {}, {"voice": 0, "sms": 0, "fax": 0}
    for row in rows:
        states[row["state"]] = row["count"]
        for capability in capabilities:
            capabilities[capability] += row[capability]
    taken = {"at": time.time(), "states": states, "capabilities": capabilities}
    cache.set(CACHE_KEY, taken, timeout=None)
    return taken


@housekeeping.register(
    "metrics.inventory", "Count the numbers by state and capability for /metrics (when enabled)."
)
def refresh_inventory_snapshot(now) -> dict:
    if not settings.DIDHUB_METRICS:
        return {}
    current = snapshot()
    if current and time.time() - current["at"] < settings.DIDHUB_METRICS_INVENTORY_EVERY:
        return {}
    taken = take_snapshot()
    return {"numbers": sum(taken["states"].values())}
