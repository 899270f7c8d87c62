"""Point-in-time answers from the history: who held a number, and who used it, when.

For emergency-services and lawful requests ("who held +1 212 555 0100 on
2025-03-01?"). The answer is replayed from the append-only events of that E.164 text,
so it holds even when the number, its owner or its targets have since been deleted.

A number that arrived through an upload has no event of its own for its arrival: the
commit writes one ``import.committed`` event for all of its numbers (a million numbers
cost a million rows, not two million). The timeline finds those events by the imports
that brought the E.164 text in: the ``source_import`` of the number as it is now, and
the ``import_id`` that ``number.deleted`` keeps of every earlier life of it. An arrival
puts the number in the import's account, in the state the import gave it, with no
assignments; whatever happened to it before (another tenant's life, ended by a delete)
no longer counts.
"""

from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from didhub.accounts.models import Account
from didhub.core.errors import NotVisible, invalid
from didhub.core.models import Event
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Number
from didhub.numbers.search import normalize_e164_text

DELETED = "number.deleted"
IMPORTED = "import.committed"


def parse_when(when) -> datetime:
    """A moment from a datetime, a date (its first instant) or ISO 8601 text.

    Naive values are read in the current time zone.
    """
    moment = when
    if isinstance(when, str):
        text = when.strip()
        moment = parse_datetime(text)
        if moment is None:
            try:
                moment = parse_date(text)
            except ValueError:
                moment = None
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min)
    if not isinstance(moment, datetime):
        raise invalid(
            f"{when!r} is not a date or time; use ISO 8601, e.g. 2025-03-01T12:00:00Z.",
            field="when",
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def owner_of(value) -> dict | None:
    """An ``owner`` as events store it ({"id", "name"}), or None."""
    if isinstance(value, dict) and value.get("id") is not None:
        return {"id": value["id"], "name": value.get("name")}
    return None


class Replay:
    """The number's state as its events, applied in order, leave it."""

    def __init__(self):
        self.existed = False
        self.owner: dict | None = None
        self.state: str | None = None
        self.assignments: dict[str, dict] = {}
        self.last_event: Event | None = None

    def arrive(self, event: Event, owner: dict | None, state: str) -> None:
        """An upload's commit brought the number into ``owner``, new."""
        self.last_event = event
        self.existed, self.owner, self.state = True, owner, state
        self.assignments = {}

    def apply(self, event: Event) -> None:
        self.last_event = event
        before = event.before if isinstance(event.before, dict) else {}
        after = event.after if isinstance(event.after, dict) else {}
        if event.action == DELETED:
            self.existed, self.owner, self.state = False, None, None
            self.assignments = {}
            return
        self.existed = True
        owner = owner_of(after.get("owner"))
        if owner is not None and owner["id"] != (self.owner or {}).get("id"):
            # Targets belong to one enterprise: a number changing hands leaves them all.
            self.assignments = {}
        if owner is not None:
            self.owner = owner
        for item in before.get("assignments") or []:
            self.assignments.pop(item.get("channel"), None)
        if after.get("channel") and after.get("target"):
            self.assignments[after["channel"]] = after["target"]
        for item in after.get("assignments") or []:
            if item.get("channel") and item.get("target"):
                self.assignments[item["channel"]] = item["target"]
        if after.get("state"):
            self.state = after["state"]


def timeline(e164: str, moment: datetime):
    """The events of ``e164`` up to ``moment``, oldest first, with the commits of the
    uploads that brought it in: one statement, whatever the number of its lives."""
    arrived_by_upload = Number.objects.filter(e164=e164, source_import__isnull=False).values(
        "source_import_id"
    )
    earlier_uploads = Event.objects.filter(
        number_e164=e164, action=DELETED, import_id__isnull=False
    ).values("import_id")
    uploads = Q(action=IMPORTED) & (
        Q(import_id__in=arrived_by_upload) | Q(import_id__in=earlier_uploads)
    )
    return Event.objects.filter(Q(number_e164=e164) | uploads, at__lte=moment).order_by("at", "id")


# What an upload gave the numbers it brought in (account, state) is the imports app's to
# say; it registers the answer here when it is ready (``ImportsConfig.ready``), so that
# numbers, the lower layer, does not read imports.
_upload_arrivals = None


def answer_upload_arrivals(source) -> None:
    """Register ``source(import_ids) -> {id: (owner as events store it, state)}``."""
    global _upload_arrivals
    _upload_arrivals = source


def arrivals(events: list[Event]) -> dict[int, tuple[dict | None, str]]:
    """Import id -> (its account as events store owners, the state it gave numbers)."""
    ids = {event.import_id for event in events if event.action == IMPORTED}
    if not ids:
        return {}
    if _upload_arrivals is None:
        raise RuntimeError("No app answers for uploads: is didhub.imports installed?")
    return _upload_arrivals(ids)


def owner_before_changes_after(e164: str, when: datetime) -> dict | None:
    """The owner a number had at ``when`` when no event before it says so: the
    ``before`` owner of its first later ownership change, if any."""
    for before in (
        Event.objects.filter(number_e164=e164, at__gt=when)
        .order_by("at", "id")
        .values_list("before", flat=True)
    ):
        if isinstance(before, dict) and (owner := owner_of(before.get("owner"))):
            return owner
    return None


def number_at(*, user, e164: str, when) -> dict:
    """Who owned ``e164`` at ``when`` (account id and name) and who used it per channel.

    ``existed`` is False when the number was not in the inventory at that moment (not
    yet added, or deleted by then). Users below the platform get an answer only about a
    moment when the number was held inside their subtree, or, for a moment when it did
    not exist, when they can see some of its history; anything else is ``NotVisible``,
    so a foreign tenant's holdings are never disclosed.
    """
    text = normalize_e164_text(e164)
    if not text:
        raise invalid("Give the number in E.164 form, e.g. +12125550100.", field="e164")
    moment = parse_when(when)
    replay = Replay()
    events = list(timeline(text, moment))
    uploads = arrivals(events)
    for event in events:
        if event.action == IMPORTED and event.number_e164 != text:
            owner, state = uploads.get(event.import_id, (None, str(NumberState.AVAILABLE)))
            replay.arrive(event, owner, state)
        else:
            replay.apply(event)
    if replay.existed and replay.owner is None:
        replay.owner = owner_before_changes_after(text, moment)
    if replay.last_event is None:
        current = Account.objects.filter(
            numbers__e164=text, numbers__created_at__lte=moment
        ).first()
        if current is not None:
            # Added without a history of its own (e.g. loaded before history began).
            replay.existed = True
            replay.owner = owner_before_changes_after(text, moment) or {
                "id": current.pk,
                "name": current.name,
            }
    require_visible(user, text, replay)
    return {
        "e164": text,
        "when": moment,
        "existed": replay.existed,
        "owner": replay.owner if replay.existed else None,
        "state": replay.state if replay.existed else None,
        "assignments": dict(sorted(replay.assignments.items())) if replay.existed else {},
        "last_event": (
            {
                "id": replay.last_event.pk,
                "at": replay.last_event.at,
                "action": replay.last_event.action,
            }
            if replay.last_event is not None
            else None
        ),
    }


def require_visible(user, e164: str, replay: Replay) -> None:
    """``NotVisible`` unless ``user`` may hear about the number at that moment."""
    if not getattr(user, "is_authenticated", False) or user.account_id is None:
        raise NotVisible("Not found.", code="not_found")
    if user.account.is_platform:
        return
    if replay.existed and replay.owner is not None:
        path = Account.objects.filter(pk=replay.owner["id"]).values_list("path", flat=True)
        if path and path[0].startswith(user.account.path):
            return
        raise NotVisible("Not found.", code="not_found")
    if replay.existed or not Event.objects.visible_to(user).filter(number_e164=e164).exists():
        raise NotVisible("Not found.", code="not_found")
