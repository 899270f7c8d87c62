"""How a bulk action chooses its numbers and asks the rules about them, set-based.

The numbers are chosen by a list (E.164 texts, instances or ids) or by the list's
filter (a queryset of ``selectors.number_list``: the visibility gate and
``NumberFilterSet``), and written once into a temporary selection table
(``didhub.numbers.sql``). A number named in a list that the actor cannot see is
refused as "not in your inventory", exactly like one that does not exist; a filter
simply does not select it.

The rules are those of the single-number services, asked set-based: each action's
checks are ``SetCheck``s, the predicates beside the services (``release_refusals``
beside ``release_refusal`` ...) and the parameter checks of the action, each asked
once per distinct combination of the columns it reads. If anything is refused,
nothing changes: the answer counts every refused number and lists the first
``REFUSALS_LISTED`` of them (E.164 order), each with the message its single-number
service gives.
"""

from dataclasses import dataclass, field

from didhub.accounts.models import Account
from didhub.core.errors import Conflict, DomainError, ErrorItem, NotVisible
from didhub.numbers import e164, sql
from didhub.numbers.models import Number
from didhub.numbers.services.common import SEVERITY, NumberFacts, SetCheck, chunks

# How many refused numbers an answer lists; it always counts them all.
REFUSALS_LISTED = 1000

# Columns the checks may read, as the grouping statement reads them (NULL as 0, so that
# a combination can be matched again by value).
NULLABLE = {"reserved_for_id", "voice_carrier_id", "sms_profile_id", "calling_profile_id"}
FLAGS = {"voice", "sms", "fax", "external"}


def column_sql(name: str) -> str:
    return f"COALESCE(n.{name}, 0)" if name in NULLABLE else f"n.{name}"


@dataclass
class Limit:
    """Numbers refused by their place in the selection rather than by their columns
    (beyond a station quota): ``condition`` over ``n``, and the refusal of one."""

    condition: str
    params: list
    count: int
    refusal: object  # (number) -> DomainError


@dataclass
class Refusals:
    """What a bulk action refuses: the total, and the first ``REFUSALS_LISTED`` items."""

    total: int = 0
    items: list = field(default_factory=list)  # (kind, ErrorItem), E.164 order

    def __bool__(self) -> bool:
        return self.total > 0

    def merge(self, other: "Refusals") -> None:
        self.total += other.total
        self.items = sorted([*self.items, *other.items], key=lambda pair: str(pair[1].row))
        del self.items[REFUSALS_LISTED:]

    def error(self) -> DomainError:
        """One error of the most serious kind among the items (404, 403, 409, 400),
        with every listed item and the total (``errors_total``)."""
        kinds = {kind for kind, _ in self.items}
        kind = next((k for k in SEVERITY if k in kinds), Conflict)
        items = [item for _, item in self.items]
        if self.total == 1:
            message = items[0].message
        else:
            message = f"{self.total:,} numbers cannot be changed"
            if self.total > len(items):
                message += f"; the first {len(items):,} are listed"
            message += "."
        error = kind(message=message, code=items[0].code, errors=items)
        error.errors_total = self.total
        return error

    def raise_if_any(self) -> None:
        if self:
            raise self.error()


def item_of(row: str, error: DomainError) -> tuple[type, ErrorItem]:
    if isinstance(error, NotVisible):
        return NotVisible, not_visible_item(row)
    first = error.errors[0] if error.errors else error
    return type(error), ErrorItem(code=first.code, message=first.message, row=row)


def not_visible_item(text: str) -> ErrorItem:
    """One message whether a number is another tenant's or exists nowhere, so that a
    bulk action is no oracle of other inventories."""
    return ErrorItem(code="not_found", message=f"{text} is not in your inventory.", row=text)


# Choosing the numbers ---------------------------------------------------------------------


def choose(actor, numbers) -> list[str]:
    """Fill the selection with the numbers chosen (a queryset: every number it matches;
    otherwise a list); returns the listed texts that name no visible number."""
    sql.create_selection()
    if hasattr(numbers, "query"):
        sql.select_queryset(numbers)
        missing = []
    else:
        texts, missing = texts_of(numbers)
        missing += sql.select_named(texts, Number.objects.visible_to(actor))
    sql.lock_selection()
    return missing


def texts_of(numbers) -> tuple[list[str], list[str]]:
    """E.164 texts of listed numbers (instances, ids or raw texts); and the items that
    are no number at all."""
    texts, bad, ids = [], [], []
    for item in numbers:
        if isinstance(item, Number):
            texts.append(item.e164)
        elif isinstance(item, int):
            ids.append(item)
        else:
            try:
                texts.append(e164.normalize(str(item)))
            except e164.NumberError:
                bad.append(str(item))
    for batch in chunks(ids):
        found = dict(Number.objects.filter(pk__in=batch).values_list("pk", "e164"))
        texts.extend(found.values())
        bad.extend(str(pk) for pk in batch if pk not in found)
    return texts, bad


# Asking the rules ---------------------------------------------------------------------------


def representative(reads: list[str], values: tuple, text: str, accounts: dict) -> Number:
    """An unsaved number carrying one combination of the columns the checks read."""
    number = Number(e164=text)
    for name, value in zip(reads, values, strict=True):
        if name in NULLABLE and value == 0:
            value = None
        elif name in FLAGS:
            value = bool(value)
        setattr(number, name, value)
    number.owner = accounts[number.owner_id]
    if number.uploaded_by_id is not None:
        number.uploaded_by = accounts[number.uploaded_by_id]
    return number


def first_refusal(actor, number: Number, checks: list[SetCheck], facts) -> DomainError | None:
    for check in checks:
        if error := check.predicate(actor, number, facts):
            return error
    return None


def refusals(actor, checks: list[SetCheck], *, missing=(), limits=()) -> Refusals:
    """Every selected number the checks refuse (and the ``missing`` texts, and the
    ``limits``): counted by one grouping statement, the first listed with the message
    of their own number."""
    reads = list(dict.fromkeys(["owner_id", *(name for c in checks for name in c.reads)]))
    columns = [column_sql(name) for name in reads]
    groups = sql.groups(columns)
    ids = {values[reads.index("owner_id")] for *values, _, _ in groups}
    if "uploaded_by_id" in reads:
        ids |= {values[reads.index("uploaded_by_id")] for *values, _, _ in groups}
    accounts = Account.objects.in_bulk(ids)
    shown = [
        (tuple(values), count, representative(reads, tuple(values), text, accounts))
        for *values, count, text in groups
    ]
    facts = NumberFacts.of([number for _, _, number in shown])
    refused = [
        (values, count)
        for values, count, number in shown
        if first_refusal(actor, number, checks, facts) is not None
    ]
    found = Refusals(total=len(missing) + sum(count for _, count in refused))
    found.items = [(NotVisible, not_visible_item(text)) for text in missing]
    if refused:
        condition, params = sql.row_in(columns, [values for values, _ in refused])
        listed = sql.first_ids(condition, params, REFUSALS_LISTED)
        found.items += explained(
            actor, listed, lambda number, facts: first_refusal(actor, number, checks, facts)
        )
    for limit in limits:
        found.total += limit.count
        listed = sql.first_ids(limit.condition, limit.params, REFUSALS_LISTED)
        found.items += explained(
            actor, listed, lambda number, facts, limit=limit: limit.refusal(number)
        )
    found.items.sort(key=lambda pair: str(pair[1].row))
    del found.items[REFUSALS_LISTED:]
    return found


def explained(actor, ids: list[int], why) -> list[tuple[type, ErrorItem]]:
    """The refusal of each listed number, in the words of its single-number service."""
    numbers = list(
        Number.objects.filter(pk__in=ids).select_related("owner", "uploaded_by").order_by("e164")
    )
    facts = NumberFacts.of(numbers)
    items = []
    for number in numbers:
        error = why(number, facts) or Conflict(
            f"{number.e164} cannot be changed now.", code="refused"
        )
        items.append(item_of(number.e164, error))
    return items
