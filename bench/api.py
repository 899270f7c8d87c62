"""The REST API's number list at 1,000,000 numbers, server side, on PostgreSQL and SQLite.

    .venv/bin/python -m bench.api [--numbers 1000000] [--runs 5] [--reuse] [--sqlite]

Loads a realistic inventory (``bench.inventory``: blocks, country mix) into its own
database (PostgreSQL ``bench_api``, or with ``--sqlite`` the file
``var/bench_api.sqlite3``): owners spread over the test tree, about 45 % of the
enterprise numbers assigned, with their assignment rows. Then it calls
``/api/v1/numbers/`` with Django's test client in-process (token auth, JSON rendering,
the count, no network) as a platform admin (every number) and as an enterprise admin
(its share): the first page of 50, each predefined ``search=``, the next page by
cursor, and ``q=`` digits anywhere. Each figure is the median of ``--runs`` calls.

The baseline, measured in the same run: the same page's rows by raw SQL (``ORDER BY
e164 LIMIT 51`` with the same condition); the ratio of the two is printed. Targets: < 20 ms
per page (< 50 ms before), < 300 ms for ``q=``. ``DIDHUB_BENCH_API_DB`` names another
PostgreSQL database than ``bench_api``.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

PG_SERVER = os.environ.get("DIDHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("DIDHUB_BENCH_API_DB", "bench_api")
SQLITE_PATH = Path("var/bench_api.sqlite3").resolve()
TARGET_MS = 20.0
TARGET_Q_MS = 300.0
Q_DIGITS = "5550"

# search= -> the raw SQL condition of its baseline query.
SEARCHES = {
    "": "1=1",
    "unassigned": "voice_target_kind = '' AND sms_target_kind = '' AND fax_target_kind = ''",
    "available_voice": "voice AND voice_target_kind = ''",
    "available_et": "route = 'external_trunk' AND voice_target_kind = ''",
    "available_oc": "route = 'operator_connect' AND voice_target_kind = ''",
    "available_sms": "sms AND sms_target_kind = ''",
    "assigned_pbx": "route = 'direct_routing' AND voice_target_kind IN ('pbx_user', 'trunk')",
    "assigned_callapp": "route = 'direct_routing' AND voice_target_kind = 'callapp_user'",
    "assigned_et": "voice_target_kind = 'external_trunk'",
    "assigned_oc": "voice_target_kind = 'operator_connect_trunk'",
    "assigned_sms": "sms_target_kind IN ('sms_user', 'sms_group')",
    "used": "state = 'assigned'",
    "available": "voice_target_kind = '' AND sms_target_kind = '' AND fax_target_kind = ''",
}

COLUMNS = (
    "id, e164, country_code, region, number_type, voice, sms, fax, route, usage, cac_limit,"
    " sip_connection, service_info, tags, owner_id, uploaded_by_id, external, state,"
    " voice_target_kind, sms_target_kind, fax_target_kind, activity, sync_state,"
    " sync_error, created_at, updated_at"
)


def django_setup(sqlite: bool) -> None:
    url = f"sqlite:///{SQLITE_PATH}" if sqlite else f"{PG_SERVER}/{PG_DB}"
    os.environ["DIDHUB_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    os.environ.setdefault("DIDHUB_SECURE_COOKIES", "0")
    # The bench calls thousands of times a minute on one token.
    os.environ.setdefault("DIDHUB_THROTTLE_USER", "1000000/min")
    import django

    django.setup()


def fresh_database(sqlite: bool) -> None:
    if sqlite:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def build_rows(count: int, tree, targets: dict) -> tuple[list, list]:
    """Number rows and assignment rows, deterministic for a given ``count``."""
    from django.utils import timezone

    from bench.inventory import realistic_numbers, shaped_rows

    rng = random.Random(5)
    owners = [tree.acme, tree.globex, tree.initech, tree.master, tree.sub, tree.foreign]
    weights = [0.30, 0.20, 0.20, 0.15, 0.10, 0.05]
    uploader = {
        tree.acme.pk: tree.master.pk,
        tree.globex.pk: tree.master.pk,
        tree.initech.pk: tree.foreign.pk,
        tree.master.pk: tree.master.pk,
        tree.sub.pk: tree.master.pk,
        tree.foreign.pk: tree.foreign.pk,
    }
    now = timezone.now()
    rows, assignments = shaped_rows(
        sorted(realistic_numbers(count, invalid_ratio=0.0)),
        lambda: rng.choices(owners, weights)[0],
        uploader,
        targets,
        rng,
        now,
    )
    return rows, assignments


def load(count: int) -> None:
    """Tree, targets and ``count`` numbers with assignments: COPY, or batched inserts."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from didhub.accounts.testing import build_tree
    from didhub.numbers.models import Target

    call_command("migrate", verbosity=0)
    tree = build_tree()
    kinds = ["pbx_user", "callapp_user", "trunk", "external_trunk", "operator_connect_trunk"]
    kinds += ["sms_group", "sms_user"]
    Target.objects.bulk_create(
        Target(enterprise=enterprise, kind=kind, name=f"{kind} {index}")
        for enterprise in (tree.acme, tree.globex, tree.initech)
        for kind in kinds
        for index in range(300)
    )
    targets: dict = {}
    for pk, enterprise_id, kind in Target.objects.values_list("pk", "enterprise_id", "kind"):
        targets.setdefault((enterprise_id, kind), []).append(pk)
    started = time.perf_counter()
    rows, assignments = build_rows(count, tree, targets)
    assignment_columns = "number_id, channel, target_id, target_kind, created_at"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY numbers_number ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            with cursor.cursor.copy(
                f"COPY numbers_assignment ({assignment_columns}) FROM STDIN"
            ) as copy:
                for row in assignments:
                    copy.write_row(row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('numbers_number', 'id'), "
                "(SELECT MAX(id) FROM numbers_number))"
            )
        else:
            marks = ", ".join(["%s"] * 26)
            for start in range(0, len(rows), 50_000):
                cursor.executemany(
                    f"INSERT INTO numbers_number ({COLUMNS}) VALUES ({marks})",
                    rows[start : start + 50_000],
                )
            cursor.executemany(
                f"INSERT INTO numbers_assignment ({assignment_columns}) "
                "VALUES (%s, %s, %s, %s, %s)",
                assignments,
            )
    with connection.cursor() as cursor:
        # Vacuumed as autovacuum leaves a loaded table: the visibility map set, so that
        # counts read an index alone (index-only scans), as they do in production.
        cursor.execute("VACUUM (ANALYZE)")
    print(
        f"loaded {len(rows):,} numbers and {len(assignments):,} assignments "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def median_ms(func, runs: int) -> float:
    return timed(func, runs)[0]


def timed(func, runs: int) -> tuple[float, float]:
    """Medians of ``runs`` calls: wall-clock ms, and ms of this process's CPU.

    The CPU time is the Python side of an in-process request alone (the database works
    in its own process): on a machine shared with other work it moves far less than
    the wall clock, which also counts the waits for a core.
    """
    func()  # warm: connection, caches
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        func()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu)


def token_client(email: str):
    from rest_framework.test import APIClient

    from didhub.accounts import services
    from didhub.accounts.models import User

    user = User.objects.get(email=email)
    _, key = services.token_create(actor=user, name="bench", scope="read")
    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return user, client


def measure(runs: int) -> list[tuple]:
    from django.db import connection

    from didhub.accounts.models import Account

    results = []
    for email in ("admin@platform.test", "admin@acme.test"):
        user, client = token_client(email)
        if user.account.is_platform:
            scope = "1=1"
        else:
            ids = Account.objects.subtree_of(user.account).values_list("pk", flat=True)
            scope = f"owner_id IN ({', '.join(str(pk) for pk in ids)})"
        cases = [(f"search={name}" if name else "first page", {"search": name} if name else {},
                  condition) for name, condition in SEARCHES.items()]  # fmt: skip
        first = client.get("/api/v1/numbers/").json()
        cases.append(("next page (cursor)", {"cursor": cursor_of(first["next"])},
                      f"e164 > '{first['results'][-1]['e164']}'"))  # fmt: skip
        cases.append((f"q={Q_DIGITS}", {"q": Q_DIGITS}, f"e164 LIKE '%{Q_DIGITS}%'"))
        for label, params, condition in cases:

            def call(params=params, client=client):
                response = client.get("/api/v1/numbers/", params)
                assert response.status_code == 200, response.content[:300]
                return response

            queries: list[str] = []

            def counted(run, sql, *rest, queries=queries):
                queries.append(sql)
                return run(sql, *rest)

            with connection.execute_wrapper(counted):
                rows = len(call().json()["results"])
            api_ms, cpu_ms = timed(call, runs)
            sql = (
                "SELECT id, e164, state, owner_id FROM numbers_number "
                f"WHERE ({scope}) AND ({condition}) ORDER BY e164 LIMIT 51"
            )

            def raw(sql=sql):
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    cursor.fetchall()

            raw_ms = median_ms(raw, runs)
            who = email.split("@")[1].split(".")[0]
            results.append((who, label, rows, api_ms, raw_ms, cpu_ms, len(queries)))
    return results


def loadavg() -> str:
    with open("/proc/loadavg") as stream:
        return " ".join(stream.read().split()[:3])


def cursor_of(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)["cursor"][0]


def report(results: list[tuple], runs: int, count: int, vendor: str) -> bool:
    print(f"\n/api/v1/numbers/, {count:,} numbers in {vendor}, median of {runs} calls, in-process")
    print("API ms: wall clock; CPU ms: the Python side alone; queries: SQL statements sent")
    header = (
        f"{'as':<9} {'request':<24} {'rows':>4} {'API ms':>8} {'raw SQL ms':>10} {'ratio':>6}"
        f" {'CPU ms':>7} {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for who, label, rows, api_ms, raw_ms, cpu_ms, queries in results:
        target = TARGET_Q_MS if label.startswith("q=") else TARGET_MS
        met = api_ms < target
        ok &= met
        ratio = api_ms / raw_ms if raw_ms else float("inf")
        flag = "" if met else f"  over {target:.0f} ms"
        print(
            f"{who:<9} {label:<24} {rows:>4} {api_ms:>8.1f} {raw_ms:>10.2f} {ratio:>5.0f}x"
            f" {cpu_ms:>7.1f} {queries:>7}{flag}"
        )
    pages = [r[3] for r in results if not r[1].startswith("q=")]
    searches = [r[3] for r in results if r[1].startswith("q=")]
    print(
        f"\nmedian page {statistics.median(pages):.1f} ms, median CPU "
        f"{statistics.median(r[5] for r in results):.1f} ms, median ratio to raw SQL "
        f"{statistics.median(r[3] / r[4] for r in results if r[4]):.0f}x; load {loadavg()}"
    )
    print(
        f"\nworst page {max(pages):.1f} ms (target < {TARGET_MS:.0f}); worst q= "
        f"{max(searches):.1f} ms (target < {TARGET_Q_MS:.0f}): {'met' if ok else 'MISSED'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args(argv)
    if not args.reuse:
        fresh_database(args.sqlite)
    django_setup(args.sqlite)
    from django.db import connection

    from didhub.numbers.models import Number

    if not args.reuse or not Number.objects.exists():
        load(args.numbers)
    count = Number.objects.count()
    import logging

    logging.disable(logging.INFO)  # no request log line per call in the output
    results = measure(args.runs)
    return 0 if report(results, args.runs, count, connection.vendor) else 1


if __name__ == "__main__":
    sys.exit(main())
