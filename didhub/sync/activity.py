"""Call activity (docs/sync.md): a number is ``active`` once calls are received on it.

A call for a number still ``porting_in`` also completes its port (the carrier routes it
here now), as Kazoo activates a ported number on its first call.

Events arrive from the API (``POST /api/v1/call-events/``) and from CDR files
(``didhub calls import``). Each batch is one transaction and one set-based ``UPDATE``
per few thousand numbers (a ``VALUES`` list joined to the numbers), and it never moves
``last_call_at`` backwards, whatever order the events come in.
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import ErrorItem, invalid
from didhub.numbers import e164 as e164_module
from didhub.numbers.models import Number
from didhub.numbers.services import numbers_port_complete_by_call
from didhub.sync import sql
from didhub.sync.choices import CallDirection
from didhub.sync.outbox import chunked

MAX_EVENTS = 10_000
# Row errors reported back; the counts always cover every event.
MAX_REPORTED_ERRORS = 100


def parse_time(value) -> datetime | None:
    """An aware datetime from a datetime, ISO 8601 text or epoch seconds; else None."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        return datetime.fromtimestamp(float(value), tz=UTC)
    elif isinstance(value, str):
        try:
            moment = parse_datetime(value.strip().replace("T", " ", 1))
        except ValueError:
            return None
        if moment is None:
            return None
    else:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def normalize_event(index: int, event: dict) -> tuple[str, datetime] | ErrorItem:
    if not isinstance(event, dict):
        return ErrorItem(code="invalid", message="An event is an object.", row=index)
    try:
        e164 = e164_module.normalize(str(event.get("e164") or ""))
    except ValueError as error:
        return ErrorItem(code="invalid_number", message=str(error), row=index)
    at = parse_time(event.get("at"))
    if at is None:
        return ErrorItem(code="invalid_time", message="at must be a date and time.", row=index)
    if at > timezone.now() + timedelta(minutes=5):
        return ErrorItem(code="future_time", message="at lies in the future.", row=index)
    direction = event.get("direction") or CallDirection.INBOUND
    if direction not in CallDirection.values:
        return ErrorItem(
            code="invalid_direction",
            message=f"direction is one of {', '.join(CallDirection.values)}.",
            row=index,
        )
    return e164, at


def mark_active(latest: dict[int, datetime]) -> int:
    """One ``UPDATE ... FROM (VALUES ...)`` per chunk (``sql.mark_active``); returns the
    rows changed."""
    return sum(sql.mark_active(chunk) for chunk in chunked(list(latest.items()), 2000))


def calls_record(*, actor, events: list[dict], source: str = "api") -> dict:
    """Record call events: numbers become ``active`` and ``last_call_at`` moves forward.

    ``actor=None`` is the system (a CDR import run by the operator). Events for numbers
    that do not exist or that the actor cannot see are counted as ``unknown`` and do
    not fail the batch; malformed events are counted as ``invalid`` with their row.
    """
    if len(events) > MAX_EVENTS:
        raise invalid(f"At most {MAX_EVENTS:,} events per request.", field="events")
    latest: dict[str, datetime] = {}
    errors: list[ErrorItem] = []
    counted: dict[str, int] = {}
    for index, event in enumerate(events):
        parsed = normalize_event(index, event)
        if isinstance(parsed, ErrorItem):
            errors.append(parsed)
            continue
        e164, at = parsed
        counted[e164] = counted.get(e164, 0) + 1
        if e164 not in latest or latest[e164] < at:
            latest[e164] = at
    with transaction.atomic():
        if actor is not None:
            check(actor, Action.CALLS_RECORD)
        numbers = Number.objects.visible_to(actor) if actor is not None else Number.objects
        ids: dict[str, int] = {}
        for keys in chunked(list(latest)):
            ids.update(numbers.filter(e164__in=keys).values_list("e164", "id"))
        calls = {ids[e164]: latest[e164] for e164 in ids}
        changed = mark_active(calls)
        # A call reaching a number still porting in proves its port is done.
        ported = numbers_port_complete_by_call(actor=actor, calls=calls)
        summary = {
            "received": len(events),
            "applied": sum(counted[e164] for e164 in ids),
            "unknown": sum(count for e164, count in counted.items() if e164 not in ids),
            "invalid": len(errors),
            "numbers_updated": changed,
            "ports_completed": ported,
        }
        audit.record(
            actor=actor,
            action="calls.recorded",
            object_type="call_events",
            account=actor.account if actor is not None else None,
            after={**summary, "source": source},
        )
    summary["errors"] = [item.as_dict() for item in errors[:MAX_REPORTED_ERRORS]]
    return summary
