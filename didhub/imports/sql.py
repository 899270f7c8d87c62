"""The imports app's SQL: the staging table in, the numbers out (both databases).

Every statement of an upload's set-based path is here, each naming its tables by their
models (``didhub.core.db.sql.table``): staging validated rows (COPY on PostgreSQL,
``executemany`` on SQLite), storing refused rows, finding numbers already present or
held elsewhere, and the commit's one ``INSERT … SELECT``. ``didhub.imports.staging``
runs them in an upload's order; ``imports/tests/test_sql.py`` runs each on both
databases.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

from didhub.accounts.models import Account
from didhub.core.db import is_postgresql
from didhub.core.db.copy import copy_lines, write_rows
from didhub.core.db.sql import execute, execute_many, fetch_all, fetch_value, member_of, table
from didhub.imports.models import ImportRow, ImportRowError
from didhub.numbers import attributes
from didhub.numbers.models import Number

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
# A staged row as written: its import and whether it is present, then STAGE_COLUMNS.
STAGED_COLUMNS = ("import_run_id", "present", *STAGE_COLUMNS)
ERROR_COLUMNS = ("import_run_id", "line", "column", "value", "code", "message")
# PostgreSQL: the trigram index behind digit search, and its pending list (kB) during a
# commit: 256 MB holds the trigrams of about a million numbers.
TRIGRAM_INDEX = "number_e164_trgm"
GIN_PENDING_LIST_KB = 256 * 1024
# Staged rows deleted by one statement.
DELETE_CHUNK = 5000


def copy_staged(cursor, lines: Iterable[str]) -> int:
    """COPY staged rows, as lines of COPY's text format, through a psycopg cursor."""
    return copy_lines(cursor, table(ImportRow), STAGED_COLUMNS, lines)


def copy_staged_here(lines: Iterable[str]) -> int:
    """``copy_staged`` on this process's own connection (PostgreSQL)."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        return copy_staged(cursor.cursor, lines)  # the psycopg 3 cursor under Django's


@contextmanager
def copying_on(database) -> Iterator:
    """``copy(lines)`` on ``database``, a psycopg connection of a forked helper.

    A helper never uses a Django connection (``didhub.imports.sharing``); what it stages
    stays in the connection's transaction until the helper commits it.
    """
    with database.cursor() as cursor:
        yield lambda lines: copy_staged(cursor, lines)


def insert_staged(rows: Iterable[Sequence]) -> int:
    """Staged rows (``STAGED_COLUMNS``) in one transaction: ``executemany`` on SQLite."""
    return write_rows(table(ImportRow), STAGED_COLUMNS, rows)


def store_errors(rows: Iterable[Sequence]) -> int:
    """Refused rows (``ERROR_COLUMNS``): COPY on PostgreSQL, ``executemany`` on SQLite."""
    return write_rows(table(ImportRowError), ERROR_COLUMNS, rows)


def unstage(import_id: int, rows: list[tuple[int, str]]) -> None:
    """Take staged rows, given as (line, E.164), out of an import's staging."""
    execute_many(
        f"DELETE FROM {table(ImportRow)} WHERE import_run_id = %s AND line = %s AND e164 = %s",
        [(import_id, line, e164) for line, e164 in rows],
    )


def staged_count(import_id: int) -> int:
    return fetch_value(
        f"SELECT COUNT(*) FROM {table(ImportRow)} WHERE import_run_id = %s", [import_id]
    )


def mark_present(import_id: int, subtree_path: str) -> int:
    """Flag staged numbers the uploader's subtree holds already; returns how many are."""
    staged = table(ImportRow)
    execute(
        f"""
        UPDATE {staged} SET present = %s
        WHERE import_run_id = %s AND NOT present AND EXISTS (
            SELECT 1 FROM {table(Number)} n
            JOIN {table(Account)} a ON a.id = n.owner_id
            WHERE n.e164 = {staged}.e164 AND a.path LIKE %s
        )
        """,
        [True, import_id, subtree_path + "%"],
    )
    return fetch_value(
        f"SELECT COUNT(*) FROM {staged} WHERE import_run_id = %s AND present", [import_id]
    )


def take_unavailable(import_id: int) -> list[tuple[int, str]]:
    """Remove staged numbers held outside the uploader's subtree; their (line, e164).

    Run after :func:`mark_present`: every existing number not flagged present is held
    by another account.
    """
    staged = table(ImportRow)
    found = fetch_all(
        f"""
        SELECT s.id, s.line, s.e164 FROM {staged} s
        WHERE s.import_run_id = %s AND NOT s.present
          AND EXISTS (SELECT 1 FROM {table(Number)} n WHERE n.e164 = s.e164)
        ORDER BY s.line, s.e164
        """,
        [import_id],
    )
    ids = [row[0] for row in found]
    for start in range(0, len(ids), DELETE_CHUNK):
        where, params = member_of("id", ids[start : start + DELETE_CHUNK])
        execute(f"DELETE FROM {staged} WHERE {where}", params)
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
    texts = ", ".join(attributes.TEXTS)
    staged_texts = ", ".join(f"s.{key}" for key in attributes.TEXTS)
    with connection.cursor() as cursor:
        if is_postgresql():
            # The trigram index takes new entries into its pending list and merges the
            # list into the index whenever it outgrows this limit; one large merge at
            # the end costs a third of many 4 MB ones (see docs/performance.md).
            cursor.execute(f"SET LOCAL gin_pending_list_limit = {int(GIN_PENDING_LIST_KB)}")
        cursor.execute(
            f"""
            INSERT INTO {table(Number)} (
                e164, country_code, region, number_type, voice, sms, fax, route, usage,
                cac_limit, voice_carrier_id, sms_profile_id, calling_profile_id,
                {texts}, owner_id, uploaded_by_id, external,
                source_import_id, state, voice_target_kind, sms_target_kind,
                fax_target_kind, activity, sync_state, sync_error, created_at, updated_at
            )
            SELECT
                s.e164, s.country_code, s.region, s.number_type, s.voice, s.sms, s.fax,
                s.route, s.usage, s.cac_limit,
                CASE WHEN s.voice THEN CAST(%(voice_carrier)s AS BIGINT) END,
                CASE WHEN s.sms THEN CAST(%(sms_profile)s AS BIGINT) END,
                s.calling_profile_id, {staged_texts},
                %(owner)s, %(uploaded_by)s, %(external)s, %(import_id)s, %(state)s,
                '', '', '', 'pending', %(sync_state)s, '', %(now)s, %(now)s
            FROM {table(ImportRow)} s
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
                # As the ORM stores a moment (SQLite: naive UTC text), so that lookups
                # and cursors on created_at match the numbers an upload created.
                "now": connection.ops.adapt_datetimefield_value(now),
            },
        )
        inserted = cursor.rowcount
        if is_postgresql():
            # Leave the index merged: searches do not scan a pending list of a million.
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [TRIGRAM_INDEX])
        return inserted


def clear_staging(import_id: int) -> None:
    execute(f"DELETE FROM {table(ImportRow)} WHERE import_run_id = %s", [import_id])
