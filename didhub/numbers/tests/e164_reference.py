"""What libphonenumber says about a number, and didhub's e164 beside it: the reference
the e164 tests (test_e164.py, test_e164_prover.py) compare against."""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from didhub.numbers import e164
from didhub.numbers.e164 import NUMBER_TYPES, NumberError

TYPE_NAMES = {getattr(PhoneNumberType, name.upper()): name for name in NUMBER_TYPES}
NON_GEO_CODES = sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
ALL_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
DIGITS = "0123456789"


def reference(number: str):
    """(e164, region, type) per phonenumbers, or None if it is not a valid number."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return (
        phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        phonenumbers.region_code_for_number(parsed),
        TYPE_NAMES[phonenumbers.number_type(parsed)],
    )


def ours(number: str):
    valid = e164.is_valid(number)
    try:
        result = e164.validate(number)
    except NumberError as exc:
        assert exc.code == "invalid"
        assert not valid, number
        assert e164.number_type_of(number) is None
        return None
    assert valid, number
    assert e164.number_type_of(number) == result.number_type
    assert result.e164 == f"+{result.country_code}{result.national_number}"
    return result.e164, result.region, result.number_type


def assert_same(number: str) -> None:
    expected = reference(number)
    assert ours(number) == expected, number
    # parse() agrees too, except that it enforces E.164's 15-digit maximum.
    try:
        parsed = e164.parse(number)
    except NumberError as exc:
        assert expected is None or len(expected[0]) > 16, (number, exc)
        assert exc.code != "too_long" or len(number) > 16
        # over_15_digits is said exactly of the numbers libphonenumber calls valid.
        assert (exc.code == "over_15_digits") == (expected is not None), (number, exc)
    else:
        assert expected is not None, number
        assert (parsed.e164, parsed.region, parsed.number_type) == expected


def _example_numbers() -> list[str]:
    numbers = set()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in TYPE_NAMES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is not None:
                numbers.add(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    for code in NON_GEO_CODES:
        metadata = phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
        for field in ("general_desc", *NUMBER_TYPES):
            desc = getattr(metadata, field, None)
            if desc is not None and desc.example_number:
                numbers.add(f"+{code}{desc.example_number}")
    return sorted(numbers)


EXAMPLES = _example_numbers()


def mutate(rng: random.Random, number: str) -> str:
    digits = list(number[1:])
    cc_len = len(str(phonenumbers.parse(number).country_code))
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.35 and digits:
            digits[rng.randrange(len(digits))] = rng.choice(DIGITS)
        elif op < 0.5:
            digits.insert(rng.randrange(len(digits) + 1), rng.choice(DIGITS))
        elif op < 0.65 and len(digits) > 1:
            del digits[rng.randrange(len(digits))]
        elif op < 0.85:
            prefix = rng.choice(
                ["0", "1", "8", "9", "00", "06", "15", "90", "0" + rng.choice(DIGITS)]
            )
            digits[cc_len:cc_len] = list(prefix)
        else:
            digits = list(str(rng.choice(ALL_CODES))) + digits[cc_len:]
    return "+" + "".join(digits)
