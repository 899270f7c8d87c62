"""Call activity of the demo: calls on half of the assigned numbers, over the last month.

Recorded as the platforms report calls (``didhub.sync.activity.calls_record``), so the
numbers with a call read Active with their last call, and every other number reads
Pending, as a real inventory does a month after its numbers went live.
"""

from datetime import timedelta

from django.utils import timezone

from didhub.accounts.models import Account
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Number
from didhub.sync.activity import MAX_EVENTS, calls_record
from didhub.sync.choices import CallDirection
from didhub.sync.outbox import chunked

# Calls spread over the last thirty days, in minutes.
WINDOW_MINUTES = 30 * 24 * 60


def call_events(e164s: list[str], now) -> list[dict]:
    """One or more calls for each number, at times that differ from number to number."""
    events = []
    for index, e164 in enumerate(e164s):
        for call in range(1 + index % 3):
            minutes_ago = (index * 733 + call * 4099) % WINDOW_MINUTES + 5
            events.append(
                {
                    "e164": e164,
                    "at": now - timedelta(minutes=minutes_ago),
                    "direction": CallDirection.OUTBOUND if call % 2 else CallDirection.INBOUND,
                }
            )
    return events


def ensure_call_activity(root: Account) -> int:
    """Record the demo's calls once; returns how many numbers have had a call."""
    numbers = Number.objects.filter(owner__path__startswith=root.path)
    if not numbers.filter(last_call_at__isnull=False).exists():
        assigned = list(
            numbers.filter(state=NumberState.ASSIGNED).order_by("id").values_list("e164", flat=True)
        )
        events = call_events(assigned[::2], timezone.now())
        for batch in chunked(events, MAX_EVENTS):
            calls_record(actor=None, events=batch, source="demo")
    return numbers.filter(last_call_at__isnull=False).count()
