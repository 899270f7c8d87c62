"""phonenumbers' metadata compiled into per-country-calling-code tables.

:func:`build` reads the metadata shipped with the installed ``phonenumbers``
(``PhoneMetadata`` per region and per non-geographic country code,
``COUNTRY_CODE_TO_REGION_CODE``) and returns :class:`Tables`, which the matcher uses
to check a number with two dict lookups and one ``re.fullmatch``:

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
  look-ahead is left out where the prover (:mod:`.prover`) shows it is implied
  by the type patterns at that length;
* a table keyed by the first four digits (country codes are prefix-free, so
  this names the country code and the first national digit) and the length;
* phonenumbers.parse strips a national prefix even after ``'+'``
  (``'+44 (0)20…'`` means ``+4420…``) and applies transform rules (Madagascar,
  Jersey, NANP islands, …).  That is replicated exactly with the main region's
  ``national_prefix_for_parsing`` / ``national_prefix_transform_rule``; the
  regex is only run when the first digit can start a national prefix, which
  the prover works out from the pattern (every digit when it cannot).

Building takes about half a second, several on a busy machine: all region metadata is
loaded and about a thousand regular expressions are compiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from . import prover
from .results import (
    DIGITS,
    E164_MAX_CHARS,
    MAX_LENGTH_FOR_NSN,
    MIN_LENGTH_FOR_NSN,
    NON_GEO,
    SPECIAL_TYPES,
)

__all__ = ["Country", "Tables", "Typer", "build"]


@dataclass(frozen=True, slots=True)
class Tables:
    """The compiled metadata.

    ``countries``: country code (text) -> :class:`Country`.
    ``by_prefix``: '<first 4 digits of an E.164 number>' -> (index where the national
    number starts in '+<cc><nn>', country code, whether phonenumbers.parse may strip a
    national prefix, ``Country.by_length``, the Country).  Country calling codes are
    prefix-free, so 4 digits name at most one of them, and they include the first
    national digit, which decides whether stripping may apply.
    ``by_length``: ``by_length[len('+<digits>')]['<first 4 digits>']`` -> (index where
    the national number starts, country code, whether a national prefix may be
    stripped, regex, labels, Country); only E.164 lengths (at most 15 digits).
    ``proved``: whether the prover's answers were used.
    """

    countries: dict[str, Country]
    by_prefix: dict[str, tuple]
    by_length: list[dict[str, tuple]]
    proved: bool


class _Context:
    """What one build shares: compiled regexes by pattern, and whether to prove."""

    __slots__ = ("patterns", "prove")

    def __init__(self, prove: bool):
        self.patterns: dict[str, re.Pattern] = {}
        self.prove = prove

    def compile(self, pattern: str) -> re.Pattern:
        # re.ASCII: every string matched here is ASCII digits only, for which \d means
        # the same with or without it, and ASCII matching is faster.
        rx = self.patterns.get(pattern)
        if rx is None:
            rx = self.patterns[pattern] = re.compile(pattern, re.ASCII)
        return rx

    def general_is_implied(self, general: str, patterns: list[str], length: int) -> bool:
        return self.prove and prover.general_is_implied(general, patterns, length)

    def first_digits(self, pattern: str) -> frozenset[str]:
        found = prover.first_digits(pattern) if self.prove else None
        return DIGITS if found is None else found


def build(prove: bool = True) -> Tables:
    """Compile the installed phonenumbers' metadata.

    ``prove=False`` (or a prover that is unavailable) keeps every ``general_desc``
    look-ahead and tries the national prefix on every number: the same answers, slower.
    """
    context = _Context(prove and prover.available())
    try:
        countries = {
            str(cc): Country(cc, tuple(regions), context)
            for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items()
        }
    finally:
        prover.clear_cache()
    by_prefix: dict[str, tuple] = {}
    by_length: list[dict[str, tuple]] = [{} for _ in range(E164_MAX_CHARS + 1)]
    for n in range(10_000):
        key = f"{n:04d}"
        info = countries.get(key[:1]) or countries.get(key[:2]) or countries.get(key[:3])
        if info is not None:
            cc_len = len(info.cc_str)
            strip = info.npfp is not None and key[cc_len] in info.npfp_first
            by_prefix[key] = (cc_len + 1, info.cc, strip, info.by_length, info)
            for length, (rx, labels) in info.by_length.items():
                total = 1 + cc_len + length
                if total <= E164_MAX_CHARS:
                    by_length[total][key] = (cc_len + 1, info.cc, strip, rx, labels, info)
    return Tables(countries, by_prefix, by_length, context.prove)


def noncapturing(pattern: str) -> str:
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


class Typer:
    """phonenumbers' ``_number_type_helper`` for one region's metadata, as regex text."""

    __slots__ = ("general", "lengths", "metadata", "region")

    def __init__(self, region: str, metadata, context: _Context):
        self.region = region
        self.metadata = metadata
        gen = metadata.general_desc
        pattern = gen.national_number_pattern if gen is not None else None
        self.general = context.compile(pattern) if pattern else None
        self.lengths = tuple(gen.possible_length) if gen is not None else ()

    def accepts_length(self, length: int) -> bool:
        return self.general is not None and (not self.lengths or length in self.lengths)

    def alternatives(self, length: int, context: _Context) -> tuple[str, list[str]] | None:
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
            return noncapturing(desc.national_number_pattern)

        parts = []
        for name in SPECIAL_TYPES:
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
        general = noncapturing(md.general_desc.national_number_pattern)
        body = "|".join(f"({pattern})" for _, pattern in parts)
        names = [name for name, _ in parts]
        type_patterns = [p for p in (fixed, mobile) if p is not None]
        type_patterns += [p for name, p in parts if name in SPECIAL_TYPES]
        if context.general_is_implied(general, type_patterns, length):
            return f"(?:{body})", names
        return f"(?=(?:{general})\\Z)(?:{body})", names


class Country:
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

    def __init__(self, cc: int, regions: tuple[str, ...], context: _Context):
        self.cc = cc
        self.cc_str = str(cc)
        self.regions = regions
        self.main_region = regions[0]
        self.typers: dict[str, Typer] = {}
        for region in regions:
            if region == NON_GEO:
                md = PhoneMetadata.metadata_for_nongeo_region(cc, None)
            else:
                md = PhoneMetadata.metadata_for_region(region, None)
            if md is not None:
                self.typers[region] = Typer(region, md, context)

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
            & set(range(MIN_LENGTH_FOR_NSN, MAX_LENGTH_FOR_NSN + 1))
        )
        self.min_length = lengths[0] if lengths else MIN_LENGTH_FOR_NSN
        self.by_length: dict[int, tuple[re.Pattern, tuple]] = {}
        for length in lengths:
            built = self._build(length, context)
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
                self.npfp = context.compile(md.national_prefix_for_parsing)
                self.npfp_first = context.first_digits(md.national_prefix_for_parsing)
                self.npfp_groups = self.npfp.groups
                self.transform = md.national_prefix_transform_rule or None

    def _build(self, length: int, context: _Context):
        alternatives: list[str] = []
        labels: list = [None]  # group 0 is the whole match
        claimed: list[str] = []  # leading_digits of earlier regions
        for typer, leading_digits in self.steps:
            found = typer.alternatives(length, context)
            if found is not None:
                text, types = found
                guard = ""
                if claimed:
                    guard += "(?!" + "|".join(f"(?:{ld})" for ld in claimed) + ")"
                if leading_digits is not None:
                    guard += f"(?=(?:{noncapturing(leading_digits)}))"
                alternatives.append(guard + text)
                labels.extend((typer.region, t) for t in types)
            if leading_digits is not None:
                claimed.append(noncapturing(leading_digits))
        if not alternatives:
            return None
        return context.compile("|".join(alternatives)), tuple(labels)

    # -- phonenumbers.parse: _maybe_strip_national_prefix_carrier_code + length test --
    def strip_national_prefix(self, nn: str) -> str:
        """The national number phonenumbers.parse keeps for '+<cc><nn>' (nn or shorter)."""
        candidate = self.trunk_stripped(nn)
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

    def region_rules(self, nsn: str) -> Typer | None:
        """The region whose rules decide ``nsn`` if it is claimed by leading digits."""
        for typer, leading_digits in self.steps:
            if leading_digits is not None and re.match(leading_digits, nsn):
                return typer
        return None

    def describe(self, region: str | None = None) -> str:
        if region is not None and len(self.regions) > 1:
            return f"+{self.cc} ({region})"
        if len(self.regions) == 1:
            if self.main_region == NON_GEO:
                return f"+{self.cc} (non-geographic)"
            return f"+{self.cc} ({self.main_region})"
        others = len(self.regions) - 1
        return f"+{self.cc} ({self.main_region} and {others} other region{'s' * (others > 1)})"
