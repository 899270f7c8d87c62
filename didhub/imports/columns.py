"""The columns of an upload file, in one place.

The reader maps headers through :func:`column_for_header`, the validator reads cells
with the rules of ``didhub.numbers.attributes`` (which also owns the attribute columns
themselves: their headers, aliases, limits and defaults), and the sample files
(``template.csv``/``template.xlsx``) and ``docs/upload-format.md`` are written from
:data:`COLUMNS` and :data:`ERROR_CODES`, so the four never disagree. No Django import
happens here: ``didhub numbers check`` validates files without a database.
"""

from dataclasses import dataclass

from didhub.numbers import attributes
from didhub.numbers.e164 import E164_MAX_DIGITS


@dataclass(frozen=True)
class Column:
    """One column of the upload file."""

    key: str  # the name in JSON uploads, column defaults and error reports
    header: str  # as written in the sample file
    aliases: tuple[str, ...]  # other headers people use; matched in any case and spacing
    required: str  # when the column must have a value, in words
    values: str  # the accepted values, in words
    example: str  # the value in the sample file's example row
    in_template: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "country_code",
        "Country Code",
        ("CC", "Country", "Country Calling Code", "Calling Code", "Dial Code"),
        "unless Phone Number starts with `+` or `00`, or the destination enterprise has a "
        "location country (its code is then the default)",
        "1 to 3 digits, optional `+` (`1`, `+44`)",
        "1",
    ),
    Column(
        "phone_number",
        "Phone Number",
        ("Number", "DID", "TN", "Phone", "Telephone Number", "E164", "E.164", "Phone Numbers"),
        "yes",
        "the national number, or the full E.164 number; spaces, dots, dashes, "
        "parentheses, slashes and a leading apostrophe are ignored; `00` or `+` starts a "
        "full international number; Excel's scientific notation (`1.21E+10`) is rejected",
        "2125550100",
    ),
    # The attribute columns, in the order of didhub.numbers.attributes.
    *(
        Column(a.key, a.label, a.aliases, a.required, a.values, a.example)
        for a in attributes.ATTRIBUTES
    ),
    Column(
        "range_end",
        "Range End",
        ("End", "Last Number", "Range To", "To"),
        "no",
        "the last number of a range written like Phone Number: the row stands for every "
        f"number from Phone Number to Range End, at most {attributes.MAX_RANGE:,} (or the "
        "DIDHUB_MAX_RANGE setting)",
        "",
        in_template=False,
    ),
)

COLUMNS_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}


# A header reduced to what matters: letters and digits, lower case.
header_key = attributes.word_key


_HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.aliases):
        _HEADERS[header_key(_name)] = _column.key


def column_for_header(text) -> str | None:
    """The column key a header names (``' phone_NUMBER '`` -> ``phone_number``), or None."""
    return _HEADERS.get(header_key(text))


# Values: the cells of the attribute columns are read by didhub.numbers.attributes.

MAX_CELL = 1000  # longer cells are refused as a whole, whatever the column


# Error codes: every reason a row or a file can be refused, as docs/upload-format.md
# lists them. Number codes come from didhub.numbers.e164, attribute codes from
# didhub.numbers.attributes.
ERROR_CODES: dict[str, str] = {
    "empty": "Phone Number is blank.",
    "bad_characters": "The number holds letters or other characters a number cannot have.",
    "scientific_notation": "The spreadsheet turned the number into `1.21E+10`; digits were "
    "lost, so nothing is guessed: format the column as text and enter the numbers again.",
    "bad_country_code": "Country Code (or the start of the number) is not an assigned "
    "country calling code.",
    "missing_country_code": "A national number without Country Code (and without `+`).",
    "too_short": "Fewer digits than any number of that country.",
    "too_long": f"More than {E164_MAX_DIGITS} digits and not a valid number, or a text longer "
    "than its column allows.",
    "over_15_digits": f"A number libphonenumber calls valid that has more than "
    f"{E164_MAX_DIGITS} digits (some German, Indonesian, Japanese, Korean, Nigerian and "
    f"Uruguayan ranges): E.164 allows at most {E164_MAX_DIGITS}, and so does didhub.",
    "invalid": "Not a valid number: libphonenumber's `is_valid_number` refuses it (the "
    "message says why: length, or a range not allocated).",
    "wrong_country": "The destination enterprise's location country requires another country code.",
    **attributes.CODES,
    "bad_range": "Range End is not a number of the same country and length after Phone "
    f"Number, or the range holds more than {attributes.MAX_RANGE:,} numbers (or the "
    "DIDHUB_MAX_RANGE setting).",
    "not_available": "The number is held by another account; its owner is not disclosed.",
    "cell_too_long": f"A cell of more than {MAX_CELL:,} characters.",
}

# Codes counted apart from invalid rows.
DUPLICATE = "duplicate"

FILE_ERROR_CODES: dict[str, str] = {
    "no_number_column": "No header names the Phone Number column.",
    "duplicate_column": "Two headers name the same column.",
    "unreadable": "The file is neither CSV/TSV text nor an XLSX workbook.",
    "empty_file": "The file holds no header row.",
    "too_large": "The file is larger than the configured limit.",
    "unknown_field": "A JSON entry names a field that is not an upload column.",
}


def template_header() -> list[str]:
    return [column.header for column in COLUMNS if column.in_template]


def template_rows() -> list[list[str]]:
    """The sample file's example rows: one voice+SMS number, one SMS-only number."""
    first = [column.example for column in COLUMNS if column.in_template]
    second = {
        "country_code": "44",
        "phone_number": "020 7946 0000",
        "voice": "FALSE",
        "sms": "TRUE",
        "fax": "FALSE",
    }
    return [first, [second.get(c.key, "") for c in COLUMNS if c.in_template]]
