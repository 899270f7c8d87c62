"""A number's attributes: their keys, labels, limits, defaults and checks, in one place.

Every path that gives a number its attributes reads this module: the upload columns
and the fast and full row validators (``didhub.imports``), the services that add and
change numbers, the database constraints and ``Number.clean()``, the API serializers
and the portal forms. A rule written here holds everywhere; adding an upload column is
one entry in :data:`ATTRIBUTES` (plus the model field that stores it).

Two kinds of input meet these rules. Upload cells are text, read by the ``read_*``
functions, which turn what people write (``yes``, ``Direct Routing``, ``8.0``) into
the stored value or raise :class:`Invalid`. Values given as values (API requests,
portal forms, services) are checked together by :func:`problems`, which also holds
the rules between attributes (a route needs voice, usage User has a fixed CAC).

No Django import happens here (like ``e164``): ``didhub numbers check`` and the upload's
fast path validate without a database, and ``didhub.numbers.choices`` builds its
Django choices from the vocabularies below.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Vocabularies: (stored value, label), in the order forms offer them.
ROUTES: tuple[tuple[str, str], ...] = (
    ("direct_routing", "Direct Routing"),
    ("external_trunk", "External Trunk"),
    ("operator_connect", "Operator Connect"),
)
USAGES: tuple[tuple[str, str], ...] = (
    ("user", "User"),
    ("service", "Service"),
    ("contact_center", "Contact Center"),
)
# A number's sync state: where its last change stands with the enterprise's platform.
SYNC_STATES: tuple[tuple[str, str], ...] = (
    ("not_linked", "Not linked"),
    ("pending_consent", "Pending consent"),
    ("pending", "Pending"),
    ("ready", "Ready"),
    ("failed", "Failed"),
)
ROUTE_VALUES = frozenset(value for value, _ in ROUTES)
USAGE_VALUES = frozenset(value for value, _ in USAGES)

# Usage User has a fixed CAC (concurrent calls) of 2; the other usages take 1 to MAX_CAC.
USER_USAGE = "user"
USER_CAC_LIMIT = 2
MAX_CAC = 32767  # the largest value the column (a small integer) holds
# The most numbers one range may hold (a Range End row, a range upload, a block). The
# DIDHUB_MAX_RANGE setting may lower it; the database holds blocks to this ceiling.
MAX_RANGE = 100_000

TRUE_WORDS = ("true", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "no", "n", "0", "")
BOOLEANS = {**{word: True for word in TRUE_WORDS}, **{word: False for word in FALSE_WORDS}}
_FLAG_WORDS = "TRUE/FALSE, yes/no, y/n, 1/0, x/blank"


def _labels(pairs) -> str:
    labels = [label for _, label in pairs]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


@dataclass(frozen=True)
class Attribute:
    """One attribute of a number, as a column of the upload file and a form field.

    ``kind`` says how a cell is read and checked (``flag``, ``route``, ``usage``,
    ``cac``, ``profile``: a calling profile by name, ``text``, ``tags``); ``limit`` is
    the most characters a text holds (the stored form for tags), or the largest CAC.
    """

    key: str  # the model field, the JSON key, the column default's and form field's name
    label: str  # the upload file's header and the form's label
    aliases: tuple[str, ...]  # other headers people use; matched in any case and spacing
    kind: str
    default: object  # the value a blank cell or an omitted field gives
    required: str  # when a value is needed, in words (docs/upload-format.md)
    values: str  # the accepted values, in words
    example: str = ""  # the value in the sample file's example row
    limit: int | None = None


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "voice",
        "Voice",
        ("Voice Enabled", "Voice Capability", "Voice Capable"),
        "flag",
        False,
        "no (default FALSE)",
        _FLAG_WORDS,
        "TRUE",
    ),
    Attribute(
        "sms",
        "SMS",
        ("SMS Enabled", "SMS Capability", "Text", "Messaging"),
        "flag",
        False,
        "no (default FALSE)",
        _FLAG_WORDS,
        "TRUE",
    ),
    Attribute(
        "fax",
        "Fax",
        ("Fax Enabled", "Fax Capability"),
        "flag",
        False,
        "no (default FALSE)",
        _FLAG_WORDS,
        "FALSE",
    ),
    Attribute(
        "route",
        "Voice Route Type",
        ("Route", "Route Type", "Voice Route", "Routing"),
        "route",
        "",
        "when Voice is TRUE; must be blank when Voice is FALSE",
        ", ".join(label for _, label in ROUTES) + " (any case, `_`, `-` or space)",
        "Direct Routing",
    ),
    Attribute(
        "usage",
        "Usage",
        ("Number Usage", "Usage Type", "Number Type"),
        "usage",
        USER_USAGE,
        "no (default User)",
        ", ".join(label for _, label in USAGES) + " (any case, `_`, `-` or space)",
        "User",
    ),
    Attribute(
        "cac_limit",
        "CAC",
        ("CAC Value", "CAC Limit", "Concurrent Calls"),
        "cac",
        USER_CAC_LIMIT,
        f"no (default {USER_CAC_LIMIT})",
        f"a whole number from 1 to {MAX_CAC}; always {USER_CAC_LIMIT} for usage User (the "
        "value is then ignored)",
        limit=MAX_CAC,
    ),
    Attribute(
        "calling_profile",
        "Calling Profile",
        ("Profile",),
        "profile",
        None,
        "no",
        "the name of a calling profile the destination account may use (any case)",
        limit=100,
    ),
    Attribute(
        "sip_connection",
        "SIP Connection",
        ("Customer SIP Connection", "SIP"),
        "text",
        "",
        "no",
        "text, at most 200 characters",
        limit=200,
    ),
    Attribute(
        "service_info",
        "Service Info",
        ("Service Information", "Service"),
        "text",
        "",
        "no",
        "text, at most 200 characters",
        limit=200,
    ),
    Attribute(
        "tags",
        "Tags",
        ("Tag", "Labels"),
        "tags",
        "",
        "no",
        "text; several tags separated by `;` (quote the cell in a `;`-separated file); at "
        "most 500 characters as stored (`;a;b;`)",
        limit=500,
    ),
)
BY_KEY: dict[str, Attribute] = {attribute.key: attribute for attribute in ATTRIBUTES}
KEYS: tuple[str, ...] = tuple(BY_KEY)
FLAGS: tuple[str, ...] = tuple(a.key for a in ATTRIBUTES if a.kind == "flag")
# Free texts, stored as given (tags in their stored form), each with its most characters.
TEXTS: tuple[str, ...] = tuple(a.key for a in ATTRIBUTES if a.kind in ("text", "tags"))
# Texts stored as given, and every attribute ``problems`` judges (all but the profile,
# which is a reference checked against the catalog).
PLAIN_TEXTS: tuple[str, ...] = tuple(a.key for a in ATTRIBUTES if a.kind == "text")
CHECKED: tuple[str, ...] = tuple(a.key for a in ATTRIBUTES if a.kind != "profile")
TEXT_LIMITS: dict[str, int] = {
    a.key: a.limit for a in ATTRIBUTES if a.kind in ("profile", "text", "tags")
}
DEFAULTS: dict[str, object] = {a.key: a.default for a in ATTRIBUTES}


class Invalid(ValueError):
    """An attribute's value breaks a rule: which attribute, a code and a sentence.

    The codes are those of docs/upload-format.md, the same for an upload row, an API
    request and a portal form.
    """

    def __init__(self, key: str, code: str, message: str):
        super().__init__(message)
        self.key = key
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"Invalid({self.key!r}, {self.code!r}, {self.message!r})"


# Messages and codes of the rules, written once ---------------------------------------

# What each code an upload row can get here means (docs/upload-format.md lists them);
# ``too_long`` is shared with numbers of more than 15 digits and listed with them.
CODES: dict[str, str] = {
    "bad_boolean": "Voice, SMS or Fax is not one of the accepted true/false words.",
    "bad_route": "Voice Route Type is not one of the three routes.",
    "voice_without_route": "Voice is TRUE but Voice Route Type is blank.",
    "route_without_voice": "Voice Route Type is given but Voice is not TRUE.",
    "bad_usage": f"Usage is not {_labels(USAGES)}.",
    "bad_cac": f"CAC is not a whole number from 1 to {MAX_CAC}.",
    "unknown_calling_profile": "No calling profile of that name may be used by the "
    "destination account.",
    "control_characters": "A text cell holds control characters: C0 such as NUL, or C1 "
    "(U+0080 to U+009F).",
}


def bad_flag(key: str, value) -> Invalid:
    return Invalid(key, "bad_boolean", f"{value!r} is not TRUE/FALSE, yes/no, y/n, 1/0 or x/blank.")


def bad_route(value) -> Invalid:
    return Invalid("route", "bad_route", f"{value!r} is not a route: use {_labels(ROUTES)}.")


def voice_without_route() -> Invalid:
    return Invalid(
        "route",
        "voice_without_route",
        f"Voice is TRUE: {BY_KEY['route'].label} must say {_labels(ROUTES)}.",
    )


def route_without_voice() -> Invalid:
    return Invalid("route", "route_without_voice", f"A {BY_KEY['route'].label} needs Voice TRUE.")


def bad_usage(value) -> Invalid:
    return Invalid("usage", "bad_usage", f"{value!r} is not a usage: use {_labels(USAGES)}.")


def bad_cac(value) -> Invalid:
    return Invalid("cac_limit", "bad_cac", f"{value!r} is not a whole number from 1 to {MAX_CAC}.")


def too_long(key: str, length: int) -> Invalid:
    return Invalid(key, "too_long", f"At most {TEXT_LIMITS[key]} characters, not {length}.")


# Reading upload cells -------------------------------------------------------------


def word_key(text) -> str:
    """A word reduced to what matters: letters and digits, lower case."""
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


_ROUTE_WORDS = {word_key(label): value for value, label in ROUTES}
_ROUTE_WORDS.update({word_key(value): value for value, _ in ROUTES})
_ROUTE_WORDS.update({"dr": "direct_routing", "et": "external_trunk", "oc": "operator_connect"})
_USAGE_WORDS = {word_key(label): value for value, label in USAGES}
_USAGE_WORDS.update({word_key(value): value for value, _ in USAGES})
_USAGE_WORDS["cc"] = "contact_center"
# C0 and C1 controls: text never holds them; a C1 control in a cell is a character that
# was decoded with the wrong code page (Latin-1 for Windows-1252's dashes and quotes).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def read_flag(key: str, text: str) -> bool:
    value = BOOLEANS.get(text.strip().lower())
    if value is None:
        raise bad_flag(key, text)
    return value


def read_route(text: str) -> str:
    """A route, or "" for a blank cell."""
    if not text.strip():
        return ""
    value = _ROUTE_WORDS.get(word_key(text))
    if value is None:
        raise bad_route(text)
    return value


def read_usage(text: str) -> str:
    """A usage; a blank cell is the default usage (User)."""
    if not text.strip():
        return USER_USAGE
    value = _USAGE_WORDS.get(word_key(text))
    if value is None:
        raise bad_usage(text)
    return value


def read_cac(text: str) -> int | None:
    """The CAC a cell asks for, or None for a blank cell (see :func:`cac_for`)."""
    text = text.strip()
    if not text:
        return None
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not text.isascii() or not 1 <= int(text) <= MAX_CAC:
        raise bad_cac(text)
    return int(text)


def _refuse_control_characters(key: str, text: str) -> None:
    found = _CONTROL.search(text)
    if found:
        raise Invalid(
            key,
            "control_characters",
            f"Control character U+{ord(found.group()):04X} at position {found.start() + 1}: "
            "control characters (such as NUL) are not allowed.",
        )


def read_text(key: str, text: str) -> str:
    """A text cell as stored: stripped, without control characters, within its limit."""
    text = text.strip()
    _refuse_control_characters(key, text)
    if len(text) > TEXT_LIMITS[key]:
        raise too_long(key, len(text))
    return text


def encode_tags(tags: Iterable) -> str:
    """Tags as stored: ``;a;b;`` (sorted, unique, no empty tag), so that one tag is an
    exact, index-free substring test on both databases."""
    cleaned = sorted({str(tag).strip() for tag in tags if str(tag).strip()})
    return f";{';'.join(cleaned)};" if cleaned else ""


def read_tags(text: str) -> str:
    """Tags separated by ``;``, as stored; the length limit applies to the stored form."""
    _refuse_control_characters("tags", text)
    stored = encode_tags(text.split(";"))
    if len(stored) > TEXT_LIMITS["tags"]:
        raise too_long("tags", len(stored))
    return stored


# Rules between attributes ----------------------------------------------------------


def route_rule(voice: bool, route: str) -> Invalid | None:
    """A voice number needs a route, and a route needs voice."""
    if voice and not route:
        return voice_without_route()
    if route and not voice:
        return route_without_voice()
    return None


# Values that follow from others --------------------------------------------------------


def cac_for(usage: str, given: int | None) -> int:
    """The CAC a new number gets: fixed for usage User (a given value is ignored, as the
    upload form says), else the given one, else the default."""
    if usage == USER_USAGE or given is None:
        return USER_CAC_LIMIT
    return given


def inherited(values_nearest_first: Iterable):
    """The value of the nearest account that has one: an account's default voice
    carrier or SMS profile is its own, else its parent's, and so on up the tree."""
    return next((value for value in values_nearest_first if value is not None), None)


def starting_sync_state(*, linked: bool, consented: bool) -> str:
    """The sync state a new number of an enterprise starts in.

    Without an active link nothing is sent (``not_linked``); a link waiting for its
    customer's consent holds the change (``pending_consent``); a consented link sends
    it (``pending`` until the worker hears back).
    """
    if not linked:
        return "not_linked"
    return "pending" if consented else "pending_consent"


# Checking values given as values (API, portal, services) ------------------------------


def problems(values: Mapping[str, object]) -> list[Invalid]:
    """Every rule that a number's attributes, as they would be stored, break.

    ``values`` holds the flags, route, usage, CAC and texts (tags in their stored form);
    what the mapping leaves out is not checked, except through the rules between
    attributes, which read the defaults for it.
    """
    found: list[Invalid] = []
    for key in FLAGS:
        if key in values and not isinstance(values[key], bool):
            found.append(bad_flag(key, values[key]))

    def value(key):
        return values.get(key, DEFAULTS[key])

    route = value("route")
    if route and route not in ROUTE_VALUES:
        found.append(bad_route(route))
    elif rule := route_rule(value("voice") is True, route):
        found.append(rule)
    usage = value("usage")
    if usage not in USAGE_VALUES:
        found.append(bad_usage(usage))
    cac = value("cac_limit")
    if not isinstance(cac, int) or isinstance(cac, bool) or not 1 <= cac <= MAX_CAC:
        found.append(bad_cac(cac))
    elif usage == USER_USAGE and cac != USER_CAC_LIMIT:
        found.append(
            Invalid(
                "cac_limit",
                "user_cac_fixed",
                f"Numbers of usage User have a fixed CAC of {USER_CAC_LIMIT}.",
            )
        )
    for key in TEXTS:
        text = values.get(key)
        if isinstance(text, str) and len(text) > TEXT_LIMITS[key]:
            found.append(too_long(key, len(text)))
    return found


# Ranges ------------------------------------------------------------------------------


def range_problem(first: str, last: str, *, limit: int, same_country: bool = True) -> str | None:
    """Why ``first``..``last`` (valid E.164 texts) is not a range, or None.

    A range runs between two numbers of the same country and length, from the lower to
    the higher, and holds at most ``limit`` numbers (the DIDHUB_MAX_RANGE setting).
    """
    if not same_country or len(first) != len(last):
        return (
            f"{first} and {last} differ in country code or length; a range runs between "
            "two numbers of the same length."
        )
    size = int(last[1:]) - int(first[1:]) + 1
    if size < 1:
        return f"{last} comes before {first}."
    if size > limit:
        return f"The range holds {size:,} numbers; at most {limit:,}."
    return None
