"""What an account may hold: the rules that every path putting numbers in an account asks.

An upload, a delegation (single, bulk or by filter), a reclaim and a restore each put
numbers in an account. They all ask this module, so that a rule cannot hold on one path
and be skipped on another (the country rule once held for uploads only, so delegating a
+1 number to an Italian enterprise went through).

* **Country** (:class:`CountryRule`): an account with a location country holds only
  numbers of that country's calling code (Tailspin Italia, IT: +39 only). A move refuses
  every number that does not fit, each with its reason; an upload refuses the row with
  ``wrong_country``. Kept free of Django, so the upload's validator reads it too.
* **Catalog** (:func:`unusable_references`): a number's voice carrier, SMS carrier
  profile and calling profile are ones its holder may use, that is owned by the holder
  or by an account above it (``OwnedQuerySet.usable_by``, the one home of "which
  carriers may account X use"). A move clears the ones the destination may not use
  (``didhub.numbers.services.placing``), so that a number never carries a carrier from
  outside its holder's line of the tree.

Release is not a placement: it hands a number back to the reseller that provided it,
which sees everything below it, and restore must be able to put the number back as it
was. Restore is: the enterprise's location country may have changed meanwhile.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import phonenumbers


@dataclass(frozen=True)
class CountryRule:
    """The calling code an account's location country demands, or none.

    ``country`` is the ISO code as stored (upper case), ``code`` its calling code;
    an account without a location country (``code`` None) holds any number.
    """

    country: str = ""
    code: int | None = None

    @classmethod
    def of(cls, location_country: str | None) -> "CountryRule":
        country = (location_country or "").strip().upper()
        code = phonenumbers.country_code_for_region(country) if country else 0
        return cls(country=country, code=code or None)

    @classmethod
    def of_account(cls, account) -> "CountryRule":
        return cls.of(getattr(account, "location_country", ""))

    def fits(self, country_code: int) -> bool:
        return self.code is None or country_code == self.code

    def reason(self, country_code: int, holder: str = "This account") -> str:
        """Why a number of ``country_code`` is refused, in words a person reads."""
        return (
            f"{holder} holds only +{self.code} numbers (location {self.country}), "
            f"not +{country_code}."
        )


def country_refusals(account, numbers: Iterable[tuple[str, int]]) -> list[tuple[str, str]]:
    """``(e164, reason)`` for every number ``account`` may not hold by its location country.

    ``numbers``: ``(e164, country_code)`` pairs, any number of them; every refused
    number is reported, not only the first.
    """
    rule = CountryRule.of_account(account)
    if rule.code is None:
        return []
    return [
        (text, f"{text}: {rule.reason(country_code, account.name)}")
        for text, country_code in numbers
        if not rule.fits(country_code)
    ]


def catalog_models() -> dict:
    """The number's catalog references, field -> model (imported late: no cycle)."""
    from didhub.numbers.models import CallingProfile, Carrier, SmsProfile

    return {"voice_carrier": Carrier, "sms_profile": SmsProfile, "calling_profile": CallingProfile}


CATALOG_FIELDS = ("voice_carrier", "sms_profile", "calling_profile")


def is_usable(entry, account) -> bool:
    """True when ``account`` may use the carrier or profile ``entry`` (one object)."""
    return entry is None or type(entry).objects.usable_by(account).filter(pk=entry.pk).exists()


def unusable_references(account, rows: Iterable[tuple[int, dict[str, int | None]]]) -> dict:
    """The catalog references ``account`` may not use, per number: ``{pk: {field: id}}``.

    ``rows``: ``(number pk, {field: catalog id or None})``. One query per kind of
    reference for the whole set, whatever its size.
    """
    rows = list(rows)
    models = catalog_models()
    unusable: dict[str, set[int]] = {}
    for field, model in models.items():
        ids = {refs.get(field) for _, refs in rows} - {None}
        if ids:
            usable = model.objects.usable_by(account).filter(pk__in=ids)
            unusable[field] = ids - set(usable.values_list("pk", flat=True))
    found: dict[int, dict[str, int]] = {}
    for pk, refs in rows:
        for field, bad in unusable.items():
            if refs.get(field) in bad:
                found.setdefault(pk, {})[field] = refs[field]
    return found


def unusable_defaults(account, defaults: Mapping[str, object]) -> list[tuple[str, str]]:
    """``(field, reason)`` for each default carrier or profile ``account`` may not use.

    ``defaults``: the defaults being set, ``{field: carrier, profile or None}``. An
    account's defaults are given to the numbers it and the accounts below it upload
    (``didhub.numbers.account_defaults``), so they must be usable by it: its own, or an
    account's above it. Then every account below may use them too.
    """
    found = []
    for field, entry in defaults.items():
        if entry is not None and not is_usable(entry, account):
            found.append(
                (
                    field,
                    f"{account.name} cannot use the {entry._meta.verbose_name} {entry}: an "
                    "account uses its own carriers and profiles and those of the accounts "
                    "above it.",
                )
            )
    return found
