"""What validation answers: a valid number, or the reason it is not one; and the limits.

Shared by every part of the package (compiler, matcher, parsing); depends on nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


class NumberError(ValueError):
    """A phone number could not be normalised or is not valid.

    ``code`` is a short machine code (``'empty'``, ``'bad_characters'``,
    ``'scientific_notation'``, ``'bad_country_code'``, ``'too_short'``,
    ``'too_long'``, ``'over_15_digits'``, ``'invalid'``); ``message`` is a plain-English reason that
    names the rule that was broken.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self):
        return (type(self), (self.code, self.message))

    def __repr__(self) -> str:
        return f"NumberError({self.code!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A valid phone number, canonicalised."""

    e164: str  # '+12125550100'
    country_code: int  # 1
    national_number: str  # '2125550100' (national significant number, leading zeros kept)
    region: str  # 'US' as phonenumbers reports it, or '001' for non-geographic numbers
    number_type: str  # one of NUMBER_TYPES


# Lower-case names of phonenumbers.PhoneNumberType (UNKNOWN excluded: such numbers are invalid).
NUMBER_TYPES: tuple[str, ...] = (
    "fixed_line",
    "mobile",
    "fixed_line_or_mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)

# Order in which phonenumbers' _number_type_helper tests the "special" types,
# before it looks at fixed-line / mobile.
SPECIAL_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)

# phonenumbers.phonenumberutil constants
MIN_LENGTH_FOR_NSN = 2
MAX_LENGTH_FOR_NSN = 17
MAX_INPUT_STRING_LENGTH = 250
# E.164: at most 15 digits including the country code.
E164_MAX_DIGITS = 15
E164_MAX_CHARS = E164_MAX_DIGITS + 1

NON_GEO = "001"
DIGITS = frozenset("0123456789")
