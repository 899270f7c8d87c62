"""Putting numbers in an account: the rules of ``didhub.numbers.placement``, applied.

Every move (delegate, reclaim, restore) calls both functions, set-based, inside its own
transaction: ``refuse_unfit`` before anything changes, so that every refused number
comes back with its reason and nothing moves; ``clear_unusable`` just before the numbers
change holder, so that the destination never holds a carrier or profile it may not use.
"""

from collections.abc import Iterable

from didhub.core import audit
from didhub.core.errors import ValidationFailed
from didhub.numbers.models import Number
from didhub.numbers.placement import catalog_models, country_refusals, unusable_references
from didhub.numbers.services.common import RowErrors, catalog_ref, chunks

# The fields a move reads of each number, after its own (pk, e164, ...).
PLACEMENT_FIELDS = ("country_code", "voice_carrier_id", "sms_profile_id", "calling_profile_id")


class Placed:
    """One number as the placement rules see it."""

    __slots__ = ("country_code", "e164", "holder", "pk", "references")

    def __init__(self, pk, e164, country_code, references: dict, holder):
        self.pk = pk
        self.e164 = e164
        self.country_code = country_code
        self.references = references
        self.holder = holder  # the account holding it before the move

    @classmethod
    def from_number(cls, number: Number) -> "Placed":
        references = {field: getattr(number, f"{field}_id") for field in catalog_models()}
        return cls(number.pk, number.e164, number.country_code, references, number.owner)

    @classmethod
    def from_values(cls, pk, e164, values: tuple, holder) -> "Placed":
        """``values``: the number's ``PLACEMENT_FIELDS``, in that order."""
        country_code, carrier, sms, calling = values
        references = {"voice_carrier": carrier, "sms_profile": sms, "calling_profile": calling}
        return cls(pk, e164, country_code, references, holder)


def refuse_unfit(destination, numbers: Iterable[Placed], errors: RowErrors) -> None:
    """One row error per number that ``destination`` may not hold (location country)."""
    pairs = [(number.e164, number.country_code) for number in numbers]
    for text, reason in country_refusals(destination, pairs):
        errors.add(ValidationFailed, text, "wrong_country", reason)


def clear_unusable(*, actor, destination, numbers: list[Placed]) -> set[int]:
    """Clear the carriers and profiles ``destination`` may not use; returns the numbers
    changed.

    Each cleared number gets a ``number.catalog_cleared`` event naming what was
    cleared, recorded on the account that held it: that account may read those names,
    the destination (a sibling's customer, say) may not.
    """
    unusable = unusable_references(destination, ((n.pk, n.references) for n in numbers))
    if not unusable:
        return set()
    models = catalog_models()
    by_pk = {number.pk: number for number in numbers}
    for field in models:
        pks = [pk for pk, fields in unusable.items() if field in fields]
        for batch in chunks(pks):
            Number.objects.filter(pk__in=batch).update(**{field: None})
    labels = {}
    for field, model in models.items():
        ids = {fields[field] for fields in unusable.values() if field in fields}
        for entry in model.objects.filter(pk__in=ids).select_related("owner"):
            labels[(field, entry.pk)] = catalog_ref(entry)
    events = []
    for pk, fields in unusable.items():
        number = by_pk[pk]
        events.append(
            audit.build_event(
                actor=actor,
                action="number.catalog_cleared",
                object_type="number",
                object_id=pk,
                account=number.holder,
                number_e164=number.e164,
                before={field: labels[(field, value)] for field, value in fields.items()},
                after={field: None for field in fields},
            )
        )
    audit.record_many(events)
    return set(unusable)


def place_one(*, actor, number: Number, destination) -> None:
    """The placement rules for one number about to move to ``destination`` (a restore):
    ``ValidationFailed`` when it may not hold it, else what it may not use is cleared."""
    placed = Placed.from_number(number)
    errors = RowErrors()
    refuse_unfit(destination, [placed], errors)
    errors.raise_if_any()
    if clear_unusable(actor=actor, destination=destination, numbers=[placed]):
        number.refresh_from_db(fields=list(catalog_models()))
