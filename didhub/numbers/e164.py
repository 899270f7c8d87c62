"""Fast E.164 normalisation and validation with libphonenumber's exact semantics.

What this module does
---------------------
* :func:`normalize` turns what people type or paste from spreadsheets into a
  candidate ``'+<digits>'`` string (not yet validated).
* :func:`validate` decides whether a ``'+<digits>'`` string is a valid number
  *exactly* as ``phonenumbers.is_valid_number(phonenumbers.parse(s))`` does,
  and reports the region and number type that ``phonenumbers`` would report
  (``region_code_for_number`` and ``number_type``).
* :func:`parse` is ``normalize`` followed by ``validate``.

How it is fast
--------------
Calling ``phonenumbers.parse`` + ``is_valid_number`` + ``format_number`` costs
tens of microseconds per number because every call walks generic code paths
and re-evaluates several regular expressions per number type.  This module
compiles the metadata that ships with the ``phonenumbers`` package into
per-country-calling-code tables once:

* for every (region metadata, national-number length) pair one regular
  expression ``(?=(?:general)\\Z)(?:(?P<premium_rate>...)|(?P<toll_free>...)|...)``
  whose alternatives are in the order in which ``_number_type_helper`` tests
  the types, restricted to the types whose ``possible_length`` admits that
  length; a single ``fullmatch`` then yields validity and ``m.lastgroup``
  yields the type (FIXED_LINE_OR_MOBILE is an alternative with a look-ahead
  on the mobile pattern placed before FIXED_LINE);
* for country codes shared by several regions (NANP ``+1``, ``+7``, ``+44``,
  ...) the region list in ``COUNTRY_CODE_TO_REGION_CODE`` order, with
  consecutive ``leading_digits`` regions merged into one alternation, exactly
  as ``_region_code_for_number_from_list`` walks it;
* the national-prefix stripping that ``phonenumbers.parse`` applies even to
  ``'+…'`` input (``'+44 (0)20…'`` is valid and means ``+4420…``), using the
  main region's ``national_prefix_for_parsing`` / transform rule.

The tables are built lazily on first use and cached for the life of the
process; building them takes roughly a second (all region metadata is loaded
and a few hundred regular expressions are compiled).  Call :func:`warm_up` at
start-up to pay that cost eagerly.  No Django import happens here.

Known, deliberate differences from ``phonenumbers``
---------------------------------------------------
* :func:`validate` accepts only ``'+'`` followed by ASCII digits; use
  :func:`normalize`/:func:`parse` for anything else.
* :func:`normalize` (and therefore :func:`parse`) enforces the E.164 maximum of
  15 digits.  ``phonenumbers`` considers a few longer numbers valid (some
  German, Indonesian, Japanese, Korean, Nigerian and Uruguayan ranges with up
  to 17 national digits); ``validate`` still gives libphonenumber's answer for
  them, ``parse`` rejects them as ``too_long``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

__all__ = [
    "NUMBER_TYPES",
    "NumberError",
    "ParsedNumber",
    "is_valid",
    "normalize",
    "number_type_of",
    "parse",
    "validate",
    "warm_up",
]


class NumberError(ValueError):
    """A phone number could not be normalised or is not valid.

    ``code`` is a short machine code (``'empty'``, ``'bad_characters'``,
    ``'scientific_notation'``, ``'bad_country_code'``, ``'too_short'``,
    ``'too_long'``, ``'invalid'``); ``message`` is a plain-English reason that
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
_SPECIAL_TYPES = (
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
_MIN_LENGTH_FOR_NSN = 2
_MAX_LENGTH_FOR_NSN = 17
_MAX_INPUT_STRING_LENGTH = 250
# E.164: at most 15 digits including the country code.
E164_MAX_DIGITS = 15

_NON_GEO = "001"

_TYPE_LABELS = {
    "fixed_line": "fixed line",
    "mobile": "mobile",
    "fixed_line_or_mobile": "fixed line or mobile",
    "toll_free": "toll-free",
    "premium_rate": "premium rate",
    "shared_cost": "shared cost",
    "voip": "VoIP",
    "personal_number": "personal number",
    "pager": "pager",
    "uan": "UAN",
    "voicemail": "voicemail",
}


# --------------------------------------------------------------------------------------
# Compiled metadata
# --------------------------------------------------------------------------------------


class _Typer:
    """Number-type classification for one region's metadata.

    ``by_length`` maps a national-number length to a compiled regex whose
    ``fullmatch`` succeeds exactly when ``_number_type_helper`` would return a
    type other than UNKNOWN, with ``lastgroup`` naming that type.
    """

    __slots__ = ("by_length", "general", "lengths", "metadata", "region")

    def __init__(self, region: str, metadata, cache: dict):
        self.region = region
        self.metadata = metadata
        gen = metadata.general_desc
        self.general = _compile(gen.national_number_pattern, cache) if gen is not None else None
        self.lengths = tuple(gen.possible_length) if gen is not None else ()
        self.by_length: dict[int, re.Pattern | None] = {}
        if self.general is None:
            return
        lengths = self.lengths or range(_MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN + 1)
        for length in lengths:
            # phonenumbers.parse rejects national numbers outside [2, 17] digits.
            if _MIN_LENGTH_FOR_NSN <= length <= _MAX_LENGTH_FOR_NSN:
                rx = self._build(length, cache)
                if rx is not None:
                    self.by_length[length] = rx

    def _build(self, length: int, cache: dict):
        md = self.metadata

        def usable(desc):
            if desc is None or not desc.national_number_pattern:
                return None
            if desc.possible_length and length not in desc.possible_length:
                return None
            return desc.national_number_pattern

        parts = []
        for name in _SPECIAL_TYPES:
            pattern = usable(getattr(md, name))
            if pattern is not None:
                parts.append((name, pattern))
        fixed = usable(md.fixed_line)
        mobile = usable(md.mobile)
        same = md.same_mobile_and_fixed_line_pattern
        if fixed is not None:
            if same:
                parts.append(("fixed_line_or_mobile", fixed))
            else:
                if mobile is not None:
                    parts.append(
                        ("fixed_line_or_mobile", f"(?=(?:{mobile})\\Z)(?:{fixed})"),
                    )
                parts.append(("fixed_line", fixed))
        if not same and mobile is not None:
            parts.append(("mobile", mobile))
        if not parts:
            return None
        alternatives = "|".join(f"(?P<{name}>{pattern})" for name, pattern in parts)
        general = self.metadata.general_desc.national_number_pattern
        return _compile(f"(?=(?:{general})\\Z)(?:{alternatives})", cache)

    def classify(self, nsn: str) -> str | None:
        rx = self.by_length.get(len(nsn))
        if rx is None:
            return None
        m = rx.fullmatch(nsn)
        return None if m is None else m.lastgroup


class _Country:
    """Everything needed to validate numbers of one country calling code."""

    __slots__ = (
        "cc",
        "cc_str",
        "fast",
        "gen_lengths",
        "gen_max",
        "gen_pattern",
        "local_lengths",
        "main_region",
        "min_length",
        "national_prefix",
        "npfp",
        "npfp_first",
        "npfp_groups",
        "regions",
        "rest",
        "single",
        "steps",
        "transform",
        "typers",
    )

    def __init__(self, cc: int, regions: tuple[str, ...], cache: dict):
        self.cc = cc
        self.cc_str = str(cc)
        self.regions = regions
        self.main_region = regions[0]
        self.typers: dict[str, _Typer] = {}
        for region in regions:
            if region == _NON_GEO:
                md = PhoneMetadata.metadata_for_nongeo_region(cc, None)
            else:
                md = PhoneMetadata.metadata_for_region(region, None)
            if md is not None:
                self.typers[region] = _Typer(region, md, cache)

        # Region selection (phonenumbers' region_code_for_number).
        if len(regions) == 1:
            self.single = self.typers.get(regions[0])
            self.steps = ()
        else:
            self.single = None
            steps: list = []
            pending: list[tuple[str, str]] = []
            for region in regions:
                typer = self.typers.get(region)
                if typer is None:
                    continue
                ld = typer.metadata.leading_digits
                if ld is not None:
                    pending.append((region, ld))
                    continue
                if pending:
                    steps.append(("ld", _leading_digits_regex(pending, cache)))
                    pending = []
                steps.append(("full", typer))
            if pending:
                steps.append(("ld", _leading_digits_regex(pending, cache)))
            self.steps = tuple(steps)

        # National-prefix stripping done by phonenumbers.parse (main region's metadata).
        main = self.typers.get(self.main_region)
        md = main.metadata if main is not None else None
        self.npfp = None
        self.npfp_first = None
        self.npfp_groups = 0
        self.transform = None
        self.gen_pattern = None
        self.gen_lengths = frozenset()
        self.local_lengths = frozenset()
        self.gen_max = 0
        self.national_prefix = None
        if md is not None:
            gen = md.general_desc
            self.gen_pattern = main.general
            self.gen_lengths = frozenset(gen.possible_length)
            self.local_lengths = frozenset(gen.possible_length_local_only or ())
            self.gen_max = max(gen.possible_length) if gen.possible_length else 0
            self.national_prefix = md.national_prefix or None
            if md.national_prefix_for_parsing:
                self.npfp = _compile(md.national_prefix_for_parsing, cache)
                self.npfp_first = _first_digits(md.national_prefix_for_parsing)
                self.npfp_groups = self.npfp.groups
                self.transform = md.national_prefix_transform_rule or None
        all_lengths = [n for t in self.typers.values() for n in t.lengths]
        self.min_length = min(all_lengths) if all_lengths else _MIN_LENGTH_FOR_NSN

        # Hot-path tuple used by _check(): the table of the region tried first
        # (the only region, or the first region of a shared code when it has no
        # leading_digits), and the steps to walk when that table does not match.
        if self.single is not None or not self.steps:
            first, self.rest, final = self.single, (), True
        elif self.steps[0][0] == "full":
            first, self.rest, final = self.steps[0][1], self.steps[1:], False
        else:
            first, self.rest, final = None, self.steps, False
        self.fast = (
            len(self.cc_str),
            cc,
            self.npfp,
            self.npfp_first,
            first.by_length if first is not None else None,
            first.region if first is not None else None,
            final,
            self,
        )

    # -- phonenumbers.parse: _maybe_strip_national_prefix_carrier_code + length test --
    def strip_national_prefix(self, nn: str) -> str:
        """The national number phonenumbers.parse would keep for '+<cc><nn>'."""
        npfp = self.npfp
        if npfp is None:
            return nn
        m = npfp.match(nn)
        if m is None:
            return nn
        candidate = self._strip_with(m, nn)
        if candidate is nn:
            return nn
        length = len(candidate)
        if length in self.local_lengths:
            return nn
        if length in self.gen_lengths or length > self.gen_max:
            return candidate
        return nn

    def _strip_with(self, m, nn: str) -> str:
        gen = self.gen_pattern
        viable = gen is not None and gen.fullmatch(nn) is not None
        transform = self.transform
        if transform is None or self.npfp_groups == 0 or m.group(self.npfp_groups) is None:
            candidate = nn[m.end() :]
        else:
            candidate = self.npfp.sub(transform, nn, count=1)
        if viable and (gen is None or gen.fullmatch(candidate) is None):
            return nn
        return candidate

    def trunk_stripped(self, nn: str) -> str:
        """National digits with the trunk prefix removed as phonenumbers would (or nn)."""
        npfp = self.npfp
        if npfp is None:
            return nn
        m = npfp.match(nn)
        if m is None:
            return nn
        return self._strip_with(m, nn)

    # -- phonenumbers: region_code_for_number + _number_type_helper --
    def classify(self, nsn: str) -> tuple[str, str] | None:
        """(region, number_type) for a national significant number, or None if invalid."""
        single = self.single
        if single is not None:
            rx = single.by_length.get(len(nsn))
            if rx is None:
                return None
            m = rx.fullmatch(nsn)
            if m is None:
                return None
            return single.region, m.lastgroup
        return self.classify_steps(nsn, self.steps)

    def classify_steps(self, nsn: str, steps) -> tuple[str, str] | None:
        for kind, obj in steps:
            if kind == "full":
                number_type = obj.classify(nsn)
                if number_type is not None:
                    return obj.region, number_type
            else:
                m = obj.match(nsn)
                if m is not None:
                    typer = self.typers[m.lastgroup[1:]]
                    number_type = typer.classify(nsn)
                    if number_type is None:
                        return None
                    return typer.region, number_type
        return None

    def describe(self) -> str:
        if len(self.regions) == 1:
            if self.main_region == _NON_GEO:
                return f"+{self.cc} (non-geographic)"
            return f"+{self.cc} ({self.main_region})"
        others = len(self.regions) - 1
        return f"+{self.cc} ({self.main_region} and {others} other region{'s' * (others > 1)})"


def _compile(pattern: str, cache: dict) -> re.Pattern:
    rx = cache.get(pattern)
    if rx is None:
        rx = cache[pattern] = re.compile(pattern)
    return rx


def _leading_digits_regex(pending: list[tuple[str, str]], cache: dict) -> re.Pattern:
    # Region codes are used as group names; '_' prefix keeps them valid identifiers
    # and is removed again in _Country.classify.
    alternatives = "|".join(f"(?P<_{region}>{ld})" for region, ld in pending)
    return _compile(alternatives, cache)


_DIGITS = frozenset("0123456789")


def _first_digits(pattern: str) -> frozenset[str] | None:
    """ASCII digits a non-empty match of ``pattern`` can start with, or None if unknown.

    A sound over-approximation computed from the parsed regex: when the first
    digit of a string is not in the set, ``re.match`` cannot succeed on it.
    None (always run the regex) when the pattern can match the empty string or
    uses constructs not analysed here.
    """
    try:
        from re import _constants as c, _parser
    except ImportError:  # pragma: no cover - other Python implementations
        return None

    def char_set(items) -> frozenset[str] | None:
        chars: set[str] = set()
        negate = False
        for op, av in items:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                chars.add(chr(av))
            elif op is c.RANGE:
                chars.update(d for d in _DIGITS if av[0] <= ord(d) <= av[1])
            elif op is c.CATEGORY and av is c.CATEGORY_DIGIT:
                chars.update(_DIGITS)
            else:
                return None
        chars &= _DIGITS
        return frozenset(_DIGITS - chars) if negate else frozenset(chars)

    def first(seq) -> tuple[frozenset[str], bool] | None:
        # -> (possible first digits, can match the empty string)
        acc: set[str] = set()
        for op, av in seq:
            if op is c.LITERAL:
                return frozenset(acc | ({chr(av)} & _DIGITS)), False
            if op is c.NOT_LITERAL or op is c.ANY:
                return frozenset(acc | _DIGITS), False
            if op is c.IN:
                chars = char_set(av)
                if chars is None:
                    return None
                return frozenset(acc | chars), False
            if op is c.AT or op is c.ASSERT or op is c.ASSERT_NOT:
                continue  # zero-width: the first consumed character comes later
            if op is c.SUBPATTERN:
                sub = first(av[-1])
            elif op is c.BRANCH:
                subs = [first(alt) for alt in av[1]]
                if any(x is None for x in subs):
                    return None
                sub = (frozenset().union(*(x[0] for x in subs)), any(x[1] for x in subs))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                inner = first(av[2])
                if inner is None:
                    return None
                sub = (inner[0], inner[1] or av[0] == 0)
            else:
                return None
            if sub is None:
                return None
            acc |= sub[0]
            if not sub[1]:
                return frozenset(acc), False
        return frozenset(acc), True

    try:
        result = first(_parser.parse(pattern))
    except Exception:  # pragma: no cover - defensive: fall back to always matching
        return None
    if result is None or result[1]:
        return None
    return result[0]


_COUNTRIES: dict[str, _Country] | None = None
# Every 3-digit string that starts with a country calling code -> that code's hot-path
# tuple (country calling codes are prefix-free, so there is at most one).
_BY_PREFIX: dict[str, tuple] | None = None


def _load() -> dict[str, _Country]:
    """Build (once) the per-country-code tables from phonenumbers' metadata."""
    global _COUNTRIES, _BY_PREFIX
    if _COUNTRIES is None:
        cache: dict[str, re.Pattern] = {}
        countries = {}
        for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
            countries[str(cc)] = _Country(cc, tuple(regions), cache)
        by_prefix = {}
        for n in range(1000):
            key = f"{n:03d}"
            info = countries.get(key[:1]) or countries.get(key[:2]) or countries.get(key)
            if info is not None:
                by_prefix[key] = info.fast
        _BY_PREFIX = by_prefix
        _COUNTRIES = countries
    return _COUNTRIES


def _load_prefixes() -> dict[str, tuple]:
    _load()
    return _BY_PREFIX


def warm_up() -> None:
    """Build the metadata tables now rather than on the first call (takes ~1 s)."""
    _load()


def _country_for(digits: str) -> _Country | None:
    countries = _COUNTRIES or _load()
    return countries.get(digits[:1]) or countries.get(digits[:2]) or countries.get(digits[:3])


# --------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------

_new = object.__new__
_set_e164 = ParsedNumber.__dict__["e164"].__set__
_set_cc = ParsedNumber.__dict__["country_code"].__set__
_set_nsn = ParsedNumber.__dict__["national_number"].__set__
_set_region = ParsedNumber.__dict__["region"].__set__
_set_type = ParsedNumber.__dict__["number_type"].__set__


def _make(e164: str, cc: int, nsn: str, region: str, number_type: str) -> ParsedNumber:
    # Bypasses the frozen dataclass' __init__ (object.__setattr__ per field) for speed.
    obj = _new(ParsedNumber)
    _set_e164(obj, e164)
    _set_cc(obj, cc)
    _set_nsn(obj, nsn)
    _set_region(obj, region)
    _set_type(obj, number_type)
    return obj


def _check(e164: str, digits: str) -> ParsedNumber | None:
    """Validity of '+' + digits (digits: ASCII digits only) per phonenumbers; None if invalid.

    Mirrors phonenumbers.parse (country code extraction, national-prefix
    stripping), region_code_for_number and _number_type_helper.
    """
    fast = (_BY_PREFIX or _load_prefixes()).get(digits[:3])
    if fast is None:  # no country code, a leading 0, or fewer than 3 digits
        return None
    cc_len, cc, npfp, npfp_first, by_length, region, final, info = fast
    nn = digits[cc_len:]
    if len(nn) < _MIN_LENGTH_FOR_NSN:
        return None
    if npfp is not None and (npfp_first is None or nn[0] in npfp_first):
        if npfp.match(nn) is not None:
            stripped = info.strip_national_prefix(nn)
            if stripped is not nn:
                if len(e164) > _MAX_INPUT_STRING_LENGTH:
                    return None
                nn = stripped
                e164 = "+" + info.cc_str + nn
    if by_length is not None:
        rx = by_length.get(len(nn))
        if rx is not None:
            m = rx.fullmatch(nn)
            if m is not None:
                return _make(e164, cc, nn, region, m.lastgroup)
        if final:
            return None
    found = info.classify_steps(nn, info.rest)
    if found is None:
        return None
    return _make(e164, cc, nn, found[0], found[1])


def _is_plain_digits(s: str) -> bool:
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
    if not isinstance(e164, str) or e164[:1] != "+" or not _is_plain_digits(e164[1:]):
        raise NumberError(
            "invalid",
            f"{e164!r} is not in E.164 form: expected '+' followed by digits only",
        )
    result = _check(e164, e164[1:])
    if result is None:
        raise NumberError("invalid", _explain_invalid(e164[1:]))
    return result


def is_valid(e164: str) -> bool:
    """True if ``validate(e164)`` would succeed."""
    if not isinstance(e164, str) or e164[:1] != "+":
        return False
    digits = e164[1:]
    if not (digits.isdigit() and digits.isascii()):
        return False
    return _check(e164, digits) is not None


def number_type_of(e164: str) -> str | None:
    """The number type (one of NUMBER_TYPES) of a valid ``'+<digits>'`` string, else None."""
    if not isinstance(e164, str) or e164[:1] != "+" or not _is_plain_digits(e164[1:]):
        return None
    result = _check(e164, e164[1:])
    return None if result is None else result.number_type


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
    info = _country_for(digits)
    if info is None:
        return f"{shown}: {digits[:3]}… does not start with any assigned country calling code"
    if len(digits) <= _MIN_LENGTH_FOR_NSN:
        return f"{shown}: too short to be a phone number"
    nn = digits[len(info.cc_str) :]
    stripped = info.strip_national_prefix(nn) if len(nn) >= _MIN_LENGTH_FOR_NSN else nn
    where = info.describe()
    prefix = f"not a valid number for {where}"
    if stripped is not nn:
        prefix += f" (after dropping the national prefix {nn[: len(nn) - len(stripped)]!r})"
        nn = stripped
    # Pick the region whose rules apply, as phonenumbers does.
    typer = info.single
    if typer is None:
        for kind, obj in info.steps:
            if kind == "ld":
                m = obj.match(nn)
                if m is not None:
                    typer = info.typers[m.lastgroup[1:]]
                    prefix = f"not a valid number for +{info.cc} ({typer.region})"
                    break
        if typer is None:
            typer = info.typers.get(info.main_region)
    if typer is None:  # pragma: no cover - metadata always present
        return prefix
    n = len(nn)
    lengths = typer.lengths
    if info.single is None:
        lengths = sorted({x for t in info.typers.values() for x in t.lengths})
    if n > _MAX_LENGTH_FOR_NSN or (lengths and n not in lengths):
        expected = _lengths_text(lengths)
        verb = "is" if expected == "1" else "are"
        return f"{prefix}: {n} digit{'s' * (n != 1)} where {expected} {verb} expected"
    if typer.general is None or typer.general.fullmatch(nn) is None:
        return (
            f"{prefix}: the length ({n} digits) is possible but no number range "
            f"starting {nn[:4]}… is allocated"
        )
    return (
        f"{prefix}: the length ({n} digits) is possible but the range starting "
        f"{nn[:4]}… is not allocated to any number type"
    )


# --------------------------------------------------------------------------------------
# normalize
# --------------------------------------------------------------------------------------

# Characters ignored anywhere: whitespace (incl. no-break and other Unicode spaces),
# dots, dashes, parentheses, slashes.  Full-width digits and '+' are mapped to ASCII.
_IGNORED = (
    " \t\n\r\v\f"
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
    ".-()/\\"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d"  # dashes
    "\uff08\uff09\uff0e\uff0f"  # full-width ( ) . /
)
_TRANSLATE = str.maketrans(
    {
        **{ch: None for ch in _IGNORED},
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "\uff0b": "+",
    }
)
_APOSTROPHES = "'\u2018\u2019"
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")


def _country_code_param(country_code: str | int) -> _Country:
    if isinstance(country_code, bool) or not isinstance(country_code, (str, int)):
        raise NumberError(
            "bad_country_code",
            f"country code must be digits such as '44' or '+44', got {country_code!r}",
        )
    text = str(country_code).translate(_TRANSLATE).strip()
    if text.startswith("+"):
        text = text[1:]
    if not text or not _is_plain_digits(text) or len(text) > 3:
        raise NumberError(
            "bad_country_code",
            f"country code must be 1 to 3 digits such as '44' or '+44', got {country_code!r}",
        )
    info = (_COUNTRIES or _load()).get(text)
    if info is None:
        raise NumberError(
            "bad_country_code",
            f"+{text} is not an assigned country calling code",
        )
    return info


def _bad_character(s: str) -> NumberError:
    seen_significant = False
    for pos, ch in enumerate(s, 1):
        mapped = ch.translate(_TRANSLATE)
        if mapped == "":
            continue
        if mapped.isdigit() and mapped.isascii():
            seen_significant = True
            continue
        if mapped == "+" and not seen_significant:
            seen_significant = True
            continue
        if ch.isalpha():
            hint = "letters are not allowed (no vanity numbers, no extensions like 'ext. 12')"
        elif ch == "+":
            hint = "'+' is only allowed once, at the start"
        elif ch == ",":
            hint = "commas are not allowed (is the column formatted as a number?)"
        else:
            hint = "only digits, a leading '+', spaces, dots, dashes, parentheses and slashes"
            hint += " are allowed"
        return NumberError(
            "bad_characters",
            f"unexpected character {ch!r} (U+{ord(ch):04X}) at position {pos} of {s!r}: {hint}",
        )
    return NumberError("bad_characters", f"{s!r} is not a phone number")  # pragma: no cover


def normalize(raw: str, country_code: str | int | None = None) -> str:
    """What people type -> candidate ``'+<digits>'`` (not yet validated).

    Rules:

    * surrounding whitespace (including no-break spaces) and a leading
      apostrophe (Excel's "store as text" marker) are dropped; spaces, dots,
      dashes, parentheses and slashes anywhere are ignored; full-width digits
      are read as digits; a trailing ``'.0'`` after plain digits (a number
      that went through a float, e.g. ``'12125550100.0'``) is dropped;
    * a leading ``'+'`` or ``'00'`` means the digits start with the country
      code (``country_code`` is then not used, but still checked);
    * otherwise, with ``country_code`` (``'1'``, ``'+44'``, ``44``), the digits
      are the national number: the result is ``'+' + cc + digits``, except that
      when that is not a valid number but the digits themselves already start
      with the country code and form a valid full number, they are taken as
      full E.164 (people paste full numbers into the number column), and
      when the digits start with the country's national (trunk) prefix, e.g.
      the UK ``'0'`` in ``'020 7946 0000'``, it is stripped the way
      ``phonenumbers.parse`` strips it for that country's main region, if
      the stripped number is valid and the unstripped one is not;
    * otherwise (no ``'+'``, no ``'00'``, no ``country_code``) the digits are
      taken as already including the country code, like E.164 without the
      ``'+'``: ``'442079460000'`` -> ``'+442079460000'``.

    Raises NumberError with code ``'empty'``, ``'bad_characters'``,
    ``'scientific_notation'`` (Excel turned the number into a float such as
    ``'1.21E+10'``; digits were lost, so nothing is guessed),
    ``'bad_country_code'``, ``'too_short'`` (fewer national digits than any
    number of that country code has) or ``'too_long'`` (more than 15 digits).
    """
    if not isinstance(raw, str):
        if raw is None:
            raise NumberError("empty", "no phone number given")
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        elif isinstance(raw, float):
            raise NumberError(
                "scientific_notation",
                f"got the floating-point value {raw!r}: the spreadsheet turned the number "
                "into a float and digits may have been lost; format the column as text",
            )
        else:
            raise NumberError("bad_characters", f"expected text, got {type(raw).__name__}")

    # Fast path: already '+<ascii digits>' and no country code to apply.
    if country_code is None and raw[:1] == "+":
        digits = raw[1:]
        if digits.isdigit() and digits.isascii():
            return _finish(raw, digits)

    s = raw.strip()
    if s and s[0] in _APOSTROPHES:
        s = s[1:].strip()
    if not s:
        raise NumberError("empty", "the phone number is empty")
    if s.endswith(".0"):
        head = s[:-2]
        body = head[1:] if head[:1] == "+" else head
        if body and _is_plain_digits(body):
            s = head
    t = s.translate(_TRANSLATE)
    if t[:1] == "+":
        intl = True
        digits = t[1:]
    elif t[:2] == "00":
        intl = True
        digits = t[2:]
    else:
        intl = False
        digits = t
    if not _is_plain_digits(digits):
        if ("e" in s or "E" in s) and _SCIENTIFIC.fullmatch(s):
            raise NumberError(
                "scientific_notation",
                f"{s!r} is in scientific notation: the spreadsheet turned the number into a "
                "float and digits were lost; format the column as text and re-enter it",
            )
        if not digits:
            raise NumberError("empty", f"{s!r} contains no digits")
        raise _bad_character(s)

    info = _country_code_param(country_code) if country_code is not None else None
    if intl or info is None:
        return _finish(None, digits)
    return _finish(None, _with_country_code(info, digits))


def _with_country_code(info: _Country, national: str) -> str:
    cc_str = info.cc_str
    plain = cc_str + national
    if info.classify(national) is not None:
        return plain
    if national.startswith(cc_str):
        full = _check("+" + national, national)
        if full is not None:
            return full.e164[1:]
    stripped = info.trunk_stripped(national)
    if stripped is not national and info.classify(stripped) is not None:
        return cc_str + stripped
    prefix = info.national_prefix
    if prefix and national.startswith(prefix):
        stripped = national[len(prefix) :]
        if info.classify(stripped) is not None:
            return cc_str + stripped
    return plain


def _finish(e164: str | None, digits: str) -> str:
    """Country-code and length checks common to every input form."""
    if not digits:
        raise NumberError("empty", "no digits after '+'")
    n = len(digits)
    if n > E164_MAX_DIGITS:
        raise NumberError(
            "too_long",
            f"{n} digits: an E.164 number has at most {E164_MAX_DIGITS} digits "
            "including the country code",
        )
    if digits[0] == "0":
        raise NumberError(
            "bad_country_code",
            f"'{digits[:6]}…' cannot start with a country code (country codes never start "
            "with 0); without '+' or a country code, digits are read as a full international "
            "number — add '+' and the country code, or give the country code",
        )
    countries = _COUNTRIES or _load()
    info = countries.get(digits[:1]) or countries.get(digits[:2]) or countries.get(digits[:3])
    if info is None:
        raise NumberError(
            "bad_country_code",
            f"'+{digits[:3]}…' does not start with an assigned country calling code",
        )
    national = n - len(info.cc_str)
    if national < info.min_length:
        raise NumberError(
            "too_short",
            f"{info.describe()} numbers have at least {info.min_length} digits after the "
            f"country code; got {national}",
        )
    return e164 if e164 is not None else "+" + digits


# --------------------------------------------------------------------------------------
# parse
# --------------------------------------------------------------------------------------


def parse(raw: str, country_code: str | int | None = None) -> ParsedNumber:
    """normalize + validate: what people type -> a valid, canonical ParsedNumber."""
    if country_code is None and type(raw) is str and raw[:1] == "+":
        digits = raw[1:]
        if digits.isdigit() and digits.isascii():
            # Fast path for E.164 input; same checks as normalize() + validate().
            n = len(digits)
            if 0 < n <= E164_MAX_DIGITS:
                result = _check(raw, digits)
                if result is not None:
                    return result
            raise _error_for(raw, digits)
    e164 = normalize(raw, country_code)
    result = _check(e164, e164[1:])
    if result is None:
        raise NumberError("invalid", _explain_invalid(e164[1:]))
    return result


def _error_for(e164: str, digits: str) -> NumberError:
    try:
        _finish(e164, digits)
    except NumberError as exc:
        return exc
    return NumberError("invalid", _explain_invalid(digits))
