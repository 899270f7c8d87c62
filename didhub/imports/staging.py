"""The set-based hot path of an upload: staging rows in, numbers out.

Validated rows go to ``imports_importrow`` by COPY on PostgreSQL (streamed while the
validator runs, so the database ingests them while Python validates the next ones; a
large CSV is validated and copied by several processes, see ``sharing``) and by
``executemany`` on SQLite. Everything after that is one SQL statement per step, whatever
the number of rows: marking numbers already present, finding numbers held elsewhere, and
the commit's ``INSERT … SELECT``.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db import connection, transaction

from didhub.imports.models import ImportRowError
from didhub.numbers import attributes

# The number's columns, then its attributes in the order the validator stages them
# (didhub.imports.validation.Validator.attributes): flags, route, usage, CAC, calling
# profile, then the texts of didhub.numbers.attributes.
STAGE_COLUMNS = (
    "line",
    "e164",
    "country_code",
    "region",
    "number_type",
    *attributes.FLAGS,
    "route",
    "usage",
    "cac_limit",
    "calling_profile_id",
    *attributes.TEXTS,
)
# The text attributes in the commit's INSERT … SELECT: as columns, and as staged values.
TEXT_COLUMNS = ", ".join(attributes.TEXTS)
STAGED_TEXTS = ", ".join(f"s.{key}" for key in attributes.TEXTS)
ERROR_COLUMNS = ("import_run_id", "line", "column", "value", "code", "message")
BATCH = 50_000
COPY_BUFFER_ROWS = 10_000
ENCODED_ATTRIBUTES = 10_000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# PostgreSQL: the trigram index behind digit search, and its pending list (kB) during a
# commit: 256 MB holds the trigrams of about a million numbers.
TRIGRAM_INDEX = "number_e164_trgm"
GIN_PENDING_LIST_KB = 256 * 1024


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
    write = _copy_batch if connection.vendor == "postgresql" else _insert_batch
    while True:
        chunk = islice(iterator, batch)
        count = write(import_id, chunk)
        written += count
        if after_batch is not None:
            after_batch(written)
        if count < batch:
            return written


def _copy_batch(import_id: int, rows) -> int:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        return copy_rows(cursor.cursor, import_id, rows)  # the psycopg 3 cursor under Django's


def copy_rows(cursor, import_id: int, rows) -> int:
    """COPY staged rows through a psycopg cursor; returns how many.

    The text is written here rather than by ``Copy.write_row``, which spends a
    microsecond a row on the client: a file repeats a few attribute combinations,
    so each is encoded once.
    """
    columns = ", ".join(("import_run_id", "present", *STAGE_COLUMNS))
    count = 0
    with cursor.copy(f"COPY imports_importrow ({columns}) FROM STDIN") as copy:
        buffer = []
        for line in copy_lines(import_id, rows):
            buffer.append(line)
            if len(buffer) == COPY_BUFFER_ROWS:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        copy.write("".join(buffer))
        count += len(buffer)
    return count


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


def copy_text(value) -> str:
    """One value in COPY's text format: NULL, a boolean, or escaped text."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).translate(_COPY_ESCAPES)


def _insert_batch(import_id: int, rows) -> int:
    values = [(import_id, False, *row) for row in rows]
    if values:
        columns = ", ".join(("import_run_id", "present", *STAGE_COLUMNS))
        marks = ", ".join(["%s"] * (len(STAGE_COLUMNS) + 2))
        # One transaction per batch: in autocommit SQLite would commit every row.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO imports_importrow ({columns}) VALUES ({marks})", values
            )
    return len(values)


def store_errors(import_id: int, errors: Iterable) -> int:
    """Write an upload's refused rows (``RowError``); returns how many.

    A file can be mostly wrong: half a million refused rows go in by COPY on
    PostgreSQL and by ``executemany`` on SQLite, not one ORM object each.
    """
    rows = [
        (import_id, error.line, error.column, error.value, error.code, error.message)
        for error in errors
    ]
    if not rows:
        return 0
    table = ImportRowError._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ERROR_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(ERROR_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    return len(rows)


def unstage(import_id: int, rows: list[tuple[int, str]]) -> None:
    """Take staged rows, given as (line, E.164), out of an import's staging."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM imports_importrow WHERE import_run_id = %s AND line = %s "
                "AND e164 = %s",
                [(import_id, line, e164) for line, e164 in rows],
            )


def staged_count(import_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM imports_importrow WHERE import_run_id = %s", [import_id]
        )
        return cursor.fetchone()[0]


def mark_present(import_id: int, subtree_path: str) -> int:
    """Flag staged numbers the uploader's subtree holds already; returns how many are."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE imports_importrow SET present = %s
            WHERE import_run_id = %s AND NOT present AND EXISTS (
                SELECT 1 FROM numbers_number n
                JOIN accounts_account a ON a.id = n.owner_id
                WHERE n.e164 = imports_importrow.e164 AND a.path LIKE %s
            )
            """,
            [True, import_id, subtree_path + "%"],
        )
        cursor.execute(
            "SELECT COUNT(*) FROM imports_importrow WHERE import_run_id = %s AND present",
            [import_id],
        )
        return cursor.fetchone()[0]


def take_unavailable(import_id: int) -> list[tuple[int, str]]:
    """Remove staged numbers held outside the uploader's subtree; their (line, e164).

    Run after :func:`mark_present`: every existing number not flagged present is held
    by another account.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id, s.line, s.e164 FROM imports_importrow s
            WHERE s.import_run_id = %s AND NOT s.present
              AND EXISTS (SELECT 1 FROM numbers_number n WHERE n.e164 = s.e164)
            ORDER BY s.line, s.e164
            """,
            [import_id],
        )
        found = cursor.fetchall()
        ids = [row[0] for row in found]
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            cursor.execute(
                f"DELETE FROM imports_importrow WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
    return [(line, e164) for _, line, e164 in found]


def insert_numbers(
    import_id: int,
    *,
    owner_id: int,
    uploaded_by_id: int,
    external: bool,
    state: str,
    sync_state: str,
    voice_carrier_id: int | None,
    sms_profile_id: int | None,
    now,
) -> int:
    """Create a number for every staged row not present; one statement, returns the count.

    Carriers apply only where the capability is set: a carrier for a capability the
    number lacks means nothing (docs/domain.md, "Uploading").
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigram index takes new entries into its pending list and merges the
            # list into the index whenever it outgrows this limit; one large merge at
            # the end costs a third of many 4 MB ones (see docs/performance.md).
            cursor.execute(f"SET LOCAL gin_pending_list_limit = {GIN_PENDING_LIST_KB}")
        cursor.execute(
            f"""
            INSERT INTO numbers_number (
                e164, country_code, region, number_type, voice, sms, fax, route, usage,
                cac_limit, voice_carrier_id, sms_profile_id, calling_profile_id,
                {TEXT_COLUMNS}, owner_id, uploaded_by_id, external,
                source_import_id, state, voice_target_kind, sms_target_kind,
                fax_target_kind, activity, sync_state, sync_error, created_at, updated_at
            )
            SELECT
                s.e164, s.country_code, s.region, s.number_type, s.voice, s.sms, s.fax,
                s.route, s.usage, s.cac_limit,
                CASE WHEN s.voice THEN CAST(%(voice_carrier)s AS BIGINT) END,
                CASE WHEN s.sms THEN CAST(%(sms_profile)s AS BIGINT) END,
                s.calling_profile_id, {STAGED_TEXTS},
                %(owner)s, %(uploaded_by)s, %(external)s, %(import_id)s, %(state)s,
                '', '', '', 'pending', %(sync_state)s, '', %(now)s, %(now)s
            FROM imports_importrow s
            WHERE s.import_run_id = %(import_id)s AND NOT s.present
            ORDER BY s.e164
            """,
            {
                "voice_carrier": voice_carrier_id,
                "sms_profile": sms_profile_id,
                "owner": owner_id,
                "uploaded_by": uploaded_by_id,
                "external": external,
                "import_id": import_id,
                "state": state,
                "sync_state": sync_state,
                "now": now,
            },
        )
        inserted = cursor.rowcount
        if connection.vendor == "postgresql":
            # Leave the index merged: searches do not scan a pending list of a million.
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [TRIGRAM_INDEX])
        return inserted


def clear_staging(import_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM imports_importrow WHERE import_run_id = %s", [import_id])
