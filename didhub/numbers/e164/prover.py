"""Facts about the metadata's regular expressions, proved from their parse trees.

The compiler asks two questions that make the tables faster without changing any answer:

* :func:`general_is_implied`: is a region's ``general_desc`` pattern implied, at one
  length, by its type patterns?  ``_number_type_helper`` requires a number to match
  ``general_desc`` before any type; evaluating that look-ahead costs a fifth of a
  match, and ``general_desc`` is usually a coarse summary such as ``'[2-9]\\d{9}|3\\d{6}'``
  (US).  Only when it is proved is the look-ahead left out.
* :func:`first_digits`: which digits can a ``national_prefix_for_parsing`` match start
  with?  Numbers whose first national digit is not among them skip that regex.

Both answers come from CPython's parse trees (``re._parser``, ``re._constants``), a
private interface.  It is the same for every pattern of the metadata on 3.11, 3.12 and
3.13, but may change.  So the prover checks itself before its first answer
(:func:`available`: known answers over every construct it reads), and every answer
is conservative: anything not understood, any error, or a failed self-check gives
"not proved" (False) or "unknown" (None), which makes the compiler keep the look-ahead
and always try the national prefix.  The tables are then exactly as correct, only
slower (about 9 % fewer numbers a second; docs/performance.md).
"""

from __future__ import annotations

import logging
import threading

from .results import DIGITS

__all__ = [
    "available",
    "class_digits",
    "clear_cache",
    "first_digits",
    "general_is_implied",
    "reset",
    "unavailable_reason",
]

logger = logging.getLogger(__name__)

_MAX_ENUMERATION = 5_000
_MAX_PREFIX = 3  # digits of general_desc prefixes used in proofs
_MAX_PRODUCTS = 500  # work budget per general_desc pattern
_UNBOUNDED = 1 << 30

# Memo for the proofs while the tables are built (cleared afterwards by the compiler).
_CACHE: dict = {}
# "modules": (re._constants, re._parser) once self-checked, None when off (absent until
# the first question); "reason": why it is off; "trees": the modules the proofs read,
# set just before the self-check.
_STATE: dict = {}
_LOCK = threading.Lock()


def _modules():
    """(re._constants, re._parser), or None when missing or failing the self-check."""
    if "modules" not in _STATE:
        with _LOCK:
            if "modules" not in _STATE:
                modules, reason = _checked_modules()
                _STATE["reason"] = reason
                _STATE["modules"] = modules
                if modules is None:
                    logger.warning(
                        "e164: regex proofs are off (%s); validation stays exact but is slower",
                        reason,
                    )
    return _STATE["modules"]


def _checked_modules():
    """((re._constants, re._parser), None) if they pass the self-check, else (None, why)."""
    try:
        from re import _constants, _parser
    except ImportError:
        return None, "re._parser is not available"
    _STATE["trees"] = (_constants, _parser)
    reason = _self_check()
    return (None, reason) if reason is not None else ((_constants, _parser), None)


def available() -> bool:
    """True when the prover's answers are used (re._parser present and self-checked)."""
    return _modules() is not None


def unavailable_reason() -> str | None:
    """Why :func:`available` is False, or None."""
    _modules()
    return _STATE.get("reason")


def reset() -> None:
    """Forget the self-check and the memo (the next question runs the self-check again)."""
    _STATE.clear()
    _CACHE.clear()


def clear_cache() -> None:
    """Drop the memo of parsed patterns and proofs (kept only while tables are built)."""
    _CACHE.clear()


# Known answers over every construct the prover reads: literals, ranges, \d, negated
# classes, branches, capturing groups, bounded and unbounded repeats, optional parts.
# A parse tree of another shape fails at least one of them.
_IMPLIED = (
    (r"[2-9]\d{9}", [r"212\d{7}", r"(?:8(?:00|88)|9[0-9]{2})\d{7}"], 10, True),
    (r"[2-9]\d{9}", [r"1\d{9}"], 10, False),
    (r"[2-9]\d{9}", [r"[2-9]\d{8}"], 10, True),  # nothing of length 10 matches it
    (r"[2-8]\d{9}", [r"[2-9]\d{9}"], 10, False),
    (r"[2-9]\d{9}|3\d{6}", [r"3\d{6}"], 7, True),
    (r"[2-9]\d{9}|3\d{6}", [r"4\d{6}"], 7, False),
    (r"(?:[1-689]\d|7[0-8])\d{7}", [r"7[0-8]\d{7}", r"6\d{8}"], 9, True),
    (r"(?:[1-689]\d|7[0-8])\d{7}", [r"79\d{7}"], 9, False),
    (r"[^01]\d{5,7}", [r"5\d{6}"], 7, True),
    (r"[^01]\d{5,7}", [r"1\d{6}"], 7, False),
    (r"([2-9]\d)\d{8}", [r"2\d{9}"], 10, True),
    (r"([2-9]\d)\d{8}", [r"(1)\d{9}"], 10, False),
    (r"8\d{3,}", [r"8[1-3]\d{4}"], 6, True),
    (r"8\d{3,}", [r"9\d{5}"], 6, False),
    (r"(?:2|5\d)\d{4}", [r"5[0-4]?\d{4}"], 6, True),
    (r"(?:2|5\d)\d{4}", [r"6?\d{5}"], 6, False),
)
_FIRST = (
    (r"0|1", frozenset("01")),
    (r"0(?:8|10)?", frozenset("0")),
    (r"[2-4]\d|8(?:1|2)", frozenset("2348")),
    (r"[^0-7]", frozenset("89")),
    (r"\d", DIGITS),
    (r"0?(\d{3})", DIGITS),
    (r"0?", None),  # may match without consuming a digit
)


def _self_check() -> str | None:
    """None if the parse trees answer the known questions as expected, else why not."""
    try:
        for general, patterns, length, expected in _IMPLIED:
            if _general_is_implied(general, patterns, length) is not expected:
                return f"self-check: {general!r} at {length} digits did not give {expected}"
        for pattern, expected in _FIRST:
            got = _first_digits(pattern)
            if got != expected:
                return f"self-check: first digits of {pattern!r} gave {got}, not {expected}"
    except Exception as exc:  # a changed parse tree may fail in any way
        return f"self-check: {type(exc).__name__}: {exc}"
    finally:
        _CACHE.clear()
    return None


def general_is_implied(general: str, patterns: list[str], length: int) -> bool:
    """True only if proved that every ``length``-digit string matching one of
    ``patterns`` matches ``general``."""
    if _modules() is None:
        return False
    try:
        return _general_is_implied(general, patterns, length)
    except Exception:  # not understood: not proved
        return False


def first_digits(pattern: str) -> frozenset[str] | None:
    """ASCII digits a match of ``pattern`` can start with, or None if unknown.

    A sound over-approximation: when the first digit of a string is not in the
    set, ``re.match`` cannot succeed on it.  None (always run the regex) when
    the pattern may match without consuming a digit, or is not understood.
    """
    if _modules() is None:
        return None
    try:
        return _first_digits(pattern)
    except Exception:  # not understood: unknown
        return None


def class_digits(items) -> frozenset[str] | None:
    """ASCII digits matched by the character class ``items`` of a parse tree."""
    c = _modules()[0]
    return _class_digits(c, items, over=False)


# --------------------------------------------------------------------------------------
# The proofs, on parse trees
# --------------------------------------------------------------------------------------


def _first_digits(pattern: str) -> frozenset[str] | None:
    c, items = _regex_items(pattern)
    if items is None:
        return None
    found = _prefix_walk(c, items, 1)
    if found is None or "" in found:
        return None
    return frozenset(found)


def _regex_items(pattern: str):
    """(re._constants, parsed items of ``pattern``), items None if not parsed."""
    key = ("parsed", pattern)
    if key not in _CACHE:
        c, parser = _STATE["trees"]
        try:
            _CACHE[key] = (c, list(parser.parse(pattern)))
        except Exception:
            _CACHE[key] = (c, None)
    return _CACHE[key]


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
            chars.update(d for d in DIGITS if av[0] <= ord(d) <= av[1])
        elif over or (op is c.CATEGORY and av is c.CATEGORY_DIGIT):
            chars.update(DIGITS)  # over-approximating: any other class may match any digit
        else:
            return None
    chars &= DIGITS
    return frozenset(DIGITS - chars) if negate else frozenset(chars)


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
            chars: frozenset[str] | None = frozenset({chr(av)}) & DIGITS
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
    if op is c.IN and _class_digits(c, av, over=False) == DIGITS:
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
                partial = done | {p + chr(av) for p in open_ if chr(av) in DIGITS}
            elif op is c.IN:
                chars = _class_digits(c, av, over=True)
                partial = done | {p + ch for p in open_ for ch in chars}
            elif op is c.NOT_LITERAL or op is c.ANY:
                partial = done | {p + ch for p in open_ for ch in DIGITS}
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
    cached = _CACHE.get(("general", general))
    if cached is None:
        c, items = _regex_items(general)
        cached = []
        if items is not None:
            for heads, low, high in _products(c, items, [_MAX_PRODUCTS]):
                cached.extend((h, low, high) for h in heads if len(h) <= _MAX_PREFIX)
        _CACHE[("general", general)] = cached
    return cached


def _pattern_prefixes(pattern: str, size: int) -> set[str] | None:
    key = ("prefixes", pattern, size)
    if key not in _CACHE:
        c, items = _regex_items(pattern)
        _CACHE[key] = None if items is None else _prefixes(c, items, size)
    return _CACHE[key]


def _general_is_implied(general: str, patterns: list[str], length: int) -> bool:
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
