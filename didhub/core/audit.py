"""Writing history. Every service records what it changed through here, in its own
transaction, so that a change and its record commit or roll back together.

Events are append-only; the database refuses updates and deletes (migration
``core.0002``). Changes of numbers are also handed to the sync outbox, in the same
transaction, so that nothing committed is ever missed by the calling platforms.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import models

from didhub.core.logs import current_request_id
from didhub.core.models import Event

SYSTEM = "system"


def actor_fields(actor) -> dict:
    """Who did it: a user, or the system (``actor=None``: expiry jobs, call events)."""
    if actor is None:
        return {"actor_user_id": None, "actor_label": SYSTEM, "actor_account_id": None}
    return {
        "actor_user_id": actor.pk,
        "actor_label": actor.email,
        "actor_account_id": actor.account_id,
    }


def jsonable(value):
    """Values as they are stored in ``before``/``after``: plain JSON."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj, fields: Iterable[str]) -> dict:
    """The named fields of an object, as JSON (foreign keys as ids)."""
    data = {}
    for name in fields:
        field = obj._meta.get_field(name)
        data[name] = getattr(obj, field.attname)
    return jsonable(data)


def build_event(
    *,
    actor,
    action: str,
    obj=None,
    account=None,
    number_e164: str = "",
    before=None,
    after=None,
    import_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> Event:
    """An unsaved event; ``record`` saves one, ``record_many`` saves a batch."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id if object_id is not None else obj.pk
    return Event(
        action=action,
        account_id=account.pk if account is not None else None,
        account_path=account.path if account is not None else "",
        object_type=object_type or "",
        object_id=object_id,
        number_e164=number_e164,
        import_id=import_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        request_id=current_request_id.get(),
        **actor_fields(actor),
    )


def record(**kwargs) -> Event:
    """Write one event now (inside the caller's transaction)."""
    event = build_event(**kwargs)
    event.save()
    return event


def record_many(events: list[Event], batch_size: int = 5000) -> None:
    """Write a batch of events in as few statements as the database allows."""
    if events:
        Event.objects.bulk_create(events, batch_size=batch_size)


# Who hears that numbers changed: the sync outbox registers itself when its app is
# ready (``SyncConfig.ready``), so that core knows nothing of the layers above it.
_number_change_handlers: list[Callable[..., None]] = []


def on_numbers_changed(handler: Callable[..., None]) -> Callable[..., None]:
    """Register ``handler(action=, number_ids=, import_id=, removed=, referenced=, fields=,
    selection=, left_selection=)``."""
    if handler not in _number_change_handlers:
        _number_change_handlers.append(handler)
    return handler


def numbers_changed(
    *,
    action: str,
    number_ids: Iterable[int] = (),
    import_id: int | None = None,
    removed: Iterable[dict] = (),
    referenced: models.Model | None = None,
    fields: Iterable[str] = (),
    selection: str | None = None,
    left_selection: str | None = None,
) -> None:
    """Tell whoever listens (the sync outbox) that numbers changed, inside the transaction.

    ``number_ids`` name numbers that exist after the change; ``import_id`` names every
    number an import created (set-based, for millions of rows); ``removed`` carries
    ``{"number_id", "e164", "owner_id"}`` of numbers that left an enterprise (deleted,
    reclaimed, released), captured before they left; ``referenced`` is a target, carrier
    or profile whose ``fields`` were edited: every number showing them changed with it.
    ``selection`` and ``left_selection`` are the set-based forms of ``number_ids`` and
    ``removed`` for bulk actions: SQL selecting the ids (``id``), and the rows
    (``number_id``, ``e164``, ``owner_id``) of numbers that left an enterprise.
    """
    change = {
        "action": action,
        "number_ids": list(number_ids),
        "import_id": import_id,
        "removed": list(removed),
        "referenced": referenced,
        "fields": list(fields),
        "selection": selection,
        "left_selection": left_selection,
    }
    for handler in _number_change_handlers:
        handler(**change)
