"""Upload benchmark: a generated CSV of N numbers validated and committed end to end.

    python bench/upload.py [--rows 1000000] [--runs 3] [--sqlite-runs 1] [--one-process-runs 1]

Prints, for PostgreSQL (database ``bench_upload`` on 127.0.0.1, dropped and created
again) and SQLite (a file in /tmp), the median of ``--runs`` uploads, each in a fresh
process so that its peak resident memory is the upload's own. On PostgreSQL the file is
validated on every core (``didhub.imports.sharing``); ``--one-process-runs`` uploads
validated by one process show what that brings. Beside them, three baselines measured
in the same run on the same rows:

* ``csv.reader`` alone over the file;
* ``phonenumbers.parse`` + ``is_valid_number`` (on a 50,000-row subset, extrapolated);
* a raw COPY of the rows the upload inserts into an empty copy of ``numbers_number``
  with all its indexes (``CREATE TABLE … (LIKE numbers_number INCLUDING ALL)``).

The file: realistic numbers (``bench.inventory.realistic_numbers``: blocks, a
multinational country mix), 2 % invalid, 1 % repeated, written in several forms
(country code + national digits, full E.164, national digits with separators).
"""

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "bench_upload"
HEADER = ["Country Code", "Phone Number", "Voice", "SMS", "Fax", "Voice Route Type"]


def generate(path: Path, rows: int, seed: int = 4) -> None:
    """Write the benchmark file: N rows, 2 % invalid numbers, 1 % repeats."""
    from bench.inventory import realistic_numbers
    from didhub.numbers import e164

    rng = random.Random(seed)
    unique = rows - rows // 100
    numbers = realistic_numbers(unique, seed=seed, invalid_ratio=0.02)
    numbers += rng.sample(numbers, rows - unique)
    rng.shuffle(numbers)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for number in numbers:
            try:
                parsed = e164.parse(number)
            except e164.NumberError:
                cc, phone = "", number
            else:
                form = rng.random()
                if form < 0.6:
                    cc, phone = str(parsed.country_code), parsed.national_number
                elif form < 0.8:
                    cc, phone = "", parsed.e164
                else:
                    national = parsed.national_number
                    cc, phone = (
                        str(parsed.country_code),
                        f"{national[:3]}-{national[3:6]} {national[6:]}",
                    )
            voice = rng.random() < 0.9
            sms = rng.random() < 0.3
            route = rng.choice(("Direct Routing", "Operator Connect", "External Trunk"))
            writer.writerow(
                [
                    cc,
                    phone,
                    "TRUE" if voice else "FALSE",
                    "yes" if sms else "no",
                    "FALSE",
                    route if voice else "",
                ]
            )


def median(values):
    return statistics.median(values)


# Baselines --------------------------------------------------------------------------


def baseline_csv(path: Path) -> float:
    started = time.perf_counter()
    with open(path, newline="") as stream:
        for _ in csv.reader(stream):
            pass
    return time.perf_counter() - started


def baseline_phonenumbers(path: Path, subset: int = 50_000) -> tuple[float, int]:
    import phonenumbers

    rows = []
    with open(path, newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        for row in reader:
            rows.append(row)
            if len(rows) == subset:
                break
    started = time.perf_counter()
    for cc, phone, *_ in rows:
        try:
            text = phone if phone.startswith("+") else f"+{cc}{phone}"
            phonenumbers.is_valid_number(phonenumbers.parse(text))
        except phonenumbers.NumberParseException:
            pass
    return time.perf_counter() - started, len(rows)


def django_setup(database_url: str) -> None:
    os.environ["DIDHUB_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    os.environ["DIDHUB_TASKS_IMMEDIATE"] = "1"
    import django

    django.setup()


def fresh_postgres() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def migrate_and_tree():
    from django.core.management import call_command

    from didhub.accounts.testing import build_tree

    call_command("migrate", verbosity=0, skip_checks=True)
    return build_tree()


def baseline_copy(path: Path) -> tuple[float, int]:
    """Raw COPY of the rows an upload inserts into an empty, fully indexed numbers table."""
    from django.db import connection
    from django.utils import timezone

    from didhub.numbers import e164

    rows, seen = [], set()
    with open(path, newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        for cc, phone, voice, sms, _fax, route in reader:
            try:
                parsed = e164.parse(phone, cc or None)
            except e164.NumberError:
                continue
            if parsed.e164 in seen:
                continue
            seen.add(parsed.e164)
            rows.append(
                (
                    parsed.e164,
                    parsed.country_code,
                    parsed.region,
                    parsed.number_type,
                    voice == "TRUE",
                    sms == "yes",
                    False,
                    route.lower().replace(" ", "_"),
                )
            )
    now = timezone.now()
    columns = (
        "e164, country_code, region, number_type, voice, sms, fax, route, usage, cac_limit,"
        " sip_connection, service_info, tags, owner_id, uploaded_by_id, external, state,"
        " voice_target_kind, sms_target_kind, fax_target_kind, activity, sync_state,"
        " sync_error, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("CREATE TABLE bench_copy (LIKE numbers_number INCLUDING ALL)")
        cursor.execute("SELECT MIN(id) FROM accounts_account")
        owner = cursor.fetchone()[0]
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY bench_copy ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        *row,
                        "user",
                        2,
                        "",
                        "",
                        "",
                        owner,
                        owner,
                        False,
                        "available",
                        "",
                        "",
                        "",
                        "pending",
                        "not_linked",
                        "",
                        now,
                        now,
                    )
                )
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return elapsed, len(rows)


# One measured upload (run in a fresh process) -----------------------------------------


def timed(module, name, bucket, key):
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            bucket[key] = bucket.get(key, 0.0) + time.perf_counter() - started

    setattr(module, name, wrapper)


def one_upload(path: Path, database_url: str) -> dict:
    django_setup(database_url)
    from didhub.imports import services, staging
    from didhub.numbers import e164
    from didhub.numbers.models import Number

    tree = migrate_and_tree()
    parts: dict[str, float] = {}
    timed(staging, "stage_rows", parts, "read+validate+stage")
    timed(staging, "mark_present", parts, "check")
    timed(staging, "take_unavailable", parts, "check")
    timed(staging, "insert_numbers", parts, "insert")
    timed(staging, "clear_staging", parts, "clear staging")
    from didhub.core import audit

    timed(audit, "record", parts, "events")
    timed(audit, "numbers_changed", parts, "events")
    # As `didhub worker`, which runs large uploads, does once at start.
    e164.warm_up()
    started = time.perf_counter()
    with open(path, "rb") as stream:
        run = services.import_create(actor=tree.master_admin, account=tree.acme, file=stream)
    validated = time.perf_counter()
    # Both phases look for numbers already present: keep each phase's parts apart.
    validate_parts = dict(parts)
    run = services.import_commit(actor=tree.master_admin, import_run=run)
    finished = time.perf_counter()
    parts = {
        **{f"{name} (validate)": spent for name, spent in validate_parts.items()},
        **{
            f"{name} (commit)": spent - validate_parts.get(name, 0.0)
            for name, spent in parts.items()
            if spent - validate_parts.get(name, 0.0) > 0
        },
    }
    assert run.state == "done", (run.state, run.error)
    assert Number.objects.count() == run.committed
    return {
        "total": finished - started,
        "validate_phase": validated - started,
        "commit_phase": finished - validated,
        "parts": parts,
        "rows": run.total_rows,
        "valid": run.valid,
        "invalid": run.invalid,
        "duplicate": run.duplicate,
        "committed": run.committed,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # The largest helper that validated a share of the file (0 when none did).
        "helper_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_child(path: Path, database_url: str, fresh, processes: int = 0) -> dict:
    """One upload in a fresh process; ``processes`` validating processes (0: one per core)."""
    fresh()
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--database-url", database_url],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DIDHUB_IMPORT_PROCESSES": str(processes)},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def report(label: str, results: list[dict], copy_rate: float | None) -> None:
    total = median([r["total"] for r in results])
    first = results[0]
    rate = first["rows"] / total
    print(
        f"\n{label}: {first['rows']:,} rows ({first['valid']:,} valid, {first['invalid']:,} "
        f"invalid, {first['duplicate']:,} duplicate), {first['committed']:,} committed"
    )
    runs = ", ".join(f"{r['total']:.2f}" for r in results)
    print(
        f"  end to end (median of {len(results)}): {total:.2f} s = {rate:,.0f} numbers/s"
        f"  [runs: {runs} s]"
    )
    print(
        f"  validate phase {median([r['validate_phase'] for r in results]):.2f} s, "
        f"commit phase {median([r['commit_phase'] for r in results]):.2f} s"
    )
    for part in first["parts"]:
        print(f"    {part:<30} {median([r['parts'].get(part, 0) for r in results]):7.2f} s")
    # What the commit phase spends outside the timed steps: the transaction's COMMIT,
    # the history event and the progress updates.
    rest = [
        r["commit_phase"] - sum(t for p, t in r["parts"].items() if p.endswith("(commit)"))
        for r in results
    ]
    print(f"    {'the rest of the commit':<30} {median(rest):7.2f} s")
    print(f"  peak RSS (max of runs): {max(r['max_rss_mb'] for r in results):.0f} MB", end="")
    helper = max(r.get("helper_rss_mb", 0) for r in results)
    print(f", largest validation helper {helper:.0f} MB" if helper else "")
    if copy_rate:
        print(f"  ratio to raw COPY: {rate / copy_rate:.2f}")


def fresh_sqlite(path: Path):
    def fresh():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    return fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite-runs", type=int, default=1)
    parser.add_argument(
        "--one-process-runs",
        type=int,
        default=1,
        help="PostgreSQL uploads validated by one process, for comparison",
    )
    parser.add_argument("--child")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_upload(Path(args.child), args.database_url)))
        return

    path = Path(f"/tmp/didhub-bench-upload-{args.rows}.csv")
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.rows)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )

    csv_times = [baseline_csv(path) for _ in range(3)]
    csv_time = median(csv_times)
    print(f"baseline csv.reader: {csv_time:.2f} s = {args.rows / csv_time:,.0f} rows/s")
    pn_time, pn_rows = baseline_phonenumbers(path)
    pn_rate = pn_rows / pn_time
    print(
        f"baseline phonenumbers.parse + is_valid_number: {pn_rate:,.0f} numbers/s "
        f"(on {pn_rows:,} rows; {args.rows / pn_rate:.1f} s extrapolated to {args.rows:,})"
    )

    pg_url = f"{PG_SERVER}/{PG_DB}"
    fresh_postgres()
    copy_results = []
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json; sys.path.insert(0, '.');"
            "from bench.upload import django_setup, migrate_and_tree, baseline_copy;"
            f"django_setup({pg_url!r}); migrate_and_tree();"
            f"print(json.dumps([baseline_copy(__import__('pathlib').Path({str(path)!r})) "
            f"for _ in range({args.runs})]))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    copy_results = json.loads(probe.strip().splitlines()[-1])
    copy_time = median([elapsed for elapsed, _ in copy_results])
    copy_rows = copy_results[0][1]
    copy_rate = copy_rows / copy_time
    print(
        f"baseline raw COPY into an empty indexed copy of numbers_number: {copy_rows:,} rows "
        f"in {copy_time:.2f} s = {copy_rate:,.0f} rows/s (as numbers of the file: "
        f"{args.rows / copy_time:,.0f}/s)"
    )

    results = [run_child(path, pg_url, fresh_postgres) for _ in range(args.runs)]
    report("PostgreSQL", results, args.rows / copy_time)
    alone = [
        run_child(path, pg_url, fresh_postgres, processes=1) for _ in range(args.one_process_runs)
    ]
    if alone:
        report("PostgreSQL, validated by one process", alone, args.rows / copy_time)
        shared = median([r["total"] for r in results])
        print(f"  one process / every core: {median([r['total'] for r in alone]) / shared:.2f}")

    sqlite_path = Path("/tmp/didhub-bench-upload.sqlite3")
    sqlite_results = [
        run_child(path, f"sqlite:///{sqlite_path}", fresh_sqlite(sqlite_path))
        for _ in range(args.sqlite_runs)
    ]
    if sqlite_results:
        report("SQLite", sqlite_results, None)


if __name__ == "__main__":
    main()
