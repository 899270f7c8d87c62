"""Ten million numbers and thirty million events on PostgreSQL: build once, measure often.

    .venv/bin/python -m bench.scale [--numbers 10000000] [--runs 5] [--rebuild] [--only PARTS]

PARTS, comma-separated: lists, portal, inventory, history, export, upload, estimates, disk
(all but ``estimates`` by default).

Builds (``bench/scale_build.py``) or reuses the database ``didhub_10m`` (``--database``),
then measures, as the server answers them in-process, each beside a baseline of the
same run: the raw SQL of the same page, whose ``EXPLAIN (ANALYZE, BUFFERS)`` summary is
printed. See docs/performance.md, "Ten million numbers".
"""

import argparse
import os
import sys
import time

PG_SERVER = os.environ.get("DIDHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def django_setup(database: str) -> None:
    os.environ["DIDHUB_DATABASE_URL"] = f"{PG_SERVER}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    os.environ.setdefault("DIDHUB_SECURE_COOKIES", "0")
    os.environ["DIDHUB_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DIDHUB_THROTTLE_USER", "1000000/min")
    os.environ.setdefault("DIDHUB_TASKS_IMMEDIATE", "1")
    import django

    django.setup()


def ensure_database(database: str, rebuild: bool) -> bool:
    """Create the database when missing (or on ``rebuild``); True when it is new."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and not rebuild:
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')
    return True


def ensure_built(database: str, count: int, rebuild: bool) -> dict:
    """The marker of a built database: reused when it matches, else built afresh."""
    fresh = ensure_database(database, rebuild)
    django_setup(database)
    from django.core.management import call_command
    from django.db import connection

    from bench import scale_build

    found = None if fresh else scale_build.marker(connection)
    if found and found["numbers"] == count and found["version"] == scale_build.VERSION:
        # The code may be newer than the database: its migrations run on the kept data
        # (an index added since is built, concurrently, over the ten million numbers).
        call_command("migrate", verbosity=0)
        print(
            f"Reusing {database}: {found['numbers']:,} numbers, {found['events']:,} events "
            f"(built in {found['seconds']:.0f} s)",
            flush=True,
        )
        return found
    if not fresh:
        connection.close()
        ensure_database(database, True)
    call_command("migrate", verbosity=0)
    print(f"Building {database}: {count:,} numbers", flush=True)
    return scale_build.build(connection, count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="didhub_10m")
    parser.add_argument("--numbers", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--only", help="comma-separated parts to measure")
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    parser.add_argument("--upload-child", help=argparse.SUPPRESS)
    parser.add_argument("--upload-account", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.export_child or args.upload_child:
        django_setup(args.database)
        from bench import scale_measure

        return scale_measure.run(args, {})
    started = time.perf_counter()
    built = ensure_built(args.database, args.numbers, args.rebuild)
    from bench.api import loadavg

    print(f"ready in {time.perf_counter() - started:.0f} s; load {loadavg()}", flush=True)
    if args.build_only:
        return 0
    from bench import scale_measure

    return scale_measure.run(args, built)


if __name__ == "__main__":
    sys.exit(main())
