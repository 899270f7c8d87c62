"""didhub.numbers.e164 against libphonenumber (the phonenumbers package).

No database: these tests only exercise the pure-Python module.
"""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import sys
from dataclasses import FrozenInstanceError

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from didhub.numbers import e164
from didhub.numbers.e164 import NUMBER_TYPES, NumberError, ParsedNumber
from didhub.numbers.tests.e164_reference import (
    ALL_CODES,
    DIGITS,
    EXAMPLES,
    NON_GEO_CODES,
    assert_same,
    mutate,
    reference,
)


@pytest.fixture(scope="module", autouse=True)
def _tables():
    e164.warm_up()


# --------------------------------------------------------------------------------------
# exactness against libphonenumber
# --------------------------------------------------------------------------------------


def test_examples_cover_every_region_and_non_geo_code():
    codes = {phonenumbers.parse(n).country_code for n in EXAMPLES}
    assert set(NON_GEO_CODES) <= codes
    regions = {phonenumbers.region_code_for_number(phonenumbers.parse(n)) for n in EXAMPLES}
    assert len(regions & phonenumbers.SUPPORTED_REGIONS) >= len(phonenumbers.SUPPORTED_REGIONS) - 5


def test_every_example_number_of_every_type():
    valid = 0
    for number in EXAMPLES:
        assert_same(number)
        valid += reference(number) is not None
    assert valid >= 0.95 * len(EXAMPLES)


def test_seeded_mutations_of_every_example():
    rng = random.Random(1234)
    for number in EXAMPLES:
        for _ in range(12):
            assert_same(mutate(rng, number))


_mutation = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 19), st.sampled_from(DIGITS)),
    st.tuples(st.just("insert"), st.integers(0, 19), st.sampled_from(DIGITS)),
    st.tuples(st.just("delete"), st.integers(0, 19), st.just("")),
    st.tuples(st.just("length"), st.integers(1, 18), st.text(DIGITS, max_size=8)),
    st.tuples(
        st.just("national_prefix"),
        st.just(0),
        st.sampled_from(["0", "1", "8", "9", "00", "06", "15", "90", "0" + "1", "180020"]),
    ),
    st.tuples(st.just("country_code"), st.sampled_from(ALL_CODES), st.just("")),
)


def _apply(number: str, mutations) -> str:
    digits = number[1:]
    cc_len = len(str(phonenumbers.parse(number).country_code))
    for kind, where, what in mutations:
        if kind == "replace" and digits:
            i = where % len(digits)
            digits = digits[:i] + what + digits[i + 1 :]
        elif kind == "insert":
            i = where % (len(digits) + 1)
            digits = digits[:i] + what + digits[i:]
        elif kind == "delete" and digits:
            i = where % len(digits)
            digits = digits[:i] + digits[i + 1 :]
        elif kind == "length":
            digits = (digits + what)[:where] if where < len(digits) else digits + what
        elif kind == "national_prefix":
            digits = digits[:cc_len] + what + digits[cc_len:]
        elif kind == "country_code":
            digits = str(where) + digits[cc_len:]
            cc_len = len(str(where))
    return "+" + digits


@settings(
    max_examples=1200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    base=st.sampled_from(EXAMPLES),
    mutations=st.lists(_mutation, max_size=4),
    random_tail=st.text(DIGITS, min_size=0, max_size=4),
)
def test_property_matches_libphonenumber(base, mutations, random_tail):
    candidate = _apply(base, mutations)
    assert_same(candidate)
    assert_same(candidate + random_tail)
    assert_same(candidate[:-1])


@settings(max_examples=500, deadline=None, database=None)
@given(digits=st.text(DIGITS, min_size=0, max_size=18))
def test_property_random_digit_strings(digits):
    assert_same("+" + digits)


@pytest.mark.parametrize(
    ("number", "region", "number_type", "canonical"),
    [
        ("+12125550100", "US", "fixed_line_or_mobile", "+12125550100"),
        ("+16135550123", "CA", "fixed_line_or_mobile", "+16135550123"),
        ("+12684601234", "AG", "fixed_line", "+12684601234"),
        ("+79161234567", "RU", "mobile", "+79161234567"),
        ("+77012345678", "KZ", "mobile", "+77012345678"),
        ("+390612345678", "IT", "fixed_line", "+390612345678"),  # leading zero kept
        ("+390669812345", "VA", "fixed_line", "+390669812345"),  # shares +39 with IT
        ("+447624123456", "IM", "mobile", "+447624123456"),  # shares +44 with GB
        ("+4402079460000", "GB", "fixed_line", "+442079460000"),  # '(0)' dropped
        ("+80012345678", "001", "toll_free", "+80012345678"),  # non-geographic
        ("+4930123456", "DE", "fixed_line", "+4930123456"),
    ],
)
def test_known_numbers(number, region, number_type, canonical):
    assert reference(number) == (canonical, region, number_type)
    result = e164.validate(number)
    assert (result.e164, result.region, result.number_type) == (canonical, region, number_type)
    assert result.national_number == canonical[1 + len(str(result.country_code)) :]


def test_italian_leading_zeros_kept():
    result = e164.parse("+39 06 1234 5678")
    assert result.national_number == "0612345678"
    assert result.e164 == "+390612345678"


# --------------------------------------------------------------------------------------
# ParsedNumber / NumberError
# --------------------------------------------------------------------------------------


def test_parsed_number_is_a_plain_frozen_dataclass():
    result = e164.parse("+12125550100")
    same = ParsedNumber("+12125550100", 1, "2125550100", "US", "fixed_line_or_mobile")
    assert type(result) is ParsedNumber
    assert result == same
    assert hash(result) == hash(same)
    assert repr(result) == repr(same)
    with pytest.raises(FrozenInstanceError):
        result.region = "CA"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(result)) == result


def test_number_types_are_phonenumbers_types():
    names = {name.lower() for name in dir(PhoneNumberType) if name.isupper() and name != "UNKNOWN"}
    assert set(NUMBER_TYPES) == names
    assert len(NUMBER_TYPES) == len(set(NUMBER_TYPES))


def test_invalid_messages_name_the_rule():
    with pytest.raises(NumberError) as info:
        e164.validate("+44207946")
    assert info.value.code == "invalid"
    assert "+44" in info.value.message and "GB" in info.value.message
    assert "6 digits where 7, 9 or 10 are expected" in info.value.message

    with pytest.raises(NumberError) as info:
        e164.validate("+442079460")
    assert "7 digits is a possible length" in info.value.message
    assert "not allocated" in info.value.message or "is allocated" in info.value.message
    assert str(info.value) == info.value.message
    assert info.value.args == (info.value.message,)

    with pytest.raises(NumberError) as info:
        e164.validate("+12125550100"[:-1] + "00")  # 11 national digits
    assert "11 digits where 7 or 10 are expected" in info.value.message  # CA has 7

    with pytest.raises(NumberError) as info:
        e164.validate("+12684551234")  # AG claims 268, but the range is not allocated
    assert "+1 (AG)" in info.value.message
    assert "no number of that length starting 2684… is allocated" in info.value.message

    with pytest.raises(NumberError) as info:
        e164.validate("+1 212 555 0100")
    assert info.value.code == "invalid"
    assert "E.164" in info.value.message

    with pytest.raises(NumberError) as info:
        e164.validate("+99912345678")
    assert "country calling code" in info.value.message

    error = pickle.loads(pickle.dumps(info.value))
    assert (error.code, error.message) == (info.value.code, info.value.message)


def test_is_valid_rejects_non_strings_and_non_e164():
    assert not e164.is_valid(None)  # type: ignore[arg-type]
    assert not e164.is_valid("12125550100")
    assert not e164.is_valid("+1212555010x")
    assert not e164.is_valid("+١٢١٢٥٥٥٠١٠٠")  # Arabic-Indic digits are not E.164
    assert e164.is_valid("+12125550100")


# --------------------------------------------------------------------------------------
# normalize
# --------------------------------------------------------------------------------------

NBSP = "\u00a0"
# '+44 20 7946 0000' typed with full-width characters
FULL_WIDTH_GB = "+44 20 7946 0000".translate(
    str.maketrans("+0123456789", "\uff0b" + "".join(chr(0xFF10 + i) for i in range(10)))
)


@pytest.mark.parametrize(
    ("raw", "country_code", "expected"),
    [
        # already E.164
        ("+12125550100", None, "+12125550100"),
        # spaces, dots, dashes, parentheses, slashes, no-break spaces
        ("+1 212 555 0100", None, "+12125550100"),
        ("+1 (212) 555-0100", None, "+12125550100"),
        ("+44.20.7946.0000", None, "+442079460000"),
        ("+44/20/7946/0000", None, "+442079460000"),
        ("+44-20-7946-0000", None, "+442079460000"),
        (f"{NBSP}+44{NBSP}20{NBSP}7946{NBSP}0000{NBSP}", None, "+442079460000"),
        ("\t +44 20 7946 0000 \n", None, "+442079460000"),
        ("(+44) 20 7946 0000", None, "+442079460000"),
        ("+1\u2013212\u2013555\u20130100", None, "+12125550100"),  # en dashes
        (FULL_WIDTH_GB, None, "+442079460000"),
        # Excel text marker
        ("'+442079460000", None, "+442079460000"),
        ("'442079460000", None, "+442079460000"),
        (" '12125550100", None, "+12125550100"),
        # 00 international prefix
        ("0044 20 7946 0000", None, "+442079460000"),
        ("00 1 212 555 0100", "44", "+12125550100"),
        # no + and no country code: the digits include the country code
        ("12125550100", None, "+12125550100"),
        ("442079460000", None, "+442079460000"),
        ("442079460000", "", "+442079460000"),  # blank country-code cell
        ("442079460000", "  ", "+442079460000"),
        # integer cells
        (12125550100, None, "+12125550100"),
        (2125550100, "1", "+12125550100"),
        # a number that went through a float, with the digits intact
        ("12125550100.0", None, "+12125550100"),
        ("+442079460000.0", None, "+442079460000"),
        # country code given: national digits
        ("2125550100", "1", "+12125550100"),
        ("212-555-0100", "+1", "+12125550100"),
        ("(212) 555-0100", 1, "+12125550100"),
        ("20 7946 0000", " + 44 ", "+442079460000"),
        # ... with the national trunk prefix
        ("020 7946 0000", "44", "+442079460000"),
        ("07911 123456", "+44", "+447911123456"),
        ("030 123456", "49", "+4930123456"),
        ("01 23 45 67 89", "33", "+33123456789"),
        ("8 (916) 123-45-67", "7", "+79161234567"),
        ("1 212 555 0100", "1", "+12125550100"),
        # ... where the leading zero is part of the number (Italy)
        ("06 1234 5678", "39", "+390612345678"),
        # ... with the full number pasted into the number column
        ("447911123456", "44", "+447911123456"),
        ("12125550100", "1", "+12125550100"),
        ("390612345678", 39, "+390612345678"),
        # an explicit '+' wins over the country code
        ("+44 20 7946 0000", "1", "+442079460000"),
        # not validated: normalize only builds the candidate
        ("+12125550", None, "+12125550"),
        ("+44 (0) 20 7946 0000", None, "+4402079460000"),
    ],
)
def test_normalize(raw, country_code, expected):
    assert e164.normalize(raw, country_code) == expected


@pytest.mark.parametrize(
    ("raw", "country_code", "code", "mentions"),
    [
        ("", None, "empty", ""),
        ("   ", None, "empty", ""),
        (f"{NBSP}{NBSP}", None, "empty", ""),
        ("'", None, "empty", ""),
        ("()-", None, "empty", "no digits"),
        ("+", None, "empty", ""),
        (None, None, "empty", ""),
        ("1.21E+10", None, "scientific_notation", "digits were lost"),
        ("1,21E+10", None, "scientific_notation", "float"),
        ("4.42079E+11", "44", "scientific_notation", ""),
        ("1.21e10", None, "scientific_notation", ""),
        (" '1.2125E+10 ", None, "scientific_notation", ""),
        (12125550100.0, None, "scientific_notation", "float"),
        ("+1 212 555 0100 ext 12", None, "bad_characters", "'e'"),
        ("+1-800-FLOWERS", None, "bad_characters", "'F'"),
        ("212,555,0100", "1", "bad_characters", "','"),
        ("+44+20 7946 0000", None, "bad_characters", "'+'"),
        ("tel:+12125550100", None, "bad_characters", "'t'"),
        ("+1 212 555 0100;", None, "bad_characters", "';'"),
        ("+0123456789", None, "bad_country_code", "0"),
        ("+99912345678", None, "bad_country_code", "999"),
        ("02079460000", None, "bad_country_code", "country code"),
        ("2125550100", "999", "bad_country_code", "999"),
        ("2125550100", "abc", "bad_country_code", ""),
        ("2125550100", "+", "bad_country_code", ""),
        ("2125550100", "1234", "bad_country_code", ""),
        ("2125550100", True, "bad_country_code", ""),
        ("2125550100", -1, "bad_country_code", ""),
        ("2125550100", "-44", "bad_country_code", ""),
        ("2125550100", "(1)", "bad_country_code", ""),
        ("+44 20 7946 0000", "0", "bad_country_code", ""),
        ("+1234567890123456", None, "too_long", "15"),
        ("1 212 555 0100 1234 5", None, "too_long", "15"),
        ("+4412", None, "too_short", "+44"),
        ("+1 212", None, "too_short", "at least"),
        ("12", "44", "too_short", ""),
    ],
)
def test_normalize_errors(raw, country_code, code, mentions):
    with pytest.raises(NumberError) as info:
        e164.normalize(raw, country_code)
    assert info.value.code == code, info.value.message
    assert mentions in info.value.message
    # parse() reports the same problem
    with pytest.raises(NumberError) as info2:
        e164.parse(raw, country_code)
    assert info2.value.code == code


@pytest.mark.parametrize(
    ("raw", "country_code", "canonical", "region"),
    [
        ("020 7946 0000", "44", "+442079460000", "GB"),
        ("+44 (0)20 7946 0000", None, "+442079460000", "GB"),
        ("'+1 (613) 555-0123", None, "+16135550123", "CA"),
        ("0044 7400 123456", None, "+447400123456", "GB"),
        ("0044 7911 123456", None, "+447911123456", "GG"),  # as phonenumbers says
        ("06 1234 5678", 39, "+390612345678", "IT"),
        ("+800 1234 5678", None, "+80012345678", "001"),
        # phonenumbers expands Madagascar's 7-digit form with its transform rule
        ("+261 22 123 56", None, "+261202212356", "MG"),
        ("22 123 56", "261", "+261202212356", "MG"),
    ],
)
def test_parse_messy_input(raw, country_code, canonical, region):
    result = e164.parse(raw, country_code)
    assert (result.e164, result.region) == (canonical, region)
    assert e164.parse(result.e164) == result


@pytest.mark.parametrize("number", ["+12125550", "+15555550100", "+447"[:3] + "0" * 9])
def test_parse_invalid(number):
    with pytest.raises(NumberError) as info:
        e164.parse(number)
    assert info.value.code in {"invalid", "too_short"}


def test_longer_than_e164_valid_for_libphonenumber_only():
    # libphonenumber accepts some 16- and 17-digit German numbers; E.164 does not.
    number = "+4930123456789012"
    assert reference(number) == (number, "DE", "fixed_line")
    assert e164.validate(number).e164 == number
    with pytest.raises(NumberError) as info:
        e164.parse(number)
    # Its own reason: the number is real, only E.164's cap refuses it.
    assert info.value.code == "over_15_digits"
    assert "libphonenumber accepts it" in info.value.message
    assert "at most 15 digits" in info.value.message


def test_normalize_is_idempotent_on_valid_numbers():
    for number in EXAMPLES:
        if reference(number) is not None and len(number) <= 16:
            assert e164.normalize(number) == number
            assert e164.normalize(number[1:]) == number
            assert e164.normalize("00" + number[1:]) == number


def test_the_package_imports_no_django():
    """Validation runs in forked upload helpers and scripts without settings: no Django."""
    code = (
        "import sys; from didhub.numbers import e164; e164.parse('+12125550100'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "[]"
