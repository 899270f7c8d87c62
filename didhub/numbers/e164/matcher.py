"""Deciding a ``'+<digits>'`` string against the compiled tables, as phonenumbers would.

Holds the tables in use: built from the metadata on first need (:func:`warm_up` pays
that at start-up) and kept for the life of the process; :func:`use` puts other tables
in place (the benchmark compares tables built with and without the prover).  The hot
path of :func:`didhub.numbers.e164.parse` reads ``BY_LENGTH`` directly.
"""

from __future__ import annotations

import threading

from . import compiler
from .compiler import Country, Tables
from .results import (
    E164_MAX_CHARS,
    MAX_INPUT_STRING_LENGTH,
    MAX_LENGTH_FOR_NSN,
    MIN_LENGTH_FOR_NSN,
    NumberError,
    ParsedNumber,
)

__all__ = [
    "BY_LENGTH",
    "Builder",
    "InvalidNumber",
    "check",
    "countries",
    "country_for",
    "is_plain_digits",
    "is_valid",
    "number_type_of",
    "tables",
    "use",
    "validate",
    "warm_up",
]

# The tables in use; empty until tables() or use() fills them.  BY_PREFIX and BY_LENGTH
# are filled in place, so modules that imported them see the tables in use.
_TABLES: Tables | None = None
BY_PREFIX: dict[str, tuple] = {}
BY_LENGTH: list[dict[str, tuple]] = [{} for _ in range(E164_MAX_CHARS + 1)]

_LOAD_LOCK = threading.Lock()


def use(tables: Tables) -> None:
    """Validate with ``tables`` from now on.

    Entries are replaced key by key, never cleared first, so a thread validating
    meanwhile reads each number from one set of tables or the other.
    """
    global _TABLES
    BY_PREFIX.update(tables.by_prefix)
    for key in BY_PREFIX.keys() - tables.by_prefix.keys():
        del BY_PREFIX[key]
    for length, entries in enumerate(tables.by_length):
        BY_LENGTH[length] = entries
    _TABLES = tables


def tables() -> Tables:
    """The tables in use, built from the installed metadata on first need."""
    if _TABLES is None:
        with _LOAD_LOCK:
            if _TABLES is None:
                use(compiler.build())
    return _TABLES


def countries() -> dict[str, Country]:
    """Country code (text) -> its compiled Country, in the tables in use."""
    return (_TABLES or tables()).countries


def warm_up() -> None:
    """Build the metadata tables now rather than on the first call (about a second)."""
    tables()


def country_for(digits: str) -> Country | None:
    """The Country whose code starts ``digits`` (digits without '+'), or None."""
    by_code = (_TABLES or tables()).countries
    return by_code.get(digits[:1]) or by_code.get(digits[:2]) or by_code.get(digits[:3])


class Builder:
    """Fast constructor for ParsedNumber.

    A frozen dataclass assigns its fields through ``object.__setattr__`` calls,
    which costs more than validating a number.  This class has exactly the same
    slot layout, so an instance can be filled with plain attribute stores and
    then turned into a genuine ``ParsedNumber`` by assigning ``__class__``
    (CPython allows this between classes with identical layouts).  The result
    is indistinguishable from ``ParsedNumber(...)``: same type, equality, hash,
    repr and immutability.
    """

    __slots__ = ParsedNumber.__slots__


def _make(e164: str, cc: int, nsn: str, region: str, number_type: str) -> ParsedNumber:
    o = Builder()
    o.e164 = e164
    o.country_code = cc
    o.national_number = nsn
    o.region = region
    o.number_type = number_type
    o.__class__ = ParsedNumber
    return o


def check(e164: str) -> ParsedNumber | None:
    """Validity of e164 ('+' and ASCII digits only) per phonenumbers; None if invalid.

    Mirrors phonenumbers.parse (country code extraction, national-prefix
    stripping), region_code_for_number and _number_type_helper.  The same
    logic is inlined in parse() for speed.
    """
    fast = BY_PREFIX.get(e164[1:5])
    if fast is None:
        if _TABLES is None:
            tables()
            return check(e164)
        # No country code, a leading 0, or fewer than 4 digits (no valid number is
        # that short: the shortest have 6).
        return None
    cut, cc, strip, by_length, info = fast
    nn = e164[cut:]
    if strip and info.npfp.match(nn) is not None:
        return _check_slow(e164, nn, info)
    entry = by_length.get(len(nn))
    if entry is None:
        return None
    m = entry[0].fullmatch(nn)
    if m is None:
        return None
    region, number_type = entry[1][m.lastindex]
    return _make(e164, cc, nn, region, number_type)


def _check_slow(e164: str, nn: str, info: Country) -> ParsedNumber | None:
    """check() for numbers that start with something phonenumbers.parse may strip."""
    if len(nn) < MIN_LENGTH_FOR_NSN:
        return None
    stripped = info.strip_national_prefix(nn)
    if stripped is not nn:
        if len(e164) > MAX_INPUT_STRING_LENGTH:
            return None
        nn = stripped
        e164 = "+" + info.cc_str + nn
    found = info.classify(nn)
    if found is None:
        return None
    return _make(e164, info.cc, nn, found[0], found[1])


def is_plain_digits(s: str) -> bool:
    return s.isdigit() and s.isascii()


def validate(e164: str) -> ParsedNumber:
    """Exact libphonenumber validity of a ``'+<digits>'`` string.

    Equivalent to ``phonenumbers.is_valid_number(phonenumbers.parse(e164))``,
    with ``region``/``number_type`` as ``region_code_for_number``/``number_type``
    report them and ``e164`` as ``format_number(..., E164)`` would produce it
    (phonenumbers strips a national prefix typed after the country code, so
    ``'+4402079460000'`` is valid and becomes ``'+442079460000'``).

    Raises ``NumberError(code='invalid')``.
    """
    if not isinstance(e164, str) or e164[:1] != "+" or not is_plain_digits(e164[1:]):
        raise NumberError(
            "invalid",
            f"{e164!r} is not in E.164 form: expected '+' followed by digits only",
        )
    result = check(e164)
    if result is None:
        raise InvalidNumber(e164[1:])
    return result


def is_valid(e164: str) -> bool:
    """True if ``validate(e164)`` would succeed."""
    if not isinstance(e164, str) or e164[:1] != "+":
        return False
    digits = e164[1:]
    if not (digits.isdigit() and digits.isascii()):
        return False
    return check(e164) is not None


def number_type_of(e164: str) -> str | None:
    """The number type (one of NUMBER_TYPES) of a valid ``'+<digits>'`` string, else None."""
    if not isinstance(e164, str) or e164[:1] != "+" or not is_plain_digits(e164[1:]):
        return None
    result = check(e164)
    return None if result is None else result.number_type


# --------------------------------------------------------------------------------------
# Why a number is invalid
# --------------------------------------------------------------------------------------


class InvalidNumber(NumberError):
    """NumberError('invalid', ...) whose message is worked out only when read.

    Explaining why a number is invalid costs several times more than deciding
    that it is; bulk validation often only needs the verdict.
    """

    def __init__(self, digits: str):  # deliberately not calling NumberError.__init__
        self.code = "invalid"
        self._digits = digits
        self._message = None

    @property
    def message(self) -> str:
        if self._message is None:
            self._message = _explain_invalid(self._digits)
        return self._message

    @property
    def args(self):
        return (self.message,)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (NumberError, (self.code, self.message))


def _lengths_text(lengths) -> str:
    lengths = sorted(set(lengths))
    if not lengths:
        return "none"
    if len(lengths) >= 3 and lengths[-1] - lengths[0] == len(lengths) - 1:
        return f"{lengths[0]} to {lengths[-1]}"
    if len(lengths) == 1:
        return str(lengths[0])
    return ", ".join(str(n) for n in lengths[:-1]) + f" or {lengths[-1]}"


def _explain_invalid(digits: str) -> str:
    """Plain-English reason why '+' + digits is not valid (slow path)."""
    shown = "+" + digits
    if not digits:
        return "no digits after '+'"
    if digits[0] == "0":
        return f"{shown}: country calling codes never start with 0"
    info = country_for(digits)
    if info is None:
        return f"{shown}: {digits[:3]}… does not start with any assigned country calling code"
    nn = digits[len(info.cc_str) :]
    if len(nn) < MIN_LENGTH_FOR_NSN:
        return f"{shown}: too short to be a phone number"
    stripped = info.strip_national_prefix(nn)
    note = ""
    if stripped is not nn:
        note = f" (after dropping the national prefix {nn[: len(nn) - len(stripped)]!r})"
        nn = stripped
    # The region whose rules apply, as phonenumbers picks it.
    claimed = info.region_rules(nn)
    if claimed is not None:
        where = info.describe(claimed.region)
        lengths = sorted(claimed.lengths)
    else:
        where = info.describe()
        lengths = sorted({n for typer in info.typers.values() for n in typer.lengths})
    prefix = f"not a valid number for {where}{note}"
    n = len(nn)
    if n > MAX_LENGTH_FOR_NSN or (lengths and n not in lengths):
        expected = _lengths_text(lengths)
        verb = "is" if expected == "1" else "are"
        return f"{prefix}: {n} digit{'s' * (n != 1)} where {expected} {verb} expected"
    return (
        f"{prefix}: {n} digits is a possible length, but no number of that length "
        f"starting {nn[:4]}… is allocated"
    )
