"""Settings of an account that an app above accounts keeps in its own tables.

An account's default voice carrier and SMS profile name entries of the numbers'
catalog, so the numbers app keeps them (``numbers.AccountDefaults``): accounts sits
below numbers and never imports it (docs/architecture.md, "The layer order"). To a
client they are still settings of the account, like its name: set by the same request,
shown in the same answer, changed in the same transaction and recorded in the same
``account.created`` / ``account.updated`` event. So the app that keeps such settings
registers an :class:`AccountPart` in its ``AppConfig.ready()``, and the account services
(``accounts.services``) and the account API serializers handle the fields of every
registered part together with the account's own.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from didhub.core.errors import ErrorItem


@dataclass(frozen=True)
class AccountPart:
    """What the account services and API need to know of settings kept elsewhere.

    * ``fields``: their names, as services, the API and events call them.
    * ``own_editable``: an account may set them on itself (else only from above).
    * ``follows``: the account setting they come after in the API's answers.
    * ``related``: the relation from an account to the part's row, joined when the API
      reads accounts, so that a page of accounts costs one query.
    * ``stored(account)``: the stored values, ``{field: id or None}``.
    * ``refusals(account, values)``: what ``account`` may not hold of ``values`` (the
      fields being set, as given to the services), as field-keyed items.
    * ``save(account, values)``: write ``values`` (the fields being set).
    * ``api_fields(writable)``: the serializer fields, read-only or writable.
    """

    fields: tuple[str, ...]
    own_editable: bool
    follows: str
    related: str
    stored: Callable[[object], dict]
    refusals: Callable[[object, Mapping], list[ErrorItem]]
    save: Callable[[object, Mapping], None]
    api_fields: Callable[[bool], dict]


_parts: list[AccountPart] = []


def register(part: AccountPart) -> AccountPart:
    """Add ``part``; registering the same part again changes nothing."""
    if part not in _parts:
        _parts.append(part)
    return part


def field_names() -> tuple[str, ...]:
    return tuple(name for part in _parts for name in part.fields)


def own_editable() -> set[str]:
    return {name for part in _parts if part.own_editable for name in part.fields}


def related() -> tuple[str, ...]:
    return tuple(part.related for part in _parts)


def split(values: Mapping) -> tuple[dict, list[tuple[AccountPart, dict]]]:
    """``values`` as the account's own fields and, per part, the part's fields."""
    held = {}
    by_part = []
    for part in _parts:
        mine = {name: values[name] for name in part.fields if name in values}
        held.update(mine)
        if mine:
            by_part.append((part, mine))
    own = {name: value for name, value in values.items() if name not in held}
    return own, by_part


def stored(account) -> dict:
    """Every part's stored values for ``account`` (ids), for its events."""
    values = {}
    for part in _parts:
        values.update(part.stored(account))
    return values


def refusals(account, by_part: Iterable[tuple[AccountPart, dict]]) -> list[ErrorItem]:
    return [item for part, values in by_part for item in part.refusals(account, values)]


def save(account, by_part: Iterable[tuple[AccountPart, dict]]) -> None:
    for part, values in by_part:
        part.save(account, values)


def with_api_fields(fields: dict, *, writable: bool) -> dict:
    """``fields`` of an account serializer with every part's fields after the one they
    follow (at the end when that one is absent)."""
    for part in _parts:
        extra = part.api_fields(writable)
        placed = {}
        for name, field in fields.items():
            placed[name] = field
            if name == part.follows:
                placed.update(extra)
        fields = placed if part.follows in fields else {**fields, **extra}
    return fields
