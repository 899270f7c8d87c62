"""The set-based hot path of an upload: staging rows in, numbers out.

Validated rows go to ``imports_importrow`` by COPY on PostgreSQL (streamed while the
validator runs, so the database ingests them while Python validates the next ones; a
large CSV is validated and copied by several processes, see ``sharing``) and by
``executemany`` on SQLite. Everything after that is one SQL statement per step, whatever
the number of rows: marking numbers already present, finding numbers held elsewhere, and
the commit's ``INSERT … SELECT``. The statements are ``didhub.imports.sql``'s; this
module writes the rows they take.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from didhub.core.db import is_postgresql
from didhub.core.db.copy import copy_text
from didhub.imports import sql

# The steps after staging are single statements of didhub.imports.sql, named here too:
# an upload (didhub.imports.services) runs its steps through this module.
from didhub.imports.sql import (  # noqa: F401
    GIN_PENDING_LIST_KB,
    STAGE_COLUMNS,
    clear_staging,
    insert_numbers,
    mark_present,
    staged_count,
    take_unavailable,
    unstage,
)

BATCH = 50_000
ENCODED_ATTRIBUTES = 10_000


def stage_rows(
    import_id: int,
    rows: Iterable[tuple],
    *,
    batch: int = BATCH,
    after_batch: Callable[[int], None] | None = None,
) -> int:
    """Write staged rows for an import, batch by batch; returns how many.

    ``after_batch(written)`` runs between batches (progress reports), outside any COPY.
    """
    iterator = iter(rows)
    written = 0
    write = _copy_batch if is_postgresql() else _insert_batch
    while True:
        chunk = islice(iterator, batch)
        count = write(import_id, chunk)
        written += count
        if after_batch is not None:
            after_batch(written)
        if count < batch:
            return written


def _copy_batch(import_id: int, rows) -> int:
    """COPY one batch. The text is written here rather than by ``Copy.write_row``, which
    spends a microsecond a row on the client: a file repeats a few attribute
    combinations, so each is encoded once (``copy_lines``)."""
    return sql.copy_staged_here(copy_lines(import_id, rows))


def copy_lines(import_id: int, rows) -> Iterator[str]:
    """Staged rows as lines of COPY's text format (import, present, then STAGE_COLUMNS).

    The first five columns (line, E.164, country code, region, number type) come from
    the validator as digits and identifiers that need no escaping; the attribute
    columns after them are escaped, once per distinct combination.
    """
    prefix = f"{import_id}\tf\t"
    encoded: dict[tuple, str] = {}
    for row in rows:
        attributes = row[5:]
        text = encoded.get(attributes)
        if text is None:
            text = "\t".join(map(copy_text, attributes)) + "\n"
            if len(encoded) < ENCODED_ATTRIBUTES:
                encoded[attributes] = text
        yield f"{prefix}{row[0]}\t{row[1]}\t{row[2]}\t{row[3]}\t{row[4]}\t{text}"


def _insert_batch(import_id: int, rows) -> int:
    return sql.insert_staged((import_id, False, *row) for row in rows)


def store_errors(import_id: int, errors: Iterable) -> int:
    """Write an upload's refused rows (``RowError``); returns how many.

    A file can be mostly wrong: half a million refused rows go in by COPY on
    PostgreSQL and by ``executemany`` on SQLite, not one ORM object each.
    """
    return sql.store_errors(
        (import_id, error.line, error.column, error.value, error.code, error.message)
        for error in errors
    )
