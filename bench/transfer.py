"""``didhub transfer`` at 1,000,000 numbers: an SQLite installation into a fresh PostgreSQL.

    .venv/bin/python -m bench.transfer [--numbers 1000000] [--runs 3] [--reuse]

Builds the SQLite installation once (``bench.api.load``: the test tree, 6,300 targets,
the numbers in blocks and a country mix, about a third of them assigned) in
``var/bench_transfer.sqlite3``; ``--reuse`` keeps one already built. Each run drops and
creates the PostgreSQL database ``bench_transfer`` and runs the transfer in-process (the
code behind ``didhub transfer``): the whole command (tables created, rows copied, keys
and indexes built, every table verified, statistics gathered), and its moving part
(first row copied to last row checked).

The baseline, measured in the same run: the same numbers rows read from SQLite and
written by a plain psycopg COPY (``write_row``) into an empty copy of the table (no
index, no key, no trigger), which is the floor of moving those rows at all. Each figure
is the median of ``--runs``. Target: at least 50,000 numbers/s.
"""

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file (make bench): bench.api must import
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_SERVER = os.environ.get("DIDHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DB = "bench_transfer"
SQLITE_PATH = Path("var/bench_transfer.sqlite3").resolve()
TARGET_RATE = 50_000


def django_setup() -> None:
    os.environ["DIDHUB_DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()


def build(count: int) -> None:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    django_setup()
    from bench.api import load

    load(count)


def fresh_target() -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return f"{PG_SERVER}/{PG_DB}"


def transfer_once() -> dict:
    from didhub.ops.transfer import transfer

    url = fresh_target()
    report = transfer(url, say=lambda line: None)
    moving = report.copy_seconds + report.index_seconds + report.verify_seconds
    return {
        "numbers": report.count("numbers_number"),
        "rows": report.rows,
        "total": report.total_seconds,
        "migrate": report.migrate_seconds,
        "copy": report.copy_seconds,
        "index": report.index_seconds,
        "verify": report.verify_seconds,
        "moving": moving,
        "baseline": baseline(url),
    }


def baseline(url: str) -> float:
    """Seconds to read the numbers rows from SQLite and COPY them into a bare table."""
    import psycopg

    columns = [
        row[1] for row in sqlite3.connect(SQLITE_PATH).execute("PRAGMA table_info(numbers_number)")
    ]
    names = ", ".join(f'"{column}"' for column in columns)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE bench_numbers (LIKE numbers_number)")
        conn.commit()
        started = time.perf_counter()
        source = sqlite3.connect(SQLITE_PATH)
        reader = source.execute(f"SELECT {names} FROM numbers_number ORDER BY id")
        with conn.cursor().copy(f"COPY bench_numbers ({names}) FROM STDIN") as copy:
            while rows := reader.fetchmany(10_000):
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep a built SQLite installation")
    args = parser.parse_args(argv)
    if args.reuse and SQLITE_PATH.exists():
        django_setup()
    else:
        build(args.numbers)
    runs = []
    for index in range(args.runs):
        run = transfer_once()
        runs.append(run)
        print(
            f"run {index + 1}: {run['total']:.1f} s in all (tables {run['migrate']:.1f}, rows "
            f"{run['copy']:.1f}, keys and indexes {run['index']:.1f}, verified "
            f"{run['verify']:.1f}); baseline COPY of the numbers {run['baseline']:.1f} s",
            flush=True,
        )
    numbers = runs[0]["numbers"]

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    whole, moving, floor = (
        numbers / median("total"),
        numbers / median("moving"),
        numbers / median("baseline"),
    )
    print(
        f"\ndidhub transfer, {numbers:,} numbers ({runs[0]['rows']:,} rows in all), median of "
        f"{args.runs} runs:\n"
        f"  whole command      {median('total'):6.1f} s  {whole:>9,.0f} numbers/s\n"
        f"  moving part        {median('moving'):6.1f} s  {moving:>9,.0f} numbers/s"
        f"  (rows {median('copy'):.1f} s, keys and indexes {median('index'):.1f} s, "
        f"verified {median('verify'):.1f} s)\n"
        f"  baseline (bare COPY of the numbers rows) {median('baseline'):.1f} s  "
        f"{floor:,.0f} numbers/s\n"
        f"target >= {TARGET_RATE:,} numbers/s for the whole command: "
        f"{'met' if whole >= TARGET_RATE else 'MISSED'}"
    )
    return 0 if whole >= TARGET_RATE else 1


if __name__ == "__main__":
    sys.exit(main())
