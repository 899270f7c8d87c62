"""Row validation: every messy form normalized or refused with a precise reason."""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didhub.imports.readers import Table
from didhub.imports.validation import Rules, Validator

KEYS = [
    "country_code",
    "phone_number",
    "voice",
    "sms",
    "fax",
    "route",
    "usage",
    "cac_limit",
    "calling_profile",
    "sip_connection",
    "service_info",
    "tags",
    "range_end",
]


def validate(*rows, rules=None, keys=KEYS):
    """Validate rows given as dicts; returns (staged rows, errors, counts)."""
    cells = [(line, [row.get(key, "") for key in keys]) for line, row in enumerate(rows, 2)]
    validator = Validator(Table(keys=list(keys), rows=iter(cells)), rules or Rules())
    staged = list(validator)
    counts = validator.counts
    assert counts.valid + counts.invalid + counts.duplicate == counts.total
    return staged, validator.errors, counts


def one(row, rules=None):
    staged, errors, _ = validate(row, rules=rules)
    return (staged[0] if staged else None), errors


@pytest.mark.parametrize(
    ("country_code", "number"),
    [
        ("1", "2125550100"),
        ("1", "212 555 0100"),
        ("1", "212.555.0100"),
        ("1", "(212) 555-0100"),
        ("+1", "212-555-0100"),
        ("1", "'2125550100"),
        ("1", "  2125550100  "),
        ("1", "+12125550100"),
        ("1", "12125550100"),
        ("", "+1 212 555 0100"),
        ("", "0012125550100"),
        ("", "'+12125550100"),
        ("1", "2125550100.0"),
    ],
)
def test_messy_forms_are_normalized(country_code, number):
    staged, errors = one({"country_code": country_code, "phone_number": number})
    assert errors == []
    assert staged[1] == "+12125550100"
    assert staged[2:5] == (1, "US", "fixed_line_or_mobile")


def test_trunk_prefix_is_dropped_for_the_uk():
    staged, _ = one({"country_code": "44", "phone_number": "020 7946 0000"})
    assert staged[1] == "+442079460000"


@pytest.mark.parametrize(
    ("row", "code", "column", "words"),
    [
        (
            {"country_code": "1", "phone_number": "1.21E+10"},
            "scientific_notation",
            "Phone Number",
            "scientific notation",
        ),
        (
            {"country_code": "1", "phone_number": "1,21E+10"},
            "scientific_notation",
            "Phone Number",
            "format the column as text",
        ),
        ({"country_code": "1", "phone_number": "212555010"}, "invalid", "Phone Number", "9 digits"),
        (
            {"country_code": "1", "phone_number": "CALL-NOW"},
            "bad_characters",
            "Phone Number",
            "letters are not allowed",
        ),
        (
            {"country_code": "999", "phone_number": "2125550100"},
            "bad_country_code",
            "Country Code",
            "+999",
        ),
        (
            {"phone_number": "2125550100"},
            "missing_country_code",
            "Phone Number",
            "needs a Country Code",
        ),
        ({"country_code": "1", "phone_number": ""}, "empty", "Phone Number", "blank"),
        ({"phone_number": "+1212555010012345"}, "too_long", "Phone Number", "at most 15 digits"),
    ],
)
def test_bad_numbers_are_refused_with_column_value_and_reason(row, code, column, words):
    staged, errors = one(row)
    assert staged is None
    [error] = errors
    assert (error.line, error.code, error.column) == (2, code, column)
    assert words in error.message
    assert error.value == (row.get((column == "Country Code" and "country_code") or "phone_number"))


def test_voice_needs_a_route_and_a_route_needs_voice():
    _, errors = one({"phone_number": "+12125550100", "voice": "TRUE"})
    assert [e.code for e in errors] == ["voice_without_route"]
    _, errors = one({"phone_number": "+12125550100", "voice": "no", "route": "Direct Routing"})
    assert [e.code for e in errors] == ["route_without_voice"]
    assert errors[0].column == "Voice Route Type"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("TRUE", True),
        ("yes", True),
        ("Y", True),
        ("1", True),
        ("x", True),
        ("X", True),
        ("FALSE", False),
        ("No", False),
        ("0", False),
        ("", False),
        ("n", False),
    ],
)
def test_boolean_words(text, value):
    staged, errors = one({"phone_number": "+12125550100", "sms": text})
    assert errors == []
    assert staged[6] is value


def test_a_bad_boolean_names_its_column():
    _, errors = one({"phone_number": "+12125550100", "fax": "maybe"})
    assert [(e.column, e.value, e.code) for e in errors] == [("Fax", "maybe", "bad_boolean")]


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("Direct Routing", "direct_routing"),
        ("direct_routing", "direct_routing"),
        ("EXTERNAL TRUNK", "external_trunk"),
        ("operator-connect", "operator_connect"),
    ],
)
def test_routes_in_any_spelling(text, route):
    staged, errors = one({"phone_number": "+12125550100", "voice": "yes", "route": text})
    assert errors == []
    assert staged[8] == route


def test_usage_and_cac():
    staged, _ = one({"phone_number": "+12125550100", "usage": "User", "cac_limit": "7"})
    assert staged[9:11] == ("user", 2)  # User: fixed CAC of 2, the cell is ignored
    staged, _ = one({"phone_number": "+12125550100", "usage": "contact center", "cac_limit": "7"})
    assert staged[9:11] == ("contact_center", 7)
    staged, _ = one({"phone_number": "+12125550100", "usage": "Service"})
    assert staged[9:11] == ("service", 2)
    _, errors = one({"phone_number": "+12125550100", "usage": "Robot", "cac_limit": "0"})
    assert [e.code for e in errors] == ["bad_usage", "bad_cac"]


def test_text_columns_and_tags():
    staged, errors = one(
        {
            "phone_number": "+12125550100",
            "sip_connection": " sip:pbx ",
            "service_info": "IVR",
            "tags": "b; a;;b",
        }
    )
    assert errors == []
    assert staged[12:] == ("sip:pbx", "IVR", ";a;b;")
    _, errors = one({"phone_number": "+12125550100", "service_info": "x" * 201})
    assert [e.code for e in errors] == ["too_long"]
    _, errors = one({"phone_number": "+12125550100", "sip_connection": "a\x00b"})
    assert [(e.code, e.value) for e in errors] == [("control_characters", "a\\x00b")]


def test_calling_profiles_are_matched_by_name_when_known():
    rules = Rules(calling_profiles={"contact centre": 7})
    staged, _ = one({"phone_number": "+12125550100", "calling_profile": "CONTACT Centre"}, rules)
    assert staged[11] == 7
    _, errors = one({"phone_number": "+12125550100", "calling_profile": "Nope"}, rules)
    assert [e.code for e in errors] == ["unknown_calling_profile"]
    # Without a database (didhub numbers check) names cannot be checked, and are not refused.
    staged, errors = one({"phone_number": "+12125550100", "calling_profile": "Nope"})
    assert errors == [] and staged[11] is None


def test_location_country_is_required_and_supplies_the_code():
    rules = Rules(country_code=39, country="IT")
    staged, errors = one({"phone_number": "06 6982 0000"}, rules)
    assert errors == [] and staged[1] == "+390669820000"
    _, errors = one({"phone_number": "+12125550100"}, rules)
    assert [e.code for e in errors] == ["wrong_country"]
    assert "+39" in errors[0].message


def test_duplicates_count_once_and_name_the_first_line():
    staged, errors, counts = validate(
        {"country_code": "1", "phone_number": "2125550100"},
        {"phone_number": "+1 (212) 555-0100"},
        {"phone_number": "+12125550101"},
        {"phone_number": "+12125550100"},
    )
    assert [row[1] for row in staged] == ["+12125550100", "+12125550101"]
    assert (counts.total, counts.valid, counts.duplicate, counts.invalid) == (4, 2, 2, 0)
    assert [(e.line, e.code, e.message) for e in errors] == [
        (3, "duplicate", "+1 (212) 555-0100 is +12125550100, already on line 2."),
        (5, "duplicate", "+12125550100 is already on line 2."),
    ]


def test_a_range_row_stands_for_every_number_in_it():
    staged, errors, counts = validate(
        {"country_code": "1", "phone_number": "212 555 0100", "range_end": "212 555 0199"},
        {"phone_number": "+12125550150"},
    )
    assert len(staged) == 100 and staged[0][1] == "+12125550100" and staged[-1][1] == "+12125550199"
    assert (counts.total, counts.valid, counts.duplicate) == (101, 100, 1)
    assert errors[0].message == "+12125550150 is already on line 2."


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("+12125550199", "+12125550100", "comes before"),
        ("+12125550100", "+442079460000", "differ"),
        ("+12125000000", "+12125200000", "at most 100,000"),
    ],
)
def test_bad_ranges_are_one_invalid_row(start, end, words):
    staged, errors, counts = validate({"phone_number": start, "range_end": end})
    assert staged == [] and (counts.total, counts.invalid) == (1, 1)
    assert errors[0].code == "bad_range" and words in errors[0].message


def test_invalid_numbers_inside_a_range_are_reported_one_by_one(monkeypatch):
    from didhub.numbers import e164

    real = e164.validate

    def validate_with_a_hole(text):
        if text == "+12125550105":
            raise e164.NumberError("invalid", "not allocated")
        return real(text)

    monkeypatch.setattr(e164, "validate", validate_with_a_hole)
    staged, errors, counts = validate({"phone_number": "+12125550100", "range_end": "+12125550109"})
    assert len(staged) == 9
    assert [(e.line, e.value, e.code) for e in errors] == [(2, "+12125550105", "invalid")]
    assert (counts.total, counts.valid, counts.invalid) == (10, 9, 1)


def test_a_range_with_an_invalid_end_is_one_invalid_row():
    staged, errors, counts = validate({"phone_number": "+12125550100", "range_end": "+1212555"})
    assert staged == [] and (counts.total, counts.invalid) == (1, 1)
    assert errors[0].column == "Range End"


def test_a_huge_cell_refuses_the_row_not_the_file():
    staged, errors, _ = validate(
        {"phone_number": "+12125550100", "service_info": "x" * 5000},
        {"phone_number": "+12125550101"},
    )
    assert [row[1] for row in staged] == ["+12125550101"]
    assert errors[0].code == "cell_too_long" and errors[0].column == "Service Info"


def test_column_defaults_fill_blank_cells():
    rules = Rules(defaults={"voice": "TRUE", "route": "Operator Connect", "country_code": "1"})
    staged, errors = one({"phone_number": "2125550100"}, rules)
    assert errors == [] and staged[5] is True and staged[8] == "operator_connect"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["1", "44", "49", "33", "61", "39", "81", "91", "55"]),
    st.text(alphabet="0123456789", min_size=4, max_size=12),
)
def test_validity_agrees_exactly_with_libphonenumber(country_code, national):
    staged, errors = one(
        {"country_code": country_code, "phone_number": f"+{country_code}{national}"}
    )
    expected = phonenumbers.is_valid_number(phonenumbers.parse(f"+{country_code}{national}"))
    assert (staged is not None) == expected, errors


def both_paths(row):
    """The row validated alone (the full checks) and after a row like it (the fast path,
    which serves rows whose other columns were seen already)."""
    staged, errors = one(row)
    alone = (staged and (3, *staged[1:])), errors
    warm = {**row, "phone_number": "not a number"}
    staged, errors, _ = validate(warm, row)
    fast = next((r for r in staged if r[0] == 3), None), [e for e in errors if e.line == 3]
    return alone, fast


@pytest.mark.parametrize(
    ("country_code", "number"),
    [
        ("1", "212 555 0100"),
        ("1", "212.555.0100"),
        ("1", "(212) 555-0100"),
        ("1", "212/555/0100"),
        ("1", "2125550100.0"),
        ("44", "020 7946 0000"),
        ("44", "(0)20 7946 0000"),
        ("", "+44 (0)20 7946 0000"),
        ("", "+1 212 555 0100"),
        ("49", "30 1234 5678"),
        ("1", "1 212 555 0100"),
        ("1", "212 555 01"),
        ("49", "301234567.0"),
    ],
)
def test_the_fast_path_decides_messy_forms_as_the_full_checks_do(country_code, number):
    alone, fast = both_paths({"country_code": country_code, "phone_number": number})
    assert (alone[0] and alone[0][1:5]) == (fast[0] and fast[0][1:5])
    assert [e.code for e in alone[1]] == [e.code for e in fast[1]]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "1", "44", "49", "33", "61", "81", "91"]),
    st.lists(
        st.tuples(
            st.text(alphabet="0123456789", min_size=1, max_size=4),
            st.sampled_from(["", " ", "-", ".", "/", "(", ")", ". "]),
        ),
        min_size=1,
        max_size=5,
    ),
    st.booleans(),
)
def test_the_fast_path_agrees_with_the_full_checks(country_code, pieces, plus):
    number = ("+" if plus else "") + "".join(digits + separator for digits, separator in pieces)
    alone, fast = both_paths({"country_code": country_code, "phone_number": number})
    assert (alone[0] and alone[0][1:5]) == (fast[0] and fast[0][1:5]), number
    assert [e.code for e in alone[1]] == [e.code for e in fast[1]], number
