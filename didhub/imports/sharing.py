"""Validating a large CSV upload on every core (PostgreSQL).

Validation is Python and keeps one core busy; the database ingests the staged rows on
another. On a machine with more cores a large CSV is shared out by rows: every process
reads the whole file with the same reader (so line numbers, quoting and blank lines are
exactly those of one reader), validates only its own chunks of rows, and COPYs them into
staging on its own connection. What no process sees alone, a number repeated in the
chunks of two of them, is settled afterwards as a single validator would have settled
it: the first line keeps the number and every later line is a duplicate of that line.

Helpers are forked, so they start with the numbering plans compiled and the
destination's rules read. A helper holds its staged rows in one transaction until the
import's own process has its results and says so; a helper whose parent dies rolls
back. SQLite (one writer at a time) and XLSX (one zip stream, unpacked again by every
process) are validated by one process.
"""

import contextlib
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import compress, cycle, islice
from typing import BinaryIO

import psycopg
from django.conf import settings
from django.db import connection

from didhub.core.db import is_postgresql
from didhub.imports import sql, staging
from didhub.imports.columns import DUPLICATE
from didhub.imports.readers import Table
from didhub.imports.validation import Counts, RowError, Rules, Validator, duplicate_error

# Rows in one chunk: small enough that every process gets its fair share of a file.
CHUNK_ROWS = 5_000


@dataclass
class Outcome:
    """What validating a file found: the counts, every refused row, the rows read."""

    counts: Counts
    errors: list[RowError]
    rows_read: int
    # First line of every staged number (digits as an int), while parts are settled.
    seen: dict[int, int] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, validator: Validator) -> "Outcome":
        """What one validator found (one process, or one process's share)."""
        return cls(validator.counts, validator.errors, validator.rows_read, validator.seen)


def process_count(table: Table) -> int:
    """How many processes validate this table: one unless sharing pays off and is safe.

    Sharing needs PostgreSQL, a CSV (``Table.rereadable``), no transaction around the
    validation (a helper commits its own rows) and a file of at least
    ``DIDHUB_IMPORT_SHARE_ROWS`` rows; it uses ``DIDHUB_IMPORT_PROCESSES`` processes,
    by default one per core.
    """
    if (
        not is_postgresql()
        or not table.rereadable
        or connection.in_atomic_block
        or table.estimated_rows < settings.DIDHUB_IMPORT_SHARE_ROWS
    ):
        return 1
    wanted = settings.DIDHUB_IMPORT_PROCESSES or len(os.sched_getaffinity(0))
    return max(1, min(wanted, table.estimated_rows // CHUNK_ROWS + 1))


def share(rows, index: int, processes: int):
    """The rows of one process: chunk ``index``, then every ``processes``-th chunk after it."""
    pattern = [False] * (CHUNK_ROWS * processes)
    pattern[index * CHUNK_ROWS : (index + 1) * CHUNK_ROWS] = [True] * CHUNK_ROWS
    return compress(rows, cycle(pattern))


def validate_and_stage(
    import_id: int,
    table: Table,
    rules: Rules,
    *,
    path: str = "",
    opener: Callable[[BinaryIO], Table] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Validate ``table`` and stage its valid rows; what was found.

    Sharing needs the file's ``path`` and the ``opener`` that made ``table`` of it, for
    the helpers to read it again. ``progress(rows_read)`` hears about progress between
    batches.
    """
    processes = process_count(table) if path and opener is not None else 1
    if processes == 1:
        validator = Validator(table, rules)

        def report(_written: int) -> None:
            if progress is not None:
                progress(validator.rows_read)

        staging.stage_rows(import_id, validator, after_batch=report)
        return Outcome.of(validator)
    reread = (path, opener)
    return _validate_shared(import_id, table, rules, reread, processes, progress)


def _validate_shared(import_id, table, rules, reread, processes, progress) -> Outcome:
    context = multiprocessing.get_context("fork")
    helpers_read = context.Array("q", processes, lock=False)
    helpers = []
    committed = False
    try:
        for index in range(1, processes):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_helper,
                args=(import_id, reread, rules, index, processes, theirs, ours, helpers_read),
                name=f"didhub-import-{import_id}-{index}",
                daemon=True,
            )
            process.start()
            theirs.close()
            helpers.append((process, ours))
        table.rows = share(table.rows, 0, processes)
        validator = Validator(table, rules)

        def report(_written: int) -> None:
            if progress is not None:
                progress(validator.rows_read + sum(helpers_read))

        staging.stage_rows(import_id, validator, after_batch=report)
        parts = [Outcome.of(validator)]
        for process, pipe in helpers:
            parts.append(_result(process, pipe))
        for _process, pipe in helpers:
            pipe.send("commit")
        for process, pipe in helpers:
            _result(process, pipe)
        committed = True
    finally:
        for process, pipe in helpers:
            pipe.close()
            if not committed:
                process.kill()  # its connection closes and its transaction rolls back
            process.join()
    return settle(import_id, parts, reread)


def _result(process, pipe):
    try:
        kind, value = pipe.recv()
    except EOFError:
        raise RuntimeError(f"{process.name} ended with exit code {process.exitcode}") from None
    if kind == "failed":
        raise RuntimeError(value)
    return value


def _helper(import_id, reread, rules, index, processes, pipe, parents_end, helpers_read):
    """A forked helper: validate and stage one share of the rows, commit when told to.

    It never uses a connection inherited from the parent, this thread's or another's
    (``didhub worker`` runs sender threads): it opens its own. Inherited connections
    that the fork drops are left alone, because psycopg only closes a connection in
    the process that opened it; closing one here would end the parent's session.
    """
    parents_end.close()
    path, opener = reread
    try:
        table = opener(open(path, "rb"))  # noqa: SIM115 (open until this process ends)
        table.rows = share(table.rows, index, processes)
        validator = Validator(table, rules)
        database = psycopg.connect(**connection.get_connection_params())
        with sql.copying_on(database) as copy:
            rows = iter(validator)
            while copy(staging.copy_lines(import_id, islice(rows, staging.BATCH))):
                helpers_read[index] = validator.rows_read
        helpers_read[index] = validator.rows_read
        part = Outcome.of(validator)
        pipe.send(("validated", part))
        if pipe.recv() == "commit":
            database.commit()
            pipe.send(("committed", "committed"))
    except EOFError:
        return  # the parent is gone: the transaction rolls back as this process ends
    except Exception as error:  # reported to the parent, which fails the import with it
        with contextlib.suppress(OSError):
            pipe.send(("failed", f"{type(error).__name__}: {error}"))


def settle(import_id: int, parts: list[Outcome], reread=None) -> Outcome:
    """One outcome from the parts of a shared file, duplicates across parts settled.

    A number staged by several processes stays on its first line; the later lines are
    taken out of staging and reported as duplicates of it, and every duplicate
    reported inside a process names that first line. ``reread`` (the file's path and
    opener) gives those later lines' numbers as typed.
    """
    lines: dict[int, set[int]] = {}
    for position, part in enumerate(parts):
        for other in parts[position + 1 :]:
            for number in part.seen.keys() & other.seen.keys():
                lines.setdefault(number, set()).update((part.seen[number], other.seen[number]))
    counts = Counts()
    errors: list[RowError] = []
    for part in parts:
        counts.total += part.counts.total
        counts.valid += part.counts.valid
        counts.invalid += part.counts.invalid
        counts.duplicate += part.counts.duplicate
        errors.extend(part.errors)
    first_line = {number: min(found) for number, found in lines.items()}
    later = [
        (line, f"+{number}", first_line[number])
        for number, found in lines.items()
        for line in found
        if line != first_line[number]
    ]
    staging.unstage(import_id, [(line, e164) for line, e164, _ in later])
    counts.valid -= len(later)
    counts.duplicate += len(later)
    errors = [_first_named(error, first_line) for error in errors]
    typed = _typed_numbers(reread, {line for line, _, _ in later}) if later and reread else {}
    errors.extend(
        duplicate_error(line, e164, first, typed.get(line, "")) for line, e164, first in later
    )
    # Every line belongs to one process, so ordering by line restores one reader's order;
    # the numbers of a range line are reported in the range's order, as one reader does.
    settled_lines = {line for line, _, _ in later}
    errors.sort(key=lambda error: (error.line, error.value if error.line in settled_lines else ""))
    return Outcome(counts, errors, sum(part.rows_read for part in parts))


def _first_named(error: RowError, first_line: dict[int, int]) -> RowError:
    """A duplicate reported inside one process, naming the first line over all of them."""
    if error.code != DUPLICATE or not first_line:
        return error
    first = first_line.get(int(error.number[1:]))
    if first is None:
        return error
    return duplicate_error(error.line, error.number, first, error.value)


def _typed_numbers(reread, lines: set[int]) -> dict[int, str]:
    """The Phone Number cells of some lines, as typed, read again from the file.

    Only duplicates that two processes each saw once need this, so the file is read
    again (no validation) only when there are some, and only up to the last of them.
    """
    path, opener = reread
    with open(path, "rb") as stream:
        table = opener(stream)
        index = table.keys.index("phone_number")
        # A range line's numbers were not typed one by one: they are shown as E.164.
        end = table.keys.index("range_end") if "range_end" in table.keys else None
        found: dict[int, str] = {}
        last = max(lines)
        for line, cells in table.rows:
            ranged = end is not None and end < len(cells) and cells[end].strip()
            if line in lines and index < len(cells) and not ranged:
                found[line] = cells[index]
            if line >= last:
                break
    return found
