"""What every number service shares: locking, references in events, error collection,
catalog look-ups and the hand-off to the sync outbox."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from didhub.accounts.models import Account
from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import (
    Conflict,
    DomainError,
    ErrorItem,
    NotVisible,
    PolicyDenied,
    ValidationFailed,
    invalid,
)
from didhub.numbers import e164
from didhub.numbers.attributes import encode_tags
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Number

# Parameters per statement stay far below PostgreSQL's 65,535 and SQLite's limits.
CHUNK = 10_000

# Attributes a number carries besides its place in the tree; snapshotted into events.
ATTRIBUTE_FIELDS = (
    "voice",
    "sms",
    "fax",
    "route",
    "usage",
    "cac_limit",
    "voice_carrier",
    "sms_profile",
    "calling_profile",
    "sip_connection",
    "service_info",
    "tags",
)
CATALOG_FIELDS = ("voice_carrier", "sms_profile", "calling_profile")


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def account_ref(account) -> dict | None:
    return {"id": account.pk, "name": account.name} if account is not None else None


def target_ref(target) -> dict | None:
    if target is None:
        return None
    return {"id": target.pk, "name": target.name, "kind": target.kind}


def catalog_ref(obj) -> dict | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def attribute_values(number: Number) -> dict:
    """The number's attributes as events show them (catalog entries by id and name)."""
    values = {}
    for name in ATTRIBUTE_FIELDS:
        value = getattr(number, name)
        values[name] = catalog_ref(value) if name in CATALOG_FIELDS else value
    return values


def policy_refusal(actor, action: Action, obj=None) -> DomainError | None:
    """What ``check`` would raise (404 outside the subtree, 403 inside it), or None.

    The action predicates (``release_refusal`` ...) start here, so that what the
    portal and the API offer and what the services enforce ask the policy alike.
    """
    try:
        check(actor, action, obj)
    except DomainError as error:
        return error
    return None


# The columns of a number that the action predicates read (besides its E.164 text, which
# only their messages quote): its holder and uploader, state, origin and channels.
TARGET_KIND_FIELDS = ("voice_target_kind", "sms_target_kind", "fax_target_kind")
CHANNEL_FIELDS = ("voice", "sms", "fax", *TARGET_KIND_FIELDS)


@dataclass(frozen=True)
class SetCheck:
    """The set-based counterpart of a per-number predicate.

    ``predicate(actor, number, facts)`` returns the error a service raises, or None;
    ``reads`` names every column of the number it reads (``owner_id`` and
    ``uploaded_by_id`` stand for the accounts). A bulk action asks the predicate once
    per distinct combination of those columns among the selected numbers (one GROUP BY),
    refuses the numbers of the combinations it refuses, and asks it again about each
    number it lists, for the message naming that number. So the rule and its words stay
    in the predicate, and a million numbers cost one statement and a few calls.
    """

    predicate: Callable
    reads: tuple[str, ...]


class NumberFacts:
    """What the action predicates need to know beyond a number's own row.

    A page of numbers asks once for all of its rows (``NumberFacts.of``); a service
    deciding about one number builds it for that number alone.
    """

    def __init__(self, *, parents: set[int], previous: dict[int, Account]):
        self.parents = parents  # accounts with an account below them
        self.previous = previous  # account id -> Account, for released numbers

    @classmethod
    def of(cls, numbers) -> "NumberFacts":
        owners = {number.owner_id for number in numbers}
        parents = set(
            Account.objects.filter(parent_id__in=owners).values_list("parent_id", flat=True)
        )
        released = {
            (number.released_from or {}).get("owner", {}).get("id")
            for number in numbers
            if isinstance(number.released_from, dict)
        }
        released.discard(None)
        return cls(parents=parents, previous=Account.objects.in_bulk(released))

    def has_children(self, account_id: int) -> bool:
        return account_id in self.parents

    def released_by(self, number) -> Account | None:
        """The enterprise an aging number was released by, while it may restore it."""
        released = number.released_from if isinstance(number.released_from, dict) else {}
        owner = released.get("owner") or {}
        previous = self.previous.get(owner.get("id"))
        if (
            number.state != NumberState.AGING
            or previous is None
            or not previous.is_within(number.owner)
        ):
            return None
        return previous


def lock_number(number) -> Number:
    """The number's row, locked until the transaction ends, read fresh.

    Everything a service decides is decided on this fresh copy, so two requests
    working on the same number see each other's result instead of a stale object.
    """
    pk = number.pk if isinstance(number, Number) else None
    queryset = Number.objects.select_for_update(of=("self",)).select_related("owner")
    try:
        if pk is not None:
            return queryset.get(pk=pk)
        return queryset.get(e164=e164.normalize(str(number)))
    except (Number.DoesNotExist, e164.NumberError) as error:
        raise NotVisible("Not found.", code="not_found") from error


def lock_account(account: Account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


def record_number_event(
    *, actor, action: str, number: Number, account, before=None, after=None, import_id=None
):
    return audit.record(
        actor=actor,
        action=action,
        obj=number,
        account=account,
        number_e164=number.e164,
        import_id=import_id,
        before=before,
        after=after,
    )


def notify(action: str, number_ids: Iterable[int] = (), removed: Iterable[dict] = ()) -> None:
    """Hand changed numbers to the sync outbox, in statements of bounded size."""
    number_ids = list(number_ids)
    removed = list(removed)
    if not number_ids and not removed:
        return
    for index, ids in enumerate(chunks(number_ids) if number_ids else [[]]):
        audit.numbers_changed(action=action, number_ids=ids, removed=removed if index == 0 else ())


def removed_entry(number: Number, owner_id: int) -> dict:
    return {"number_id": number.pk, "e164": number.e164, "owner_id": owner_id}


# Errors of many rows at once: the most serious kind decides the answer, every item is kept.
SEVERITY = (NotVisible, PolicyDenied, Conflict, ValidationFailed)


class RowErrors:
    """Collects per-number problems of a set operation and raises them together."""

    def __init__(self):
        self.items: list[tuple[type[DomainError], ErrorItem]] = []

    def add(self, kind: type[DomainError], row, code: str, message: str) -> None:
        self.items.append((kind, ErrorItem(code=code, message=message, row=row)))

    def not_visible(self, row) -> None:
        """A number the actor cannot see: one message whether it is another tenant's or
        exists nowhere, so that a set operation is no oracle of other inventories."""
        self.add(NotVisible, row, "not_found", f"{row} is not in your inventory.")

    def add_error(self, row, error: DomainError) -> None:
        if isinstance(error, NotVisible):
            self.not_visible(row)
            return
        if error.errors:
            for item in error.errors:
                self.add(type(error), row, item.code, item.message)
        else:
            self.add(type(error), row, error.code, error.message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        kinds = {kind for kind, _ in self.items}
        kind = next((k for k in SEVERITY if k in kinds), ValidationFailed)
        errors = [item for _, item in self.items]
        count = len(errors)
        message = errors[0].message if count == 1 else f"{count} numbers cannot be changed."
        raise kind(message=message, code=errors[0].code, errors=errors)


def resolve_catalog(model, value, account: Account, field: str):
    """A carrier or profile given as instance or id, usable by ``account`` (its own or
    an ancestor's: catalog entries are owned by an account and usable below it)."""
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, model) else value
    try:
        return model.objects.usable_by(account).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as error:
        raise invalid(
            f"No {model._meta.verbose_name} {value} is available to {account.name}.",
            field=field,
            code="unknown",
        ) from error


def clean_tags(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = value.split(";")
    return encode_tags(value)


def to_pks(numbers) -> tuple[list[int], list[str]]:
    """Numbers given as a queryset, instances, ids or E.164 texts -> (ids, unknown texts).

    Texts that are not in the inventory at all come back in the second list, so that
    callers can answer them with a per-row "not found".
    """
    if isinstance(numbers, QuerySet):
        return list(numbers.values_list("pk", flat=True)), []
    pks, texts, unknown = [], [], []
    for item in numbers:
        if isinstance(item, Number):
            pks.append(item.pk)
        elif isinstance(item, int):
            pks.append(item)
        else:
            try:
                texts.append(e164.normalize(str(item)))
            except e164.NumberError:
                unknown.append(str(item))
    for batch in chunks(texts):
        found = dict(Number.objects.filter(e164__in=batch).values_list("e164", "pk"))
        for text in batch:
            if text in found:
                pks.append(found[text])
            else:
                unknown.append(text)
    return list(dict.fromkeys(pks)), unknown
