"""The inventory by state and capability, as a snapshot the metrics read.

The figures are sums of the inventory tallies (``didhub.numbers.models.tallies``). The
``metrics.inventory`` housekeeping job sums them at most every
``DIDHUB_METRICS_INVENTORY_EVERY`` seconds and keeps the result in the cache every
process shares; ``/metrics`` reads it, so a scrape costs no query at all.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Sum

from didhub.core import housekeeping

CACHE_KEY = "didhub:metrics:inventory"


def snapshot() -> dict | None:
    """``{"at": unix time, "states": {...}, "capabilities": {...}}``, or None before the first."""
    return cache.get(CACHE_KEY)


def take_snapshot() -> dict:
    from didhub.numbers.models import Tally

    rows = (
        Tally.objects.filter(account__parent=None)
        .values("state")
        .annotate(
            count=Sum("numbers"),
            voice=Sum("numbers", filter=Q(voice=True), default=0),
            sms=Sum("numbers", filter=Q(sms=True), default=0),
            fax=Sum("numbers", filter=Q(fax=True), default=0),
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
