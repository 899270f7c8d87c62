"""Bulk actions over 1,000,000 numbers selected by a filter, on PostgreSQL and SQLite.

    .venv/bin/python -m bench.bulk [--rows 1000000] [--runs 3] [--reuse] [--sqlite]
                                   [--database bench_bulk] [--actions update,release,...]

Prepares its own database once (PostgreSQL: the database ``--database`` on the server
``DIDHUB_BENCH_PG``, ``postgresql://postgres@127.0.0.1:5432`` by default, dropped and
created again; with ``--sqlite`` the file ``var/bench_bulk.sqlite3``): the test tree, a
carrier, an SMS group, and ``--rows`` numbers held by the enterprise Acme (uploaded by
its reseller, available, voice and SMS on direct routing), loaded by COPY. ``--reuse``
keeps a database already prepared with that many numbers.

Each action is then run through ``numbers_bulk`` on every number of the filter
``owner=<Acme>`` (``selectors.number_list``), as the API's and the portal's "every
matching number" run it: selection, checks, the change, one event per number and the
outbox hand-off. Each run is one transaction rolled back afterwards, so every run and
every action starts from the same database; what an action needs first (numbers
assigned before ``unassign``, reclaimed before ``delegate`` and ``delete``, porting
before the port actions) is done in the same transaction before the clock starts.
The COMMIT is not timed (the rollback replaces it).

The baseline, in the same run: a raw ``UPDATE numbers_number SET service_info = ...
WHERE owner_id = <Acme>`` of the same rows; on PostgreSQL also the same ``UPDATE`` with
the inventory tallies' trigger disabled (what the trigger costs it), a raw ``UPDATE``
moving the rows to another owner with and without the check of changed references, and
at the end the checkpoints the server was forced into by WAL volume meanwhile. Figures:
the median of ``--runs`` per action, numbers/s, seconds per million, the ratio to the
baseline, the process's peak RSS after the action, and the three slowest statements of
the median run. Target: every action under 60 s at 1,000,000 numbers on
PostgreSQL.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a file (make bench)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_SERVER = os.environ.get("DIDHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
SQLITE_PATH = Path("var/bench_bulk.sqlite3").resolve()
TARGET_SECONDS = 60.0
FIRST = 2_120_000_000  # +12120000000 onwards: one run of NANP numbers, as carriers hand out
COLUMNS = (
    "e164, country_code, region, number_type, voice, sms, fax, route, usage, cac_limit,"
    " sip_connection, service_info, tags, owner_id, uploaded_by_id, external, state,"
    " voice_target_kind, sms_target_kind, fax_target_kind, activity, sync_state,"
    " sync_error, created_at, updated_at"
)
ACTIONS = (
    "update",
    "carrier",
    "tags_add",
    "tags_remove",
    "reserve",
    "release",
    "assign",
    "unassign",
    "reclaim",
    "delegate",
    "delete",
    "port_complete",
    "port_cancel",
)


class Rollback(Exception):
    pass


def django_setup(url: str) -> None:
    os.environ["DIDHUB_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()


def fresh_database(sqlite: bool, name: str) -> None:
    if sqlite:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def prepared(rows: int) -> bool:
    """Whether the database holds a prepared inventory of ``rows`` numbers."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM numbers_number")
            return cursor.fetchone()[0] == rows
    except Exception:
        return False


def load(rows: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from didhub.accounts.testing import build_tree
    from didhub.core.db.copy import write_rows
    from didhub.numbers import services

    call_command("migrate", verbosity=0)
    tree = build_tree()
    tree.acme.stations_purchased = None
    tree.acme.save(update_fields=["stations_purchased"])
    services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Bench carrier")
    services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="sms_group", name="Bench SMS group"
    )
    now = timezone.now()
    started = time.perf_counter()

    def numbers():
        for index in range(rows):
            yield (
                f"+1{FIRST + index}", 1, "US", "fixed_line_or_mobile", True, True, False,
                "direct_routing", "user", 2, "", "", "", tree.acme.pk, tree.master.pk, False,
                "available", "", "", "", "pending", "not_linked", "", now, now,
            )  # fmt: skip

    with transaction.atomic():
        write_rows("numbers_number", [c.strip() for c in COLUMNS.split(",")], numbers())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {rows:,} numbers in {time.perf_counter() - started:.1f} s", flush=True)


def world():
    from didhub.accounts.models import Account, User
    from didhub.numbers.models import Carrier, Target

    acme = Account.objects.get(name="Acme Corp")
    return {
        "acme": acme,
        "master": Account.objects.get(name="Master Reseller"),
        "master_admin": User.objects.get(email="admin@master.test"),
        "acme_admin": User.objects.get(email="admin@acme.test"),
        "carrier": Carrier.objects.get(name="Bench carrier"),
        "group": Target.objects.get(name="Bench SMS group"),
    }


def steps(name: str, w: dict):
    """(what runs before the clock, the timed call) of one action."""
    from django.db import connection
    from django.utils import timezone

    from didhub.numbers import selectors
    from didhub.numbers.services import numbers_bulk

    def bulk(actor, action, filters, **params):
        numbers = selectors.number_list(user=w[actor], filters=filters)
        return lambda: numbers_bulk(actor=w[actor], action=action, numbers=numbers, **params)

    acme = {"owner": w["acme"].pk}
    master = {"owner": w["master"].pk, "owner_exact": "1"}
    porting = "UPDATE numbers_number SET state = 'porting_in', uploaded_by_id = %s"

    def raw(sql, params=()):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, list(params))

        return run

    reclaim = bulk("master_admin", "reclaim", acme)
    table = {
        "update": (None, bulk("master_admin", "update", acme, service_info="bench")),
        "carrier": (None, bulk("master_admin", "update", acme, voice_carrier=w["carrier"].pk)),
        "tags_add": (None, bulk("master_admin", "tags_add", acme, tags=["bench"])),
        "tags_remove": (
            bulk("master_admin", "tags_add", acme, tags=["bench", "spare"]),
            bulk("master_admin", "tags_remove", acme, tags=["bench"]),
        ),
        "reserve": (
            None,
            bulk("acme_admin", "reserve", acme, until=timezone.now() + timedelta(days=1)),
        ),
        "release": (None, bulk("acme_admin", "release", acme)),
        "assign": (None, bulk("acme_admin", "assign", acme, target=w["group"])),
        "unassign": (
            bulk("acme_admin", "assign", acme, target=w["group"]),
            bulk("acme_admin", "unassign", acme),
        ),
        "reclaim": (None, reclaim),
        "delegate": (
            reclaim,
            bulk("master_admin", "delegate", master, to_account=w["acme"]),
        ),
        "delete": (reclaim, bulk("master_admin", "delete", master)),
        "port_complete": (
            raw(porting, [w["master"].pk]),
            bulk("master_admin", "port_complete", acme),
        ),
        "port_cancel": (raw(porting, [w["master"].pk]), bulk("master_admin", "port_cancel", acme)),
    }
    return table[name]


def settle(full: bool = False) -> None:
    """On PostgreSQL, VACUUM (not timed): a rolled-back run leaves a dead copy of every
    row it changed, in the table and in each of its indexes, which the next run would
    otherwise read past. ``full`` also gives back the space earlier runs left."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (FULL, ANALYZE)" if full else "VACUUM (ANALYZE)")


class Statements:
    """How long each statement a call sends takes (``connection.execute_wrapper``)."""

    def __init__(self):
        self.seen: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seen.append((time.perf_counter() - started, " ".join(sql.split())))

    def slowest(self, count: int = 3) -> str:
        return "; ".join(
            f"{seconds:.2f} s {text[:60]}..." for seconds, text in sorted(self.seen)[::-1][:count]
        )


def timed(before, call) -> tuple[float, Statements]:
    """Seconds of ``call`` in a transaction rolled back afterwards (then ``settle``), and
    its statements."""
    from django.db import connection, transaction

    seconds, statements = 0.0, Statements()
    try:
        with transaction.atomic():
            if before is not None:
                before()
            started = time.perf_counter()
            with connection.execute_wrapper(statements):
                call()
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    settle()
    return seconds, statements


def without_trigger(name: str):
    """A step that disables one trigger of the numbers for its transaction."""
    from django.db import connection

    def disable():
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE numbers_number DISABLE TRIGGER {name}")

    return disable


def raw_update(assignments: str, w: dict, *, without: str | None = None) -> float:
    """Seconds of a raw ``UPDATE numbers_number SET <assignments>`` of the same rows;
    with ``without``, that trigger disabled for its transaction (what it costs)."""
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE numbers_number SET {assignments} WHERE owner_id = %s", [w["acme"].pk]
            )

    return timed(without_trigger(without) if without else None, run)[0]


def baseline(w: dict, *, without: str | None = None) -> float:
    """The raw ``UPDATE`` of the same rows (see ``raw_update``)."""
    return raw_update("service_info = 'raw'", w, without=without)


def trigger_costs(w: dict, runs: int, base: float) -> None:
    """PostgreSQL: what the tallies' trigger costs the baseline (``base`` seconds), and
    what the check of changed references costs a raw ``UPDATE`` that moves the rows to
    another owner."""
    bare = statistics.median(baseline(w, without="numbers_tally_updated") for _ in range(runs))
    print(
        f"the same UPDATE without the tallies' trigger: {bare:.2f} s "
        f"(the trigger: {base - bare:+.2f} s)",
        flush=True,
    )
    move = f"owner_id = {int(w['master'].pk)}"
    moved = statistics.median(raw_update(move, w) for _ in range(runs))
    unchecked = statistics.median(
        raw_update(move, w, without="numbers_number_updated_references") for _ in range(runs)
    )
    print(
        f"a raw UPDATE moving the rows to another owner: {moved:.2f} s; without the check "
        f"of changed references: {unchecked:.2f} s (the check: {moved - unchecked:+.2f} s)",
        flush=True,
    )


def forced_checkpoints() -> int | None:
    """Checkpoints PostgreSQL started because the WAL reached ``max_wal_size``."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT checkpoints_req FROM pg_stat_bgwriter")
        return cursor.fetchone()[0]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep a prepared database")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--actions", default=",".join(ACTIONS), help="comma-separated")
    parser.add_argument("--database", default="bench_bulk", help="PostgreSQL database name")
    args = parser.parse_args(argv)
    url = f"sqlite:///{SQLITE_PATH}" if args.sqlite else f"{PG_SERVER}/{args.database}"
    if not args.reuse:
        fresh_database(args.sqlite, args.database)
    django_setup(url)
    if not prepared(args.rows):
        from django.db import connection

        connection.close()
        fresh_database(args.sqlite, args.database)
        load(args.rows)
    w = world()
    settle(full=True)
    print(f"peak RSS after preparing: {peak_mb():,.0f} MB", flush=True)
    checkpoints = forced_checkpoints()
    base = statistics.median(baseline(w) for _ in range(args.runs))
    print(f"baseline raw UPDATE of the same rows: {base:.2f} s", flush=True)
    if not args.sqlite:
        trigger_costs(w, args.runs, base)
    results = []
    for name in args.actions.split(","):
        runs = []
        for _ in range(args.runs):
            before, call = steps(name, w)
            runs.append(timed(before, call))
        runs.sort(key=lambda run: run[0])
        seconds, statements = runs[len(runs) // 2]
        results.append((name, seconds, peak_mb()))
        print(
            f"{name:14} {seconds:7.2f} s  {args.rows / seconds:>10,.0f} numbers/s  "
            f"{seconds * 1_000_000 / args.rows:7.1f} s per million  {seconds / base:5.1f}x raw  "
            f"peak RSS {peak_mb():,.0f} MB\n    slowest statements: {statements.slowest()}",
            flush=True,
        )
    engine = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"\nbulk actions, {args.rows:,} numbers selected by a filter, {engine}, median of "
        f"{args.runs} runs; baseline raw UPDATE {base:.2f} s "
        f"({args.rows / base:,.0f} numbers/s); load {Path('/proc/loadavg').read_text().split()[0]}"
    )
    if checkpoints is not None:
        print(f"checkpoints forced by WAL volume meanwhile: {forced_checkpoints() - checkpoints}")
    slowest = max(seconds * 1_000_000 / args.rows for _, seconds, _ in results)
    met = slowest <= TARGET_SECONDS
    print(
        f"target: every action under {TARGET_SECONDS:.0f} s per million: "
        f"{'met' if met else 'MISSED'} (slowest {slowest:.1f} s per million)"
    )
    return 0 if met or args.sqlite else 1


if __name__ == "__main__":
    sys.exit(main())
