"""The numbers' housekeeping jobs (registered in ``NumbersConfig.ready``)."""

from django.db import transaction

from didhub.core import housekeeping
from didhub.numbers import sql
from didhub.numbers.services import numbers_expire


@housekeeping.register(
    "numbers.expire", "Return expired reservations and numbers whose aging ended to available."
)
def expire_numbers(now) -> dict:
    return numbers_expire(now=now)


@housekeeping.register(
    "numbers.tallies", "Fold the per-statement changes of the inventory tallies into one row each."
)
def compact_tallies(now) -> dict:
    with transaction.atomic():
        return {"removed": sql.compact_tallies()}
