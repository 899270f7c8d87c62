"""Row validation: every cell of every row read, normalized, or refused with a reason.

This is the hot path of an upload (a million rows in a few seconds), so it works on
plain tuples, looks cells up by position and calls ``didhub.numbers.e164`` once per
number. It needs no database: what it must know about the destination (its country,
its calling profiles, the column defaults) comes in :class:`Rules`, empty for
``didhub numbers check``. Checks against the inventory (present, not available) are set-based
and happen after, in ``didhub.imports.staging``.
"""

import operator
from collections.abc import Iterator
from dataclasses import dataclass, field

from didhub.imports.columns import COLUMNS_BY_KEY, DUPLICATE, MAX_CELL
from didhub.imports.readers import Table
from didhub.numbers import attributes, e164
from didhub.numbers.attributes import Invalid
from didhub.numbers.placement import CountryRule

MEMO_SIZE = 10_000
ATTRIBUTE_KEYS = frozenset(attributes.KEYS)
MAX_ERROR_VALUE = 255

_INTERNATIONAL_STARTS = ("+", "00", "\uff0b")
_LEADING_NOISE = " '\u2018\u2019\t\u00a0"
# What people type between digits and e164.normalize() ignores; the fast path drops them
# too and then accepts only what the full parse would give (see ``fast_row``).
_SEPARATORS = str.maketrans("", "", " -./()")


@dataclass(frozen=True)
class RowError:
    """One refused row (or number of a range): where, which column, what, and why."""

    line: int
    column: str
    value: str
    code: str
    message: str
    # For a duplicate: the E.164 number it repeats (``value`` is the cell as typed).
    number: str = ""


@dataclass
class Rules:
    """What the validator must know about the destination account.

    ``country_code``: the calling code the destination's location country demands
    (docs/domain.md, "The account tree"), also the default for rows without one.
    ``calling_profiles``: usable calling profiles by lower-case name, or None when they
    cannot be checked (no database). ``defaults``: text used for a column whose cell is
    blank or missing.
    ``max_range``: the most numbers a Range End row may stand for (DIDHUB_MAX_RANGE).
    """

    country_code: int | None = None
    country: str = ""
    calling_profiles: dict[str, int] | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    max_range: int = attributes.MAX_RANGE


# A staged row, in the order of didhub.imports.staging.STAGE_COLUMNS.
StagedRow = tuple


@dataclass
class Counts:
    total: int = 0
    valid: int = 0
    invalid: int = 0
    duplicate: int = 0


def duplicate_error(line: int, e164: str, first: int, typed: str = "") -> RowError:
    """A number repeated on ``line``: the file holds it already on line ``first``.

    The value is the cell as typed (a person finds ``(212) 555-0100`` in the file, not
    ``+12125550100``); the message names the number both lines stand for.
    """
    header = COLUMNS_BY_KEY["phone_number"].header
    typed = typed.strip()
    if typed and typed != e164:
        message = f"{typed} is {e164}, already on line {first}."
    else:
        message = f"{e164} is already on line {first}."
    return RowError(line, header, shown(typed or e164), DUPLICATE, message, e164)


def shown(value: str) -> str:
    """A cell value as stored in a report: printable, at most 255 characters."""
    text = value.replace("\x00", "\\x00")
    return text if len(text) <= MAX_ERROR_VALUE else text[: MAX_ERROR_VALUE - 1] + "…"


class Validator:
    """Validates the rows of a table, yielding staged rows and collecting the rest.

    ``errors`` receives every refused row and every duplicate (code ``duplicate``,
    naming the line of the first occurrence); ``counts`` always add up:
    ``valid + invalid + duplicate == total``.
    """

    def __init__(self, table: Table, rules: Rules | None = None):
        self.table = table
        self.rules = rules or Rules()
        self.counts = Counts()
        self.errors: list[RowError] = []
        self.rows_read = 0
        # First line of every number accepted, keyed by its digits as an int (compact).
        self.seen: dict[int, int] = {}
        self.position = {key: index for index, key in enumerate(table.keys) if key}
        self.attribute_positions = tuple(
            index for key, index in self.position.items() if key in ATTRIBUTE_KEYS
        )
        self.memo: dict[tuple, tuple[tuple, list]] = {}
        # The attribute cells of a full-width row as one tuple, the memo's key.
        positions = self.attribute_positions
        if len(positions) > 1:
            self.attribute_key = operator.itemgetter(*positions)
        else:
            self.attribute_key = lambda cells: tuple(cells[index] for index in positions)
        self.width = max(self.position.values(), default=0) + 1
        defaults = dict(self.rules.defaults)
        if self.rules.country_code and not defaults.get("country_code"):
            defaults["country_code"] = str(self.rules.country_code)
        self.defaults = defaults
        self.default_cc = defaults.get("country_code", "")

    def cell(self, cells: list[str], key: str) -> str:
        index = self.position.get(key)
        value = cells[index].strip() if index is not None and index < len(cells) else ""
        return value or self.defaults.get(key, "")

    def given(self, cells: list[str], key: str) -> bool:
        """Whether the row itself has a value for ``key`` (not the upload's default)."""
        index = self.position.get(key)
        return index is not None and index < len(cells) and bool(cells[index].strip())

    def __iter__(self) -> Iterator[StagedRow]:
        fast = self.fast_row
        check_row = self.check_row
        for line, cells in self.table.rows:
            self.rows_read += 1
            row = fast(line, cells)
            if row is not None:
                yield row
            else:
                yield from check_row(line, cells)

    def fast_row(self, line: int, cells: list[str]) -> StagedRow | None:
        """The common case in a few steps: a plain row with a new, valid number.

        Returns None, having changed nothing, for anything else; ``check_row`` then
        decides (and explains) it the long way.
        """
        position = self.position
        if len(cells) < self.width or max(map(len, cells)) > MAX_CELL:
            return None
        range_end = position.get("range_end")
        if range_end is not None and cells[range_end].strip():
            return None
        found = self.memo.get(self.attribute_key(cells))
        if found is None or found[1]:
            return None
        text = cells[position["phone_number"]].strip()
        if not text.isdigit():
            if text.endswith(".0"):
                return None  # maybe a number that went through a float: normalize() decides
            text = text.translate(_SEPARATORS)
        index = position.get("country_code")
        cc_text = (cells[index].strip() if index is not None else "") or self.default_cc
        if cc_text:
            if not (cc_text.isdigit() and text.isdigit() and cc_text.isascii() and text.isascii()):
                return None
            candidate = f"+{cc_text}{text}"
        elif text[:1] == "+":
            candidate = text
        else:
            return None
        try:
            parsed = e164.parse(candidate)
        except e164.NumberError:
            return None
        if cc_text and parsed.national_number != text:
            return None
        wanted = self.rules.country_code
        if wanted and parsed.country_code != wanted:
            return None
        number = int(parsed.e164[1:])
        if number in self.seen:
            return None
        self.seen[number] = line
        counts = self.counts
        counts.total += 1
        counts.valid += 1
        return (
            line,
            parsed.e164,
            parsed.country_code,
            parsed.region,
            parsed.number_type,
            *found[0],
        )

    def fail(self, line: int, problems: list[tuple[str, str, str, str]], size: int = 1):
        self.counts.total += size
        self.counts.invalid += size
        for key, value, code, message in problems:
            header = COLUMNS_BY_KEY[key].header if key in COLUMNS_BY_KEY else key
            self.errors.append(RowError(line, header, shown(value), code, message))

    def row_attributes(self, cells: list[str]) -> tuple[tuple, list]:
        """The row's attributes and their problems, memoized: files repeat a few combinations."""
        key = tuple(
            cells[index] if index < len(cells) else "" for index in self.attribute_positions
        )
        found = self.memo.get(key)
        if found is None:
            problems: list[tuple[str, str, str, str]] = []
            found = (self.attributes(cells, problems), problems)
            if len(self.memo) < MEMO_SIZE:
                self.memo[key] = found
        return found

    def check_row(self, line: int, cells: list[str]) -> Iterator[StagedRow]:
        if max(map(len, cells), default=0) > MAX_CELL:
            index = next(i for i, value in enumerate(cells) if len(value) > MAX_CELL)
            key = self.table.keys[index] if index < len(self.table.keys) else None
            size = len(cells[index])
            self.fail(
                line,
                [
                    (
                        key or f"column {index + 1}",
                        cells[index][:40],
                        "cell_too_long",
                        f"A cell of {size:,} characters; at most {MAX_CELL:,} are read.",
                    )
                ],
            )
            return
        attributes, attribute_problems = self.row_attributes(cells)
        problems = list(attribute_problems)
        number_text = self.cell(cells, "phone_number")
        cc_text = self.cell(cells, "country_code")
        end_text = self.cell(cells, "range_end")
        first = self.number(number_text, cc_text, problems)
        if end_text:
            last = self.number(end_text, cc_text, problems, key="range_end")
            if problems:
                self.fail(line, problems)
                return
            yield from self.check_range(line, first, last, end_text, attributes)
            return
        if problems:
            self.fail(line, problems)
            return
        yield from self.accept(line, first, attributes, number_text)

    def number(self, text, cc_text, problems, key="phone_number"):
        if not text:
            problems.append((key, text, "empty", "The phone number is blank."))
            return None
        if not cc_text and not text.lstrip(_LEADING_NOISE).startswith(_INTERNATIONAL_STARTS):
            problems.append(
                (
                    key,
                    text,
                    "missing_country_code",
                    "A national number needs a Country Code (or write the number with '+' "
                    "and its country code).",
                )
            )
            return None
        parsed = None
        if cc_text.isdigit() and text.isdigit() and cc_text.isascii() and text.isascii():
            # Fast path: country code + plain national digits that are valid as they are
            # (what normalize() would keep too); anything else takes the full parse below.
            try:
                candidate = e164.parse(f"+{cc_text}{text}")
            except e164.NumberError:
                candidate = None
            if candidate is not None and candidate.national_number == text:
                parsed = candidate
        try:
            if parsed is None:
                parsed = e164.parse(text, cc_text or None)
        except e164.NumberError as error:
            column = "country_code" if error.code == "bad_country_code" and cc_text else key
            problems.append(
                (
                    column,
                    cc_text if column == "country_code" else text,
                    error.code,
                    error.message[0].upper() + error.message[1:],
                )
            )
            return None
        wanted = self.rules.country_code
        if wanted and parsed.country_code != wanted:
            problems.append(
                (
                    key,
                    text,
                    "wrong_country",
                    CountryRule(self.rules.country, wanted).reason(parsed.country_code),
                )
            )
            return None
        return parsed

    def attributes(self, cells, problems) -> tuple:
        """The row's attributes as staged: every column but the number's.

        Each cell is read by ``didhub.numbers.attributes``; a cell that breaks a rule
        adds a problem and stands as its default, so that every problem of the row is
        reported at once.
        """

        def read(key, reader, *args):
            text = self.cell(cells, key)
            try:
                return reader(*args, text)
            except Invalid as error:
                problems.append((key, text, error.code, error.message))
                return attributes.DEFAULTS[key]

        voice, sms, fax = (read(key, attributes.read_flag, key) for key in attributes.FLAGS)
        known = len(problems)
        route = read("route", attributes.read_route)
        if not voice and not self.given(cells, "route"):
            # A default route is for the voice numbers of the upload (an export mixes
            # voice and SMS-only numbers): a number without voice keeps none.
            route = ""
        if len(problems) == known and (rule := attributes.route_rule(voice, route)):
            problems.append(("route", self.cell(cells, "route"), rule.code, rule.message))
        usage = read("usage", attributes.read_usage)
        cac = attributes.cac_for(usage, read("cac_limit", attributes.read_cac))
        profile_id = None
        profile_text = self.cell(cells, "calling_profile")
        if profile_text:
            profile_name = read("calling_profile", attributes.read_text, "calling_profile")
            profiles = self.rules.calling_profiles
            if profile_name and profiles is not None:
                profile_id = profiles.get(profile_name.lower())
                if profile_id is None:
                    problems.append(
                        (
                            "calling_profile",
                            profile_text,
                            "unknown_calling_profile",
                            f"No calling profile named {profile_name!r} is available to "
                            "this account.",
                        )
                    )
        texts = (
            read(key, attributes.read_tags)
            if key == "tags"
            else read(key, attributes.read_text, key)
            for key in attributes.TEXTS
        )
        return (voice, sms, fax, route, usage, cac, profile_id, *texts)

    def accept(self, line, parsed, attributes, typed="") -> Iterator[StagedRow]:
        self.counts.total += 1
        key = int(parsed.e164[1:])
        first = self.seen.get(key)
        if first is not None:
            self.counts.duplicate += 1
            self.errors.append(duplicate_error(line, parsed.e164, first, typed))
            return
        self.seen[key] = line
        self.counts.valid += 1
        yield (
            line,
            parsed.e164,
            parsed.country_code,
            parsed.region,
            parsed.number_type,
            *attributes,
        )

    def check_range(self, line, first, last, end_text, values) -> Iterator[StagedRow]:
        problem = attributes.range_problem(
            first.e164,
            last.e164,
            limit=self.rules.max_range,
            same_country=first.country_code == last.country_code,
        )
        if problem:
            self.fail(line, [("range_end", end_text, "bad_range", problem)])
            return
        start, end = int(first.e164[1:]), int(last.e164[1:])
        header = COLUMNS_BY_KEY["phone_number"].header
        for digits in range(start, end + 1):
            text = f"+{digits}"
            try:
                parsed = e164.validate(text)
            except e164.NumberError as error:
                self.counts.total += 1
                self.counts.invalid += 1
                self.errors.append(
                    RowError(
                        line, header, text, error.code, error.message[0].upper() + error.message[1:]
                    )
                )
                continue
            yield from self.accept(line, parsed, values)
