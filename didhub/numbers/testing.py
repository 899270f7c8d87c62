"""Test support: the inventory tallies checked against the numbers they count."""

from collections import Counter

from django.db.models import Count, Sum

from didhub.accounts.models import Account
from didhub.numbers.models import TALLY_KEY, Number, Tally
from didhub.numbers.rules import STATION_KINDS

CHANNELS = ("voice", "sms", "fax")


def counted_from_numbers(using: str = "default") -> Counter:
    """Numbers per tally combination, counted over the numbers themselves and added to
    the owner and every account above it."""
    columns = [
        "owner_id",
        "state",
        *CHANNELS,
        *(f"{channel}_target_kind" for channel in CHANNELS),
        "activity",
    ]
    above = {account.pk: account.ancestor_ids() for account in Account.objects.using(using)}
    counted: Counter = Counter()
    rows = Number.objects.using(using).order_by().values_list(*columns).annotate(n=Count("pk"))
    for owner, state, voice, sms, fax, voice_kind, sms_kind, fax_kind, activity, n in rows:
        assigned = (bool(voice_kind), bool(sms_kind), bool(fax_kind))
        combination = (state, voice, sms, fax, *assigned, voice_kind in STATION_KINDS, activity)
        for account in above[owner]:
            counted[(account, *combination)] += n
    return counted


def summed_from_tallies(using: str = "default") -> Counter:
    """Numbers per combination, summed over the tally rows (combinations of zero left out)."""
    rows = (
        Tally.objects.using(using)
        .order_by()
        .values_list(*(column.removesuffix("_id") for column in TALLY_KEY))
        .annotate(n=Sum("numbers"))
    )
    return Counter({tuple(row[:-1]): row[-1] for row in rows if row[-1]})


def tally_mismatches(using: str = "default") -> dict:
    """``{combination: (counted, tallied)}`` wherever the tallies disagree with the numbers."""
    counted, tallied = counted_from_numbers(using), summed_from_tallies(using)
    return {
        key: (counted.get(key, 0), tallied.get(key, 0))
        for key in counted.keys() | tallied.keys()
        if counted.get(key, 0) != tallied.get(key, 0)
    }
