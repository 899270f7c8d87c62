"""The regex prover of didhub.numbers.e164: its proofs are sound, and without it (no
``re._parser``, or parse trees of another shape) the tables give the same answers.

No database.
"""

from __future__ import annotations

import random
import re
import sys

import phonenumbers
import pytest

from didhub.numbers.e164 import NUMBER_TYPES, compiler, matcher, prover
from didhub.numbers.e164.results import DIGITS
from didhub.numbers.tests.e164_reference import EXAMPLES, assert_same, mutate


@pytest.fixture
def fresh_prover():
    """The prover runs its self-check again on its next question, and again after."""
    prover.reset()
    yield
    prover.reset()


@pytest.fixture
def tables_in_use():
    """Whatever tables a test puts in use, the proved ones are back afterwards."""
    before = matcher.tables()
    yield
    matcher.use(before)


def test_the_prover_checks_itself_and_is_on_here(fresh_prover):
    assert prover.available()
    assert prover.unavailable_reason() is None
    assert compiler.build().proved


def test_general_desc_shortcut_is_sound():
    """Where the general_desc look-ahead is left out, strings drawn at random from every
    type pattern of that length still match general_desc."""
    from re import _constants as c
    from re import _parser

    rng = random.Random(99)

    def sample(items, out):
        for op, av in items:
            if op is c.LITERAL:
                out.append(chr(av))
            elif op is c.IN:
                out.append(rng.choice(sorted(prover.class_digits(av))))
            elif op is c.BRANCH:
                sample(rng.choice(av[1]), out)
            elif op is c.SUBPATTERN:
                sample(av[-1], out)
            else:
                assert op is c.MAX_REPEAT
                for _ in range(rng.randint(av[0], min(av[1], av[0] + 16))):
                    sample(av[2], out)

    fields = ("fixed_line", "mobile", *(t for t in NUMBER_TYPES if "fixed" not in t))
    proved = checked = 0
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            if region == "001":
                metadata = phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
            else:
                metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
            general = metadata.general_desc.national_number_pattern
            for length in metadata.general_desc.possible_length:
                patterns = []
                for field in fields:
                    desc = getattr(metadata, field, None)
                    if desc is None or not desc.national_number_pattern:
                        continue
                    if not desc.possible_length or length in desc.possible_length:
                        patterns.append(desc.national_number_pattern)
                if not patterns or not prover.general_is_implied(general, patterns, length):
                    continue
                proved += 1
                general_rx = re.compile(general)
                for pattern in patterns:
                    items = list(_parser.parse(pattern))
                    for _ in range(25):
                        out: list[str] = []
                        sample(items, out)
                        candidate = "".join(out)
                        if len(candidate) == length:
                            checked += 1
                            assert general_rx.fullmatch(candidate), (region, pattern, candidate)
    assert proved > 100 and checked > 5_000


def test_first_digits_of_every_national_prefix_are_sound():
    """A national prefix never matches a number whose first digit the prover left out."""
    rng = random.Random(7)
    tables = matcher.tables()
    skipping = 0
    for country in tables.countries.values():
        if country.npfp is None or country.npfp_first == DIGITS:
            continue
        skipping += 1
        for first in sorted(DIGITS - country.npfp_first):
            for _ in range(50):
                tail = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 16)))
                assert country.npfp.match(first + tail) is None, (country.cc, first + tail)
    assert skipping > 100


def _agree_with_libphonenumber(tables) -> None:
    matcher.use(tables)
    rng = random.Random(4321)
    for number in EXAMPLES:
        assert_same(number)
        for _ in range(4):
            assert_same(mutate(rng, number))


def _assert_unproved(tables) -> None:
    """Every general_desc look-ahead kept and the national prefix tried on every digit."""
    plain = compiler.build(prove=False)
    assert not tables.proved
    for code, country in tables.countries.items():
        expected = plain.countries[code]
        assert country.npfp is None or country.npfp_first == DIGITS, code
        for length, (rx, labels) in country.by_length.items():
            assert rx.pattern == expected.by_length[length][0].pattern, (code, length)
            assert labels == expected.by_length[length][1]


def test_tables_built_without_the_prover_give_the_same_answers(tables_in_use):
    tables = compiler.build(prove=False)
    proved = compiler.build()
    dropped = sum(
        rx.pattern != proved.countries[code].by_length[length][0].pattern
        for code, country in tables.countries.items()
        for length, (rx, _) in country.by_length.items()
    )
    assert dropped > 100  # the proofs leave out look-aheads: this test compares something
    _assert_unproved(tables)
    _agree_with_libphonenumber(tables)


def test_without_re_parser_the_prover_is_off_and_answers_stay_exact(
    monkeypatch, fresh_prover, tables_in_use
):
    with monkeypatch.context() as patch:
        patch.delattr(re, "_parser")
        patch.setitem(sys.modules, "re._parser", None)  # so importing it fails
        assert not prover.available()
        assert "re._parser is not available" in prover.unavailable_reason()
        assert prover.general_is_implied(r"[2-9]\d{9}", [r"212\d{7}"], 10) is False
        assert prover.first_digits("0") is None
        tables = compiler.build()
    _assert_unproved(tables)
    _agree_with_libphonenumber(tables)


class _ParserOfAnotherShape:
    """re._parser as the prover sees it, with parse() giving trees of another shape
    (everything else, which re itself uses, left as it is)."""

    def __init__(self, change):
        from re import _parser

        self._real = _parser
        self._change = change

    def parse(self, pattern, *args):
        return self._change(list(self._real.parse(pattern, *args)))

    def __getattr__(self, name):
        return getattr(self._real, name)


def _renamed_opcodes(tree):
    """A parse tree whose opcodes are other objects (as a new CPython could make them)."""
    return [(str(op), _renamed_opcodes(av) if isinstance(av, list) else av) for op, av in tree]


def _swapped_repeat_bounds(tree):
    """A parse tree whose repeats read (max, min, items) instead of (min, max, items)."""
    from re import _constants as c

    out = []
    for op, av in tree:
        if op is c.MAX_REPEAT:
            av = (av[1], av[0], _swapped_repeat_bounds(av[2]))
        elif op is c.SUBPATTERN:
            av = (*av[:-1], _swapped_repeat_bounds(av[-1]))
        elif op is c.BRANCH:
            av = (av[0], [_swapped_repeat_bounds(alt) for alt in av[1]])
        out.append((op, av))
    return out


def _failing(tree):
    raise TypeError("parse() wants another argument")


@pytest.mark.parametrize("change", [_renamed_opcodes, _swapped_repeat_bounds, _failing])
def test_parse_trees_of_another_shape_turn_the_prover_off(
    monkeypatch, fresh_prover, tables_in_use, change
):
    with monkeypatch.context() as patch:
        patch.setattr(re, "_parser", _ParserOfAnotherShape(change))
        assert not prover.available()
        assert prover.unavailable_reason().startswith("self-check")
        tables = compiler.build()
    _assert_unproved(tables)
    _agree_with_libphonenumber(tables)
