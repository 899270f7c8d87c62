"""Exports at 1,000,000 numbers: CSV rows per second and peak memory, on PostgreSQL and SQLite.

    .venv/bin/python -m bench.export [--numbers 1000000] [--subset 100000] [--runs 3]
                                     [--reuse] [--sqlite]

Loads a realistic inventory with ``bench.api``'s loader (blocks, country mix, owners
over the test tree, about 45 % of the enterprise numbers assigned) into its own
database: PostgreSQL ``bench_export`` (COPY), or with ``--sqlite`` the file
``var/bench_export.sqlite3``. ``--reuse`` keeps a database already loaded.

Every measurement runs in a fresh child process, so that its peak resident memory
(``resource.getrusage``) is the export's own:

* CSV through the real view: ``GET /api/v1/numbers/export.csv`` with Django's test
  client in-process as a platform admin (every number), the streaming body consumed
  chunk by chunk and counted;
* the baseline, same run: the raw rows as CSV straight from the database, ``COPY
  (SELECT ... ORDER BY e164) TO STDOUT`` through psycopg (SQLite: ``SELECT ... ORDER
  BY e164`` through ``csv.writer``);
* XLSX and PDF on the first ``--subset`` numbers (the same selectors and writers as the
  view, to a temporary file), beside CSV on the same subset.

Each figure is the median of ``--runs`` runs. Target: CSV at >= 100,000 rows/s with a
peak memory that does not grow with the row count (the subset's CSV peak is printed
for comparison).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import api as loader

PG_DB = "bench_export"
SQLITE_PATH = Path("var/bench_export.sqlite3").resolve()
TARGET_ROWS_PER_S = 100_000
SUBSET_LABELS = {"csv": "CSV (subset)", "xlsx": "XLSX (subset)", "pdf": "PDF (subset)"}
RAW_COLUMNS = (
    "e164, country_code, region, number_type, voice, sms, fax, route, usage, cac_limit,"
    " owner_id, uploaded_by_id, external, voice_carrier_id, sms_profile_id,"
    " calling_profile_id, sip_connection, service_info, tags, state, voice_target_kind,"
    " sms_target_kind, fax_target_kind, reserved_until, aging_until, activity, last_call_at,"
    " sync_state, created_at"
)


def setup(sqlite: bool) -> None:
    """Django on the bench's own database (the loader's helpers, pointed elsewhere)."""
    loader.PG_DB = PG_DB
    loader.SQLITE_PATH = SQLITE_PATH
    loader.django_setup(sqlite)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# Children: one measurement each, answered as one JSON line.


def subset_queryset(user, subset: int):
    from didhub.exports import selectors
    from didhub.numbers.models import Number

    cut = Number.objects.order_by("e164").values_list("e164", flat=True)[subset - 1]
    return selectors.export_queryset(user=user).filter(e164__lte=cut)


def child(kind: str, subset: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    user = get_user_model().objects.select_related("account").get(email="admin@platform.test")
    start_rss = current_rss_mb()
    started = time.perf_counter()
    rows = 0
    if kind == "csv_view":
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        response = client.get("/api/v1/numbers/export.csv")
        assert response.status_code == 200, response.status_code
        for piece in response.streaming_content:
            rows += piece.count(b"\n")
        rows -= 1  # the header
    elif kind == "raw":
        rows = raw_export(connection)
    else:
        from didhub.exports import selectors
        from didhub.exports.writers import write_csv_export, write_pdf, write_xlsx

        queryset = subset_queryset(user, subset)
        started = time.perf_counter()

        def count(n):
            nonlocal rows
            rows += n

        with tempfile.TemporaryFile() as spool:
            if kind == "csv":
                write_csv_export(queryset, spool, viewer=user, progress=count)
            else:
                writer = {"xlsx": write_xlsx, "pdf": write_pdf}[kind]
                writer(selectors.export_chunks(queryset, viewer=user), spool, progress=count)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "start_mb": start_rss, "peak_mb": peak_rss_mb()}


def raw_export(connection) -> int:
    """The baseline: every number's columns as CSV, in E.164 order, by the database."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        rows = 0
        query = f"COPY (SELECT {RAW_COLUMNS} FROM numbers_number ORDER BY e164) TO STDOUT CSV"
        with connection.connection.cursor() as cursor, cursor.copy(query) as copy:
            for block in copy:
                rows += bytes(block).count(b"\n")
        return rows
    import csv
    import io

    sink = io.StringIO()
    writer = csv.writer(sink)
    rows = 0
    cursor = connection.connection.execute(
        f"SELECT {RAW_COLUMNS} FROM numbers_number ORDER BY e164"
    )
    while batch := cursor.fetchmany(5000):
        writer.writerows(batch)
        rows += len(batch)
        sink.seek(0)
        sink.truncate()
    return rows


# The parent: load once, then measure each kind in fresh children.


def run_child(kind: str, args) -> dict:
    command = [sys.executable, "-m", "bench.export", "--child", kind]
    command += ["--subset", str(args.subset)] + (["--sqlite"] if args.sqlite else [])
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(kind: str, args) -> dict:
    runs = [run_child(kind, args) for _ in range(args.runs)]
    rates = [run["rows"] / run["seconds"] for run in runs]
    return {
        "rows": runs[0]["rows"],
        "seconds": statistics.median(run["seconds"] for run in runs),
        "rate": statistics.median(rates),
        "start_mb": statistics.median(run["start_mb"] for run in runs),
        "peak_mb": max(run["peak_mb"] for run in runs),
    }


def line(label: str, result: dict, baseline: dict | None = None) -> str:
    text = (
        f"{label:<34} {result['rows']:>9,} rows {result['seconds']:>7.2f} s "
        f"{result['rate']:>10,.0f} rows/s  RSS {result['start_mb']:>5.0f} -> "
        f"{result['peak_mb']:>5.0f} MB peak"
    )
    if baseline:
        text += f"  ratio {result['rate'] / baseline['rate']:.2f} of baseline"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--subset", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", help="comma-separated kinds: raw,csv_view,csv,xlsx,pdf")
    args = parser.parse_args(argv)
    setup(args.sqlite)
    if args.child:
        print(json.dumps(child(args.child, args.subset)), flush=True)
        return 0

    if args.load:
        loader.fresh_database(args.sqlite)
        loader.load(args.numbers)
        return 0

    from didhub.numbers.models import Number

    vendor = "SQLite" if args.sqlite else "PostgreSQL"
    if not (args.reuse and has_numbers(args.numbers)):
        # Loaded in a child: Linux keeps a process's peak RSS across fork and exec, so
        # a parent grown by the loader would lift every measurement's peak.
        command = [sys.executable, "-m", "bench.export", "--load", "--numbers"]
        command += [str(args.numbers)] + (["--sqlite"] if args.sqlite else [])
        subprocess.run(command, check=True)
    total = Number.objects.count()
    print(f"{vendor}: {total:,} numbers; medians of {args.runs} runs, each in a fresh process")
    wanted = (args.only or "raw,csv_view,csv,xlsx,pdf").split(",")
    results = {}
    for kind in wanted:
        results[kind] = measure(kind, args)
    raw = results.get("raw")
    if raw:
        print(line("baseline: raw SQL to CSV", raw))
    if "csv_view" in results:
        print(line("CSV via GET /numbers/export.csv", results["csv_view"], raw))
    subset_csv = results.get("csv")
    for kind, label in SUBSET_LABELS.items():
        if kind in results:
            print(line(label, results[kind], subset_csv if kind != "csv" else None))
    if "csv_view" in results:
        rate = results["csv_view"]["rate"]
        verdict = "meets" if rate >= TARGET_ROWS_PER_S else "misses"
        print(f"CSV export {verdict} the target of {TARGET_ROWS_PER_S:,} rows/s ({rate:,.0f}).")
        return 0 if rate >= TARGET_ROWS_PER_S else 1
    return 0


def has_numbers(count: int) -> bool:
    from django.db import DatabaseError

    from didhub.numbers.models import Number

    try:
        return Number.objects.count() == count
    except DatabaseError:
        return False


if __name__ == "__main__":
    sys.exit(main())
