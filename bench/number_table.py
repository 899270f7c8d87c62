"""What each part of the numbers table costs a bulk insert (PostgreSQL).

    python -m bench.number_table [--rows 1000000] [--runs 3] [--row-by-row]

An upload's commit is one sorted ``INSERT … SELECT`` into ``numbers_number``; this
script takes that statement apart. ``--rows`` fresh numbers (NANP-shaped, in random
order) are inserted, each time into an empty copy of the table built up step by step:

1. the heap and every B-tree index, without the trigram index behind ``q=``;
2. with the trigram index, its pending list merged once at the end, as the upload does;
3. with didhub's checks of the five references (owner, carrier, SMS profile, calling
   profile, reservation), once per statement (``didhub/numbers/references.py``): the
   table as an upload finds it;
4. the same table, with the rows inserted in their random order (no ``ORDER BY``);
5. the same table, with ``e164`` in the database's collation instead of byte order
   (``didhub.core.fields.E164Field``), the rows sorted in it;
6. and 7. instead of those checks, foreign keys checked row by row as PostgreSQL checks a
   declared one (deferred, as Django declares it): the owner's alone, then all five,
   the four nullable ones empty as in an upload without carriers;
8. (``--row-by-row``) the trigram index updated row by row (``fastupdate = off``).

Then a delegation: every number of the filled table moved to another account by one
``UPDATE … SET owner_id``, with didhub's checks and with declared foreign keys.

Each figure is the median of ``--runs``, including the transaction's COMMIT, where
deferred foreign-key checks run. Uses the database ``bench_table`` on 127.0.0.1
(dropped and created again).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "bench_table"


def setup_database() -> int:
    """A migrated ``bench_table`` with one account tree; the owner's id."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    os.environ["DIDHUB_DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from didhub.accounts.testing import build_tree

    call_command("migrate", verbosity=0, skip_checks=True)
    return build_tree().acme.pk


def fill_source(cursor, rows: int, owner: int) -> None:
    """``rows`` distinct numbers in random order: 7919 is prime to 8e9, so g -> g*7919
    mod 8e9 never repeats."""
    cursor.execute("DROP TABLE IF EXISTS bench_source")
    cursor.execute("CREATE UNLOGGED TABLE bench_source (LIKE numbers_number INCLUDING DEFAULTS)")
    cursor.execute(
        """
        INSERT INTO bench_source (
            id, e164, country_code, region, number_type, voice, sms, fax, route, usage,
            cac_limit, sip_connection, service_info, tags, owner_id, uploaded_by_id,
            external, state, voice_target_kind, sms_target_kind, fax_target_kind,
            activity, sync_state, sync_error, created_at, updated_at
        )
        SELECT g, '+1' || ((g::bigint * 7919) %% 8000000000 + 2000000000)::text, 1, 'US',
            'fixed_line_or_mobile', true, g %% 3 = 0, false, 'direct_routing', 'user', 2,
            '', '', '', %s, %s, false, 'available', '', '', '', 'pending', 'not_linked', '',
            now(), now()
        FROM generate_series(1, %s) g
        ORDER BY random()
        """,
        [owner, owner, rows],
    )
    cursor.execute("ANALYZE bench_source")


def empty_copy(cursor, *, trigram: str, references: str, collation: str = "C") -> None:
    """``bench_target``: an empty copy of the numbers table with the chosen parts.

    ``references``: ``none``, ``checked`` (didhub's statement triggers), ``owner_key`` or
    ``all_keys`` (declared foreign keys). ``collation``: that of ``e164``.
    """
    from didhub.numbers.references import NUMBER_REFERENCES, install_statements

    cursor.execute("DROP TABLE IF EXISTS bench_target")
    cursor.execute("CREATE TABLE bench_target (LIKE numbers_number INCLUDING ALL)")
    cursor.execute(
        f'ALTER TABLE bench_target ALTER COLUMN e164 TYPE varchar(16) COLLATE "{collation}"'
    )
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'bench_target' "
        "AND indexdef LIKE '%gin_trgm_ops%'"
    )
    [copied_trigram] = [row[0] for row in cursor.fetchall()]
    if trigram == "none":
        cursor.execute(f"DROP INDEX {copied_trigram}")
    elif trigram == "row_by_row":
        cursor.execute(f"ALTER INDEX {copied_trigram} SET (fastupdate = off)")
    if references == "checked":
        for statement in install_statements(
            "bench_target", NUMBER_REFERENCES, referenced_side=False
        ):
            cursor.execute(statement)
    declared = {"owner_key": NUMBER_REFERENCES[:1], "all_keys": NUMBER_REFERENCES}
    for reference in declared.get(references, ()):
        cursor.execute(
            f"ALTER TABLE bench_target ADD FOREIGN KEY ({reference.column}) "
            f"REFERENCES {reference.table} (id) DEFERRABLE INITIALLY DEFERRED"
        )
    cursor.execute("CHECKPOINT")


def timed_insert(
    connection, *, merge_trigram: bool, in_order: bool = True, collation: str = "C"
) -> float:
    """The upload's statement, in its own transaction, COMMIT included."""
    from didhub.imports.staging import GIN_PENDING_LIST_KB

    order = f' ORDER BY e164 COLLATE "{collation}"' if in_order else ""
    started = time.perf_counter()
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL gin_pending_list_limit = {GIN_PENDING_LIST_KB}")
        cursor.execute(f"INSERT INTO bench_target SELECT * FROM bench_source{order}")
        if merge_trigram:
            cursor.execute(
                "SELECT gin_clean_pending_list(indexrelid::regclass) FROM pg_index "
                "JOIN pg_class c ON c.oid = indexrelid WHERE indrelid = "
                "'bench_target'::regclass AND c.relam = (SELECT oid FROM pg_am "
                "WHERE amname = 'gin')"
            )
    return time.perf_counter() - started


class Step(NamedTuple):
    label: str
    trigram: str
    references: str
    in_order: bool
    against: int | None  # the step it is compared with
    collation: str = "C"


STEPS = (
    Step("heap and B-tree indexes, no trigram index", "none", "none", True, None),
    Step("+ trigram index, merged once at the end", "merged", "none", True, 0),
    Step("+ references checked per statement", "merged", "checked", True, 1),
    Step("the same, rows not sorted by number", "merged", "checked", False, 2),
    Step("the same, e164 in the database collation", "merged", "checked", True, 2, "default"),
    Step("row-by-row foreign key: owner only", "merged", "owner_key", True, 1),
    Step("row-by-row foreign keys: all five", "merged", "all_keys", True, 1),
)
ROW_BY_ROW = Step("all indexes, trigram index row by row", "row_by_row", "checked", True, 2)


def timed_delegation(connection, new_owner: int) -> float:
    """Every number moved to ``new_owner`` in one statement, COMMIT included."""
    started = time.perf_counter()
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute("UPDATE bench_target SET owner_id = %s", [new_owner])
    return time.perf_counter() - started


# (label, references)
DELEGATIONS = (
    ("references checked on change", "checked"),
    ("row-by-row foreign keys", "all_keys"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--row-by-row", action="store_true")
    args = parser.parse_args()

    owner = setup_database()
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{PG_DB}", autocommit=True) as connection:
        with connection.cursor() as cursor:
            fill_source(cursor, args.rows, owner)
        print(f"PostgreSQL: INSERT … SELECT of {args.rows:,} numbers, median of {args.runs}")
        steps = [*STEPS, ROW_BY_ROW] if args.row_by_row else list(STEPS)
        spent_by_step: dict[int, float] = {}
        for index, (label, trigram, references, in_order, against, collation) in enumerate(steps):
            times = []
            for _ in range(args.runs):
                with connection.cursor() as cursor:
                    empty_copy(cursor, trigram=trigram, references=references, collation=collation)
                times.append(
                    timed_insert(
                        connection,
                        merge_trigram=trigram == "merged",
                        in_order=in_order,
                        collation=collation,
                    )
                )
            spent = statistics.median(times)
            step = (
                f"  ({spent - spent_by_step[against]:+.2f} s against {against + 1})"
                if against is not None
                else ""
            )
            spent_by_step[index] = spent
            print(
                f"  {index + 1}. {label:<41} {spent:6.2f} s = "
                f"{args.rows / spent:9,.0f} rows/s{step}"
                f"  [runs: {', '.join(f'{t:.2f}' for t in times)}]"
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM accounts_account WHERE id <> %s", [owner])
            [new_owner] = cursor.fetchone()
        print(f"PostgreSQL: delegation, UPDATE of the owner of {args.rows:,} numbers")
        for label, references in DELEGATIONS:
            times = []
            for _ in range(args.runs):
                with connection.cursor() as cursor:
                    empty_copy(cursor, trigram="merged", references=references)
                timed_insert(connection, merge_trigram=True)
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE bench_target")
                    cursor.execute("CHECKPOINT")
                times.append(timed_delegation(connection, new_owner))
            spent = statistics.median(times)
            print(
                f"  {label:<44} {spent:6.2f} s = {args.rows / spent:9,.0f} rows/s"
                f"  [runs: {', '.join(f'{t:.2f}' for t in times)}]"
            )
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_target")
            cursor.execute("DROP TABLE IF EXISTS bench_source")


if __name__ == "__main__":
    main()
