"""The columns of an upload file, in one place.

The reader maps headers through :func:`column_for_header`, the validator reads cells
with the value rules below, and the sample files (``template.csv``/``template.xlsx``)
and ``docs/upload-format.md`` are written from :data:`COLUMNS`, :data:`ERROR_CODES` and
the value tables, so the four never disagree. No Django import happens here: ``didhub
check`` validates files without a database.
"""

import re
from dataclasses import dataclass

from didhub.numbers.choices import USER_CAC_LIMIT, Route, Usage


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
    Column(
        "voice",
        "Voice",
        ("Voice Enabled", "Voice Capability", "Voice Capable"),
        "no (default FALSE)",
        "TRUE/FALSE, yes/no, y/n, 1/0, x/blank",
        "TRUE",
    ),
    Column(
        "sms",
        "SMS",
        ("SMS Enabled", "SMS Capability", "Text", "Messaging"),
        "no (default FALSE)",
        "TRUE/FALSE, yes/no, y/n, 1/0, x/blank",
        "TRUE",
    ),
    Column(
        "fax",
        "Fax",
        ("Fax Enabled", "Fax Capability"),
        "no (default FALSE)",
        "TRUE/FALSE, yes/no, y/n, 1/0, x/blank",
        "FALSE",
    ),
    Column(
        "route",
        "Voice Route Type",
        ("Route", "Route Type", "Voice Route", "Routing"),
        "when Voice is TRUE; must be blank when Voice is FALSE",
        "Direct Routing, External Trunk, Operator Connect (any case, `_`, `-` or space)",
        "Direct Routing",
    ),
    Column(
        "usage",
        "Usage",
        ("Number Usage", "Usage Type", "Number Type"),
        "no (default User)",
        "User, Service, Contact Center (any case, `_`, `-` or space)",
        "User",
    ),
    Column(
        "cac_limit",
        "CAC",
        ("CAC Value", "CAC Limit", "Concurrent Calls"),
        "no (default 2)",
        f"a whole number from 1 to 32767; always {USER_CAC_LIMIT} for usage User (the "
        "value is then ignored)",
        "",
    ),
    Column(
        "calling_profile",
        "Calling Profile",
        ("Profile",),
        "no",
        "the name of a calling profile the destination account may use (any case)",
        "",
    ),
    Column(
        "sip_connection",
        "SIP Connection",
        ("Customer SIP Connection", "SIP"),
        "no",
        "text, at most 200 characters",
        "",
    ),
    Column(
        "service_info",
        "Service Info",
        ("Service Information", "Service"),
        "no",
        "text, at most 200 characters",
        "",
    ),
    Column(
        "tags",
        "Tags",
        ("Tag", "Labels"),
        "no",
        "text; several tags separated by `;` (quote the cell in a `;`-separated file)",
        "",
    ),
    Column(
        "range_end",
        "Range End",
        ("End", "Last Number", "Range To", "To"),
        "no",
        "the last number of a range written like Phone Number: the row stands for every "
        "number from Phone Number to Range End, at most 100,000",
        "",
        in_template=False,
    ),
)

COLUMNS_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}


def header_key(text) -> str:
    """A header reduced to what matters: letters and digits, lower case."""
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


_HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.aliases):
        _HEADERS[header_key(_name)] = _column.key


def column_for_header(text) -> str | None:
    """The column key a header names (``' phone_NUMBER '`` -> ``phone_number``), or None."""
    return _HEADERS.get(header_key(text))


# Values -------------------------------------------------------------------------------

TRUE_WORDS = ("true", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "no", "n", "0", "")
BOOLEANS = {**{word: True for word in TRUE_WORDS}, **{word: False for word in FALSE_WORDS}}

_ROUTES = {header_key(choice.label): choice.value for choice in Route}
_ROUTES.update({header_key(choice.value): choice.value for choice in Route})
_ROUTES.update(
    {"dr": Route.DIRECT_ROUTING, "et": Route.EXTERNAL_TRUNK, "oc": Route.OPERATOR_CONNECT}
)
_USAGES = {header_key(choice.label): choice.value for choice in Usage}
_USAGES.update({header_key(choice.value): choice.value for choice in Usage})
_USAGES["cc"] = Usage.CONTACT_CENTER

TEXT_LIMITS = {"calling_profile": 100, "sip_connection": 200, "service_info": 200, "tags": 500}
MAX_CAC = 32767
MAX_CELL = 1000  # longer cells are refused as a whole, whatever the column


class CellError(ValueError):
    """A cell's value breaks a rule: ``code`` from ERROR_CODES and a sentence."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_route(text: str) -> str:
    if not text.strip():
        return ""
    value = _ROUTES.get(header_key(text))
    if value is None:
        raise CellError(
            "bad_route",
            f"{text!r} is not a route: use Direct Routing, External Trunk or Operator Connect.",
        )
    return value


def parse_usage(text: str) -> str:
    if not text.strip():
        return Usage.USER
    value = _USAGES.get(header_key(text))
    if value is None:
        raise CellError(
            "bad_usage", f"{text!r} is not a usage: use User, Service or Contact Center."
        )
    return value


def parse_cac(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not text.isascii() or not 1 <= int(text) <= MAX_CAC:
        raise CellError("bad_cac", f"{text!r} is not a whole number from 1 to {MAX_CAC}.")
    return int(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(key: str, text: str) -> str:
    text = text.strip()
    if _CONTROL.search(text):
        raise CellError("control_characters", "Control characters (such as NUL) are not allowed.")
    limit = TEXT_LIMITS[key]
    if len(text) > limit:
        raise CellError("too_long", f"At most {limit} characters, not {len(text)}.")
    return text


def parse_tags(text: str) -> str:
    """Tags as stored (``;a;b;``); the length limit applies to the stored form."""
    text = parse_text("tags", text)
    tags = sorted({tag.strip() for tag in text.split(";") if tag.strip()})
    return f";{';'.join(tags)};" if tags else ""


# Error codes: every reason a row or a file can be refused, as docs/upload-format.md
# lists them. Number codes come from didhub.numbers.e164.
ERROR_CODES: dict[str, str] = {
    "empty": "Phone Number is blank.",
    "bad_characters": "The number holds letters or other characters a number cannot have.",
    "scientific_notation": "The spreadsheet turned the number into `1.21E+10`; digits were "
    "lost, so nothing is guessed: format the column as text and enter the numbers again.",
    "bad_country_code": "Country Code (or the start of the number) is not an assigned "
    "country calling code.",
    "missing_country_code": "A national number without Country Code (and without `+`).",
    "too_short": "Fewer digits than any number of that country.",
    "too_long": "More than 15 digits, or a text longer than its column allows.",
    "invalid": "Not a valid number: libphonenumber's `is_valid_number` refuses it (the "
    "message says why: length, or a range not allocated).",
    "wrong_country": "The destination enterprise's location country requires another "
    "country code (seeds/004).",
    "bad_boolean": "Voice, SMS or Fax is not one of the accepted true/false words.",
    "bad_route": "Voice Route Type is not one of the three routes.",
    "voice_without_route": "Voice is TRUE but Voice Route Type is blank.",
    "route_without_voice": "Voice Route Type is given but Voice is not TRUE.",
    "bad_usage": "Usage is not User, Service or Contact Center.",
    "bad_cac": "CAC is not a whole number from 1 to 32767.",
    "unknown_calling_profile": "No calling profile of that name may be used by the "
    "destination account.",
    "control_characters": "A text cell holds control characters such as NUL.",
    "bad_range": "Range End is not a number of the same country and length after Phone "
    "Number, or the range holds more than 100,000 numbers.",
    "not_available": "The number is held by another account; its owner is not disclosed.",
    "cell_too_long": "A cell of more than 1,000 characters.",
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
