"""What each migration costs a serving installation: its time and its lock on the numbers.

    .venv/bin/python bench/migrations.py [--numbers 1000000] [--runs 3]
    .venv/bin/python bench/migrations.py --database-url postgresql://postgres@127.0.0.1:5432/copy

Without ``--database-url`` it creates the PostgreSQL database ``bench_migrations`` on
``DIDHUB_BENCH_PG`` (``postgresql://postgres@127.0.0.1:5432``), migrates it and fills
it with ``--numbers`` numbers (``bench.lists``: the shaped inventory, COPY), then keeps
it for the next run (``--rebuild`` starts again). ``--database-url`` names a didhub
database already migrated and filled, which it changes: give it a copy.

Each run rewinds the apps that own the large tables (core, numbers, imports, sync) to
their first migration, which keeps the numbers (every later migration is reversible),
and applies every migration after that again, one at a time, as ``didhub migrate``
does. While each runs, a second connection reads ``pg_locks`` every few milliseconds:
the strongest lock the migrating session holds on ``numbers_number`` and how long it
held a lock that stops writers (SHARE or stronger) or readers (ACCESS EXCLUSIVE).
A run ends migrated as it began. Then the same index on the numbers' region is built
and dropped twice: as a plain ``AddIndex`` / ``RemoveIndex`` would, and as
``AddIndexOnline`` / ``RemoveIndexOnline`` (what the migration rules ask for) do.

The baseline, measured in the same run: one ``SELECT count(*)`` of the numbers, a
read of the whole table; each migration's time is also given as a ratio to it. Each
figure is the median of ``--runs``.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("DIDHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DB = "bench_migrations"
REWOUND = {"core": "0001_initial", "numbers": "0001_initial", "imports": "0001_initial",
           "sync": "0001_initial"}  # fmt: skip
# PostgreSQL's table lock modes, weakest first.
MODES = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
         "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]  # fmt: skip
STOPS_WRITES = MODES.index("ShareLock")
STOPS_READS = MODES.index("AccessExclusiveLock")
SAMPLE_EVERY = 0.005


class LockSampler(threading.Thread):
    """Reads the migrating session's locks on ``numbers_number`` until stopped."""

    def __init__(self, url: str, pid: int):
        super().__init__(daemon=True)
        self.url, self.pid = url, pid
        self.samples: list[tuple[float, int]] = []  # (when, strongest mode held)
        self.done = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.is_set():
                rows = conn.execute(
                    "SELECT mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE l.pid = %s AND l.granted AND c.relname = 'numbers_number'",
                    [self.pid],
                ).fetchall()
                strongest = max((MODES.index(mode) for (mode,) in rows), default=-1)
                self.samples.append((time.perf_counter(), strongest))
                time.sleep(SAMPLE_EVERY)

    def held(self, at_least: int) -> float:
        """Seconds the session held a lock of ``at_least`` or stronger (sampled)."""
        seconds, previous = 0.0, None
        for when, strongest in self.samples:
            if previous is not None and strongest >= at_least:
                seconds += when - previous
            previous = when
        return seconds

    def strongest(self) -> str:
        best = max((strongest for _, strongest in self.samples), default=-1)
        return MODES[best].removesuffix("Lock") if best >= 0 else "none"


def prepare(args) -> str:
    """The database's URL, with DIDHUB_DATABASE_URL pointing at it and Django set up."""
    import psycopg

    url = args.database_url
    if not url:
        url = f"{PG_SERVER}/{PG_DB}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]
            ).fetchone()
            if exists and args.rebuild:
                conn.execute(f"DROP DATABASE {PG_DB} WITH (FORCE)")
            if not exists or args.rebuild:
                conn.execute(f"CREATE DATABASE {PG_DB}")
    os.environ["DIDHUB_DATABASE_URL"] = url
    os.environ.setdefault("DIDHUB_DATA_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.database_url:
        from bench.lists import ensure_inventory  # sets Django up the same way

        ensure_inventory(args.numbers, rebuild=False)
    return url


def migrating_pid() -> int:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.info.backend_pid


def rewind() -> list:
    """Unapply back to ``REWOUND``; the migrations to apply again, in order."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    for app, name in REWOUND.items():
        call_command("migrate", app, name, verbosity=0)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [(migration.app_label, migration.name) for migration, backwards in plan if not backwards]


def timed_count() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM numbers_number")
        cursor.fetchone()
    return time.perf_counter() - started


def replay(url: str, plan: list) -> dict:
    """Apply each migration of ``plan``: {migration: (seconds, strongest, writes, reads)}."""
    from django.core.management import call_command

    return {
        f"{app}.{name}": sampled(url, call_command, "migrate", app, name, verbosity=0)
        for app, name in plan
    }


def sampled(url: str, work, *args, **kwargs) -> tuple:
    """``work(*args, **kwargs)`` timed, with the migrating session's locks on the numbers
    sampled."""
    sampler = LockSampler(url, migrating_pid())
    sampler.start()
    time.sleep(SAMPLE_EVERY * 2)
    started = time.perf_counter()
    work(*args, **kwargs)
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    return seconds, sampler.strongest(), sampler.held(STOPS_WRITES), sampler.held(STOPS_READS)


def apply(operation, old, new, atomic: bool) -> None:
    """One operation, as ``migrate`` applies it."""
    from django.db import connection

    with connection.schema_editor(atomic=atomic) as editor:
        operation.database_forwards("numbers", editor, old, new)


def index_both_ways(url: str) -> dict:
    """The same index on ``numbers_number(region)`` built and dropped as a plain
    ``AddIndex`` does and as ``AddIndexOnline`` does (the rules' way)."""
    from django.db import connection, models
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import AddIndex, RemoveIndex

    from didhub.core.db.operations import AddIndexOnline, RemoveIndexOnline

    before = MigrationLoader(connection).project_state()
    index = models.Index(fields=["region"], name="bench_number_region")
    figures = {}
    for label, add, remove in (
        ("AddIndex / RemoveIndex", AddIndex, RemoveIndex),
        ("AddIndexOnline / RemoveIndexOnline", AddIndexOnline, RemoveIndexOnline),
    ):
        adding, removing = add("number", index), remove("number", index.name)
        after = before.clone()
        adding.state_forwards("numbers", after)
        atomic = add is AddIndex  # concurrently only outside a transaction
        figures[f"{label}: build"] = sampled(url, apply, adding, before, after, atomic)
        figures[f"{label}: drop"] = sampled(url, apply, removing, after, before, atomic)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="a migrated, filled didhub database: a copy")
    parser.add_argument("--rebuild", action="store_true", help="build bench_migrations again")
    args = parser.parse_args()
    url = prepare(args)
    from didhub.numbers.models import Number

    numbers = Number.objects.count()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{url.rsplit('/', 1)[-1]}: {numbers:,} numbers; load average {load}")
    runs, baselines = [], []
    for run in range(args.runs):
        baselines.append(timed_count())
        plan = rewind()
        assert Number.objects.count() == numbers, "the rewind lost numbers"
        runs.append({**replay(url, plan), **index_both_ways(url)})
        print(f"  run {run + 1}: {sum(f[0] for f in runs[-1].values()):.1f} s", flush=True)
    baseline = statistics.median(baselines)
    print(f"baseline: SELECT count(*) of the numbers {baseline * 1000:.0f} ms (median)")
    print(f"{'migration':48} {'s':>7} {'x count':>7} {'lock':>21} {'no writes':>9} {'no reads':>9}")
    for key in runs[0]:
        seconds = statistics.median(run[key][0] for run in runs)
        writes = statistics.median(run[key][2] for run in runs)
        reads = statistics.median(run[key][3] for run in runs)
        lock = runs[0][key][1]
        ratio = seconds / baseline
        print(f"{key:48} {seconds:7.2f} {ratio:7.1f} {lock:>21} {writes:8.2f}s {reads:8.2f}s")


if __name__ == "__main__":
    main()
