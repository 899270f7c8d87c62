"""The numbers' housekeeping job (registered in ``NumbersConfig.ready``)."""

from didhub.core import housekeeping
from didhub.numbers.services import numbers_expire


@housekeeping.register(
    "numbers.expire", "Return expired reservations and numbers whose aging ended to available."
)
def expire_numbers(now) -> dict:
    return numbers_expire(now=now)
