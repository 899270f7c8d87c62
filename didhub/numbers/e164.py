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
``phonenumbers.parse`` + ``is_valid_number`` + ``format_number`` costs tens of
microseconds per number: generic code paths, and several regular expressions
per number type and region, evaluated one by one.  This module compiles the
metadata shipped with the ``phonenumbers`` package (``PhoneMetadata`` per
region and per non-geographic country code, ``COUNTRY_CODE_TO_REGION_CODE``)
into per-country-calling-code tables, so that checking a number is two dict
lookups and one ``re.fullmatch``:

* for every (country code, national-number length) pair, one regular
  expression.  For each region of the country code, in
  ``COUNTRY_CODE_TO_REGION_CODE`` order, it has an alternative
  ``(?=(?:general_desc)\\Z)(?:(premium_rate)|(toll_free)|...|(mobile))`` whose
  groups follow the order in which ``_number_type_helper`` tests the types,
  keeping only the types whose ``possible_length`` admits that length
  (FIXED_LINE_OR_MOBILE is a group with a look-ahead on the mobile pattern,
  placed before FIXED_LINE).  ``Match.lastindex`` then names the (region,
  type).  Regions with ``leading_digits`` (e.g. AG ``268`` within +1) get a
  look-ahead on those digits, and every later alternative a negative
  look-ahead, because ``_region_code_for_number_from_list`` stops at such a
  region even when the number is then invalid for it.  The ``general_desc``
  look-ahead is left out where it is proved (from the parsed patterns,
  conservatively) to be implied by the type patterns at that length;
* a table keyed by the first four digits (country codes are prefix-free, so
  this names the country code and the first national digit) and the length;
* phonenumbers.parse strips a national prefix even after ``'+'``
  (``'+44 (0)20…'`` means ``+4420…``) and applies transform rules (Madagascar,
  Jersey, NANP islands, …).  That is replicated exactly with the main region's
  ``national_prefix_for_parsing`` / ``national_prefix_transform_rule``; the
  regex is only run when the first digit can start a national prefix, which
  is worked out from the parsed pattern.

The tables are built lazily on first use and cached for the life of the
process; building them takes about a second, several on a busy machine (all
region metadata is loaded and about a thousand regular expressions are
compiled).  Call :func:`warm_up`
at start-up to pay that cost eagerly.  No Django import happens here.

Known, deliberate differences from ``phonenumbers``
---------------------------------------------------
* :func:`validate` accepts only ``'+'`` followed by ASCII digits; use
  :func:`normalize`/:func:`parse` for anything else.
* :func:`normalize` (and therefore :func:`parse`) enforces the E.164 maximum of
  15 digits.  ``phonenumbers`` considers a few longer numbers valid (some
  German, Indonesian, Japanese, Korean, Nigerian and Uruguayan ranges with up
  to 17 national digits); ``validate`` still gives libphonenumber's answer for
  them, ``parse`` rejects them as ``over_15_digits`` (``too_long`` is for longer
  digit strings that are not valid numbers at all).
"""

from __future__ import annotations

import re
import threading
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


class _InvalidNumber(NumberError):
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
_E164_MAX_CHARS = E164_MAX_DIGITS + 1

_NON_GEO = "001"
_DIGITS = frozenset("0123456789")


# --------------------------------------------------------------------------------------
# Compiled metadata
# --------------------------------------------------------------------------------------


def _noncapturing(pattern: str) -> str:
    """``pattern`` with capturing groups turned into non-capturing ones.

    The combined expressions identify the matching (region, type) by
    ``Match.lastindex``, so metadata patterns must not add groups of their own
    (none do today; this keeps that true for future metadata).
    """
    if "(" not in pattern.replace("(?", ""):
        return pattern
    out = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(" and pattern[i + 1 : i + 2] != "?":
            out.append("(?:")
            i += 1
            continue
        out.append(ch)
        i += 1
    result = "".join(out)
    if re.compile(result).groups:  # pragma: no cover - named groups in metadata
        raise ValueError(f"cannot make {pattern!r} non-capturing")
    return result


class _Typer:
    """phonenumbers' ``_number_type_helper`` for one region's metadata, as regex text."""

    __slots__ = ("general", "lengths", "metadata", "region")

    def __init__(self, region: str, metadata, cache: dict):
        self.region = region
        self.metadata = metadata
        gen = metadata.general_desc
        pattern = gen.national_number_pattern if gen is not None else None
        self.general = _compile(pattern, cache) if pattern else None
        self.lengths = tuple(gen.possible_length) if gen is not None else ()

    def accepts_length(self, length: int) -> bool:
        return self.general is not None and (not self.lengths or length in self.lengths)

    def alternatives(self, length: int) -> tuple[str, list[str]] | None:
        """Regex text matching exactly the valid numbers of ``length`` digits, with one
        capturing group per number type in the order _number_type_helper tests them;
        and the type names in group order.  None when no number has that length."""
        if not self.accepts_length(length):
            return None
        md = self.metadata

        def usable(desc):
            if desc is None or not desc.national_number_pattern:
                return None
            if desc.possible_length and length not in desc.possible_length:
                return None
            return _noncapturing(desc.national_number_pattern)

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
        general = _noncapturing(md.general_desc.national_number_pattern)
        body = "|".join(f"({pattern})" for _, pattern in parts)
        names = [name for name, _ in parts]
        type_patterns = [p for p in (fixed, mobile) if p is not None]
        type_patterns += [p for name, p in parts if name in _SPECIAL_TYPES]
        if _general_is_implied(general, type_patterns, length):
            return f"(?:{body})", names
        return f"(?=(?:{general})\\Z)(?:{body})", names


class _Country:
    """Everything needed to validate numbers of one country calling code.

    ``by_length[n]`` is ``(regex, labels)``: ``regex.fullmatch(nsn)`` succeeds
    exactly when phonenumbers considers the ``n``-digit national significant
    number valid, and ``labels[m.lastindex]`` is ``(region, number_type)`` as
    ``region_code_for_number`` / ``number_type`` report them.  For a country
    code shared by several regions the regex has one alternative per region,
    in ``COUNTRY_CODE_TO_REGION_CODE`` order: a region with ``leading_digits``
    claims every number those digits start (look-ahead), so later
    alternatives exclude them (negative look-ahead), exactly as
    ``_region_code_for_number_from_list`` stops at the first such region even
    when the number is then invalid for it.
    """

    __slots__ = (
        "by_length",
        "cc",
        "cc_str",
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

        # Region resolution steps: (typer, leading_digits or None).  With a single
        # region phonenumbers ignores leading_digits.
        single = len(regions) == 1
        self.steps = tuple(
            (typer, None if single else typer.metadata.leading_digits)
            for typer in self.typers.values()
        )
        lengths = sorted(
            {n for typer in self.typers.values() for n in typer.lengths}
            # phonenumbers.parse rejects national numbers outside [2, 17] digits.
            & set(range(_MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN + 1))
        )
        self.min_length = lengths[0] if lengths else _MIN_LENGTH_FOR_NSN
        self.by_length: dict[int, tuple[re.Pattern, tuple]] = {}
        for length in lengths:
            built = self._build(length, cache)
            if built is not None:
                self.by_length[length] = built

        # National-prefix stripping done by phonenumbers.parse (main region's metadata).
        main = self.typers.get(self.main_region)
        md = main.metadata if main is not None else None
        self.npfp = None
        self.npfp_first = frozenset()
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
                first = _first_digits(md.national_prefix_for_parsing)
                self.npfp_first = _DIGITS if first is None else first
                self.npfp_groups = self.npfp.groups
                self.transform = md.national_prefix_transform_rule or None

    def _build(self, length: int, cache: dict):
        alternatives: list[str] = []
        labels: list = [None]  # group 0 is the whole match
        claimed: list[str] = []  # leading_digits of earlier regions
        for typer, leading_digits in self.steps:
            found = typer.alternatives(length)
            if found is not None:
                text, types = found
                guard = ""
                if claimed:
                    guard += "(?!" + "|".join(f"(?:{ld})" for ld in claimed) + ")"
                if leading_digits is not None:
                    guard += f"(?=(?:{_noncapturing(leading_digits)}))"
                alternatives.append(guard + text)
                labels.extend((typer.region, t) for t in types)
            if leading_digits is not None:
                claimed.append(_noncapturing(leading_digits))
        if not alternatives:
            return None
        return _compile("|".join(alternatives), cache), tuple(labels)

    # -- phonenumbers.parse: _maybe_strip_national_prefix_carrier_code + length test --
    def strip_national_prefix(self, nn: str) -> str:
        """The national number phonenumbers.parse keeps for '+<cc><nn>' (nn or shorter)."""
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
        entry = self.by_length.get(len(nsn))
        if entry is None:
            return None
        m = entry[0].fullmatch(nsn)
        return None if m is None else entry[1][m.lastindex]

    def region_rules(self, nsn: str) -> _Typer | None:
        """The region whose rules decide ``nsn`` if it is claimed by leading digits."""
        for typer, leading_digits in self.steps:
            if leading_digits is not None and re.match(leading_digits, nsn):
                return typer
        return None

    def describe(self, region: str | None = None) -> str:
        if region is not None and len(self.regions) > 1:
            return f"+{self.cc} ({region})"
        if len(self.regions) == 1:
            if self.main_region == _NON_GEO:
                return f"+{self.cc} (non-geographic)"
            return f"+{self.cc} ({self.main_region})"
        others = len(self.regions) - 1
        return f"+{self.cc} ({self.main_region} and {others} other region{'s' * (others > 1)})"


def _compile(pattern: str, cache: dict) -> re.Pattern:
    # re.ASCII: every string matched here is ASCII digits only, for which \d means the
    # same with or without it, and ASCII matching is faster.
    rx = cache.get(pattern)
    if rx is None:
        rx = cache[pattern] = re.compile(pattern, re.ASCII)
    return rx


def _first_digits(pattern: str) -> frozenset[str] | None:
    """ASCII digits a match of ``pattern`` can start with, or None if unknown.

    A sound over-approximation: when the first digit of a string is not in the
    set, ``re.match`` cannot succeed on it.  None (always run the regex) when
    the pattern may match without consuming a digit, or is not understood.
    """
    c, items = _regex_items(pattern)
    if items is None:
        return None
    found = _prefix_walk(c, items, 1)
    if found is None or "" in found:
        return None
    return frozenset(found)


# --- Proving the general_desc check redundant --------------------------------------
#
# _number_type_helper requires a number to match general_desc before any type.
# Evaluating that pattern costs a fifth of a match, and it is usually implied by
# the type patterns: general_desc is a coarse summary such as '[2-9]\d{9}|3\d{6}'
# (US).  _general_is_implied() proves, for one length, that every string of that
# length matching a type pattern also matches general_desc; only then is the
# look-ahead left out.  The proof is conservative: anything it does not
# understand keeps the look-ahead.

_MAX_ENUMERATION = 5_000
_MAX_PREFIX = 3  # digits of general_desc prefixes used in proofs
_MAX_PRODUCTS = 500  # work budget per general_desc pattern
_UNBOUNDED = 1 << 30


def _regex_items(pattern: str):
    """(re._constants, parsed items of ``pattern``), items None if unavailable."""
    key = ("parsed", pattern)
    if key not in _PROOF_CACHE:
        try:
            from re import _constants as c
            from re import _parser
        except ImportError:  # pragma: no cover - other Python implementations
            return None, None
        try:
            _PROOF_CACHE[key] = (c, list(_parser.parse(pattern)))
        except Exception:  # pragma: no cover - defensive
            _PROOF_CACHE[key] = (c, None)
    return _PROOF_CACHE[key]


def _class_digits(c, items, over: bool) -> frozenset[str] | None:
    """ASCII digits matched by a character class (None if not understood)."""
    chars: set[str] = set()
    negate = False
    for op, av in items:
        if op is c.NEGATE:
            negate = True
        elif op is c.LITERAL:
            chars.add(chr(av))
        elif op is c.RANGE:
            chars.update(d for d in _DIGITS if av[0] <= ord(d) <= av[1])
        elif over or (op is c.CATEGORY and av is c.CATEGORY_DIGIT):
            chars.update(_DIGITS)  # over-approximating: any other class may match any digit
        else:
            return None
    chars &= _DIGITS
    return frozenset(_DIGITS - chars) if negate else frozenset(chars)


def _flatten(c, items) -> list | None:
    out = []
    for op, av in items:
        if op is c.SUBPATTERN:
            if av[1] or av[2]:  # inline flags
                return None
            inner = _flatten(c, av[-1])
            if inner is None:
                return None
            out.extend(inner)
        else:
            out.append((op, av))
    return out


def _enumerate(c, items, limit: int = _MAX_ENUMERATION) -> set[str] | None:
    """Every ASCII-digit string matched by ``items`` (None if too many / not understood)."""
    strings = {""}
    for op, av in items:
        if op is c.LITERAL:
            chars: frozenset[str] | None = frozenset({chr(av)}) & _DIGITS
        elif op is c.IN:
            chars = _class_digits(c, av, over=False)
        else:
            chars = None
        if chars is not None:
            strings = {s + ch for s in strings for ch in chars}
        elif op is c.BRANCH:
            union: set[str] = set()
            for alt in av[1]:
                sub = _enumerate(c, alt, limit)
                if sub is None:
                    return None
                union |= {s + t for s in strings for t in sub}
                if len(union) > limit:
                    return None
            strings = union
        elif op is c.SUBPATTERN and not (av[1] or av[2]):
            sub = _enumerate(c, av[-1], limit)
            if sub is None:
                return None
            strings = {s + t for s in strings for t in sub}
        elif op is c.MAX_REPEAT and av[1] <= _MAX_PREFIX:
            sub = _enumerate(c, av[2], limit)
            if sub is None:
                return None
            result = strings if av[0] == 0 else set()
            current = strings
            for count in range(1, av[1] + 1):
                current = {s + t for s in current for t in sub}
                if count >= av[0]:
                    result = result | current
                if len(result) > limit:
                    return None
            strings = result
        else:
            return None
        if len(strings) > limit or any(len(s) > _MAX_PREFIX for s in strings):
            return None
    return strings


def _digit_run(c, item) -> tuple[int, int] | None:
    """(min, max) length if ``item`` matches exactly the digit strings of those lengths."""
    op, av = item
    if op is c.IN and _class_digits(c, av, over=False) == _DIGITS:
        return 1, 1
    if op is c.MAX_REPEAT and len(av[2]) == 1:
        inner = _digit_run(c, av[2][0])
        if inner == (1, 1):
            return av[0], (_UNBOUNDED if av[1] == c.MAXREPEAT else av[1])
    return None


def _products(c, items, budget: list[int]) -> list[tuple[set[str], int, int]]:
    """Sound under-approximation of the language of ``items`` as a union of
    ``h + (any digits, between a and b of them)`` for h in H: [(H, a, b), ...].
    Dropping parts (budget exhausted, constructs not understood) stays sound."""
    budget[0] -= 1
    if budget[0] < 0:
        return []
    items = _flatten(c, items)
    if items is None:
        return []
    if len(items) == 1 and items[0][0] is c.BRANCH:
        out = []
        for alt in items[0][1][1]:
            out.extend(_products(c, list(alt), budget))
        return out
    low = high = 0
    i = len(items)
    while i > 0:
        run = _digit_run(c, items[i - 1])
        if run is None:
            break
        low, high = low + run[0], high + run[1]
        i -= 1
    head, tail = items[:i], items[i:]
    if head and head[-1][0] is c.BRANCH:
        out = []
        for alt in head[-1][1][1]:
            out.extend(_products(c, head[:-1] + list(alt) + tail, budget))
        return out
    strings = _enumerate(c, head)
    return [] if not strings else [(strings, low, high)]


def _prefixes(c, items, size: int) -> set[str] | None:
    """Sound over-approximation of the ``size``-digit prefixes of the ASCII-digit strings
    matched by ``items`` (None if not understood)."""
    found = _prefix_walk(c, items, size)
    return None if found is None else {p for p in found if len(p) == size}


def _prefix_walk(c, items, size: int) -> set[str] | None:
    """Sound over-approximation of what ``items`` can match, cut at ``size`` digits:
    complete matches shorter than ``size`` and ``size``-digit prefixes of longer ones
    (None if not understood)."""

    def walk(items, partial: set[str]) -> set[str] | None:
        for op, av in items:
            done = {p for p in partial if len(p) >= size}
            if len(done) == len(partial):
                return partial  # every string has its prefix: nothing can change
            open_ = partial - done
            if op is c.LITERAL:
                partial = done | {p + chr(av) for p in open_ if chr(av) in _DIGITS}
            elif op is c.IN:
                chars = _class_digits(c, av, over=True)
                partial = done | {p + ch for p in open_ for ch in chars}
            elif op is c.NOT_LITERAL or op is c.ANY:
                partial = done | {p + ch for p in open_ for ch in _DIGITS}
            elif op is c.AT or op is c.ASSERT or op is c.ASSERT_NOT:
                continue  # zero-width: ignoring it can only add strings
            elif op is c.SUBPATTERN:
                partial = walk(av[-1], partial)
            elif op is c.BRANCH:
                union: set[str] = set()
                for alt in av[1]:
                    sub = walk(alt, partial)
                    if sub is None:
                        return None
                    union |= sub
                partial = union
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                low, high, inner = av
                current = partial
                for _ in range(low):
                    current = walk(inner, current)
                    if current is None:
                        return None
                    if all(len(p) >= size for p in current):
                        break
                result = set(current)
                for _ in range(min(high, _UNBOUNDED) - low):
                    current = walk(inner, current)
                    if current is None:
                        return None
                    if current <= result:
                        break
                    result |= current
                partial = result
            else:
                return None
            if partial is None or len(partial) > _MAX_ENUMERATION:
                return None
        return partial

    return walk(items, {""})


def _covered_heads(general: str) -> list[tuple[str, int, int]]:
    cached = _PROOF_CACHE.get(("general", general))
    if cached is None:
        c, items = _regex_items(general)
        cached = []
        if items is not None:
            for heads, low, high in _products(c, items, [_MAX_PRODUCTS]):
                cached.extend((h, low, high) for h in heads if len(h) <= _MAX_PREFIX)
        _PROOF_CACHE[("general", general)] = cached
    return cached


def _pattern_prefixes(pattern: str, size: int) -> set[str] | None:
    key = ("prefixes", pattern, size)
    if key not in _PROOF_CACHE:
        c, items = _regex_items(pattern)
        _PROOF_CACHE[key] = None if items is None else _prefixes(c, items, size)
    return _PROOF_CACHE[key]


def _general_is_implied(general: str, patterns: list[str], length: int) -> bool:
    """True if every ``length``-digit string matching one of ``patterns`` matches ``general``."""
    covered: dict[int, set[str]] = {}
    for h, low, high in _covered_heads(general):
        if low <= length - len(h) <= high:
            covered.setdefault(len(h), set()).add(h)
    if not covered:
        return False
    size = max(covered)
    for pattern in patterns:
        prefixes = _pattern_prefixes(pattern, size)
        if prefixes is None:
            return False
        for p in prefixes:
            if not any(p[:k] in heads for k, heads in covered.items()):
                return False
    return True


# Memo for the proofs while the tables are built (cleared afterwards).
_PROOF_CACHE: dict = {}


_COUNTRIES: dict[str, _Country] | None = None
# '<first 4 digits of an E.164 number>' -> hot-path tuple
#   (index where the national number starts in '+<cc><nn>', country code,
#    whether phonenumbers.parse may strip a national prefix, by_length, _Country).
# Country calling codes are prefix-free, so 4 digits name at most one of them, and
# they include the first national digit, which decides whether stripping may apply.
# Empty until _load() fills it.
_BY_PREFIX: dict[str, tuple] = {}
# parse()'s table: _E164[len('+<digits>')]['<first 4 digits>'] ->
#   (index where the national number starts, country code, whether a national prefix
#    may be stripped, regex, labels, _Country)
# Only E.164 lengths (at most 15 digits) are present.
_E164: list[dict[str, tuple]] = [{} for _ in range(_E164_MAX_CHARS + 1)]


_LOAD_LOCK = threading.Lock()


def _load() -> dict[str, _Country]:
    """Build (once) the per-country-code tables from phonenumbers' metadata."""
    global _COUNTRIES
    if _COUNTRIES is not None:
        return _COUNTRIES
    with _LOAD_LOCK:
        if _COUNTRIES is not None:
            return _COUNTRIES
        cache: dict[str, re.Pattern] = {}
        countries = {}
        for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
            countries[str(cc)] = _Country(cc, tuple(regions), cache)
        prefixes = {}
        for n in range(10_000):
            key = f"{n:04d}"
            info = countries.get(key[:1]) or countries.get(key[:2]) or countries.get(key[:3])
            if info is not None:
                cc_len = len(info.cc_str)
                strip = info.npfp is not None and key[cc_len] in info.npfp_first
                prefixes[key] = (cc_len + 1, info.cc, strip, info.by_length, info)
                for length, (rx, labels) in info.by_length.items():
                    total = 1 + cc_len + length
                    if total <= _E164_MAX_CHARS:
                        _E164[total][key] = (cc_len + 1, info.cc, strip, rx, labels, info)
        _BY_PREFIX.update(prefixes)
        _PROOF_CACHE.clear()
        _COUNTRIES = countries
    return _COUNTRIES


def warm_up() -> None:
    """Build the metadata tables now rather than on the first call (takes ~1 s)."""
    _load()


def _country_for(digits: str) -> _Country | None:
    countries = _COUNTRIES or _load()
    return countries.get(digits[:1]) or countries.get(digits[:2]) or countries.get(digits[:3])


# --------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------


class _Builder:
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
    o = _Builder()
    o.e164 = e164
    o.country_code = cc
    o.national_number = nsn
    o.region = region
    o.number_type = number_type
    o.__class__ = ParsedNumber
    return o


def _check(e164: str) -> ParsedNumber | None:
    """Validity of e164 ('+' and ASCII digits only) per phonenumbers; None if invalid.

    Mirrors phonenumbers.parse (country code extraction, national-prefix
    stripping), region_code_for_number and _number_type_helper.  The same
    logic is inlined in parse() for speed.
    """
    fast = _BY_PREFIX.get(e164[1:5])
    if fast is None:
        if _COUNTRIES is None:
            _load()
            return _check(e164)
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


def _check_slow(e164: str, nn: str, info: _Country) -> ParsedNumber | None:
    """_check() for numbers that start with something phonenumbers.parse may strip."""
    if len(nn) < _MIN_LENGTH_FOR_NSN:
        return None
    stripped = info.strip_national_prefix(nn)
    if stripped is not nn:
        if len(e164) > _MAX_INPUT_STRING_LENGTH:
            return None
        nn = stripped
        e164 = "+" + info.cc_str + nn
    found = info.classify(nn)
    if found is None:
        return None
    return _make(e164, info.cc, nn, found[0], found[1])


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
    result = _check(e164)
    if result is None:
        raise _InvalidNumber(e164[1:])
    return result


def is_valid(e164: str) -> bool:
    """True if ``validate(e164)`` would succeed."""
    if not isinstance(e164, str) or e164[:1] != "+":
        return False
    digits = e164[1:]
    if not (digits.isdigit() and digits.isascii()):
        return False
    return _check(e164) is not None


def number_type_of(e164: str) -> str | None:
    """The number type (one of NUMBER_TYPES) of a valid ``'+<digits>'`` string, else None."""
    if not isinstance(e164, str) or e164[:1] != "+" or not _is_plain_digits(e164[1:]):
        return None
    result = _check(e164)
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
    nn = digits[len(info.cc_str) :]
    if len(nn) < _MIN_LENGTH_FOR_NSN:
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
    if n > _MAX_LENGTH_FOR_NSN or (lengths and n not in lengths):
        expected = _lengths_text(lengths)
        verb = "is" if expected == "1" else "are"
        return f"{prefix}: {n} digit{'s' * (n != 1)} where {expected} {verb} expected"
    return (
        f"{prefix}: {n} digits is a possible length, but no number of that length "
        f"starting {nn[:4]}… is allocated"
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
    # Digits with an optional leading '+', spaces allowed anywhere ('+ 44', ' 1 ').
    text = "".join(str(country_code).split())
    if text.startswith(("+", "\uff0b")):
        text = text[1:]
    if not _is_plain_digits(text) or len(text) > 3:
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
    * otherwise (no ``'+'``, no ``'00'``, no ``country_code``: ``None`` or a
      blank string) the digits are taken as already including the country
      code, like E.164 without the ``'+'``: ``'442079460000'`` ->
      ``'+442079460000'``;
    * ``raw`` may be an ``int`` (a numeric spreadsheet cell); a ``float`` is
      refused (``'scientific_notation'``): its digits cannot be trusted.

    The result is not canonicalised: ``'+44 (0)20 7946 0000'`` gives
    ``'+4402079460000'``, which :func:`validate` / :func:`parse` turn into
    ``'+442079460000'`` exactly as phonenumbers does.

    Raises NumberError with code ``'empty'``, ``'bad_characters'``,
    ``'scientific_notation'`` (Excel turned the number into a float such as
    ``'1.21E+10'``; digits were lost, so nothing is guessed),
    ``'bad_country_code'``, ``'too_short'`` (fewer national digits than any
    number of that country code has), ``'over_15_digits'`` (a number libphonenumber
    calls valid that has more than 15 digits: E.164 forbids it) or ``'too_long'``
    (more than 15 digits, and not a valid number either);
    both length rules look at the number as phonenumbers would canonicalise it,
    so ``'+44 (0)…'`` or Madagascar's 7-digit short form are not rejected.
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

    if country_code is None or (country_code.__class__ is str and not country_code.strip()):
        info = None  # a blank country-code cell counts as none
    else:
        info = _country_code_param(country_code)
    if intl or info is None:
        return _finish(None, digits)
    return _finish(None, _with_country_code(info, digits))


def _with_country_code(info: _Country, national: str) -> str:
    cc_str = info.cc_str
    plain = cc_str + national
    if info.classify(national) is not None:
        return plain
    if national.startswith(cc_str):
        full = _check("+" + national)
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
    if digits[0] == "0":
        raise NumberError(
            "bad_country_code",
            f"'{digits[:6]}…' cannot start with a country code (country codes never start "
            "with 0); without '+' or a country code, digits are read as a full international "
            "number — add '+' and the country code, or give the country code",
        )
    info = _country_for(digits)
    if info is None:
        raise NumberError(
            "bad_country_code",
            f"'+{digits[:3]}…' does not start with an assigned country calling code",
        )
    national = n - len(info.cc_str)
    if n > E164_MAX_DIGITS or national < info.min_length:
        # Lengths are judged on the number phonenumbers would keep: it may drop a
        # national prefix ('+44 (0)…') or expand a short form (+261: 7 -> 9 digits).
        canonical = _check("+" + digits) if n < _MAX_INPUT_STRING_LENGTH else None
        if canonical is not None and len(canonical.e164) <= _E164_MAX_CHARS:
            return e164 if e164 is not None else "+" + digits
        if canonical is not None:
            # The one deliberate deviation from libphonenumber: E.164's cap of 15 digits.
            raise NumberError(
                "over_15_digits",
                f"{canonical.e164} has {len(canonical.e164) - 1} digits: libphonenumber "
                f"accepts it as a number of {info.describe(canonical.region)}, but E.164 "
                f"allows at most {E164_MAX_DIGITS} digits including the country code, and "
                "didhub keeps to E.164",
            )
        if n > E164_MAX_DIGITS:
            raise NumberError(
                "too_long",
                f"{n} digits: an E.164 number has at most {E164_MAX_DIGITS} digits "
                "including the country code",
            )
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
    if country_code is None and raw.__class__ is str and raw[:1] == "+":
        # Fast path for valid E.164 input: _check() inlined, with the length and the
        # first four digits selecting the regex.  A match implies that the input is '+'
        # and ASCII digits only (the dictionary key is digits, and the patterns only
        # match ASCII digits); anything else takes the general path below.
        try:
            entry = _E164[len(raw)].get(raw[1:5])
        except IndexError:  # longer than E.164
            entry = None
        if entry is not None:
            cut, cc, strip, rx, labels, info = entry
            nn = raw[cut:]
            if not strip or info.npfp.match(nn) is None:
                m = rx.fullmatch(nn)
                if m is not None:
                    o = _Builder()
                    o.e164 = raw
                    o.country_code = cc
                    o.national_number = nn
                    o.region, o.number_type = labels[m.lastindex]
                    o.__class__ = ParsedNumber
                    return o
    e164 = normalize(raw, country_code)
    result = _check(e164)
    if result is None:
        raise _error_for(e164)
    return result


def _error_for(e164: str) -> NumberError:
    """The error for a '+<digits>' string that _check() rejected."""
    try:
        _finish(e164, e164[1:])
    except NumberError as exc:
        return exc
    return _InvalidNumber(e164[1:])
