"""The measurements of ``bench/scale.py`` on the built ten-million-number database.

Every figure is the median of ``--runs`` calls, in-process (Django's test client, no
network), printed beside its target and an in-run baseline: the same page's SQL run
raw (the statement Django sends, without Django), whose ``EXPLAIN (ANALYZE, BUFFERS)``
summary line is printed too. The machine is shared: read the ratios first.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.api import loadavg, median_ms, timed

TARGET_MS = 50.0
PORTAL_MS = 150.0
EXPORT_ROWS_PER_S = 150_000
UPLOAD_RATIO = 0.8
SEARCHES = (
    "unassigned",
    "available",
    "available_voice",
    "available_sms",
    "available_et",
    "available_oc",
    "assigned_pbx",
    "assigned_callapp",
    "assigned_et",
    "assigned_oc",
    "assigned_sms",
    "used",
)
RESULTS: list[dict] = []


def record(part: str, label: str, ms, target: float, baseline: float | None, plan: str = ""):
    """One figure; ``ms`` is a median, or (median, median CPU ms) from ``timed``."""
    ms, cpu = ms if isinstance(ms, tuple) else (ms, None)
    ratio = f"{ms / baseline:6.1f}x" if baseline else "      "
    base = f"{baseline:8.2f}" if baseline is not None else " " * 8
    cpu_text = f"cpu {cpu:6.1f}" if cpu is not None else " " * 10
    verdict = "ok" if ms < target else f"OVER {target:.0f}"
    print(
        f"  {label:<44} {ms:8.1f} ms {cpu_text}  raw {base} ms {ratio}  {verdict:<8} {plan}",
        flush=True,
    )
    RESULTS.append(
        {"part": part, "label": label, "ms": ms, "cpu": cpu, "target": target, "raw": baseline,
         "plan": plan}
    )  # fmt: skip


def explain_summary(sql: str, params) -> str:
    """One line of ``EXPLAIN (ANALYZE, BUFFERS)``: the top nodes with their indexes, the
    execution time and the buffers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        found = cursor.fetchone()[0]
    plan = found if isinstance(found, list) else json.loads(found)
    root = plan[0]["Plan"]
    nodes = []

    def walk(node, depth=0):
        if node["Node Type"] not in ("Limit", "Aggregate", "Result") or depth == 0:
            index = node.get("Index Name") or node.get("Relation Name") or ""
            nodes.append(f"{node['Node Type']}{' ' + index if index else ''}")
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(root)
    hit = root.get("Shared Hit Blocks", 0)
    read = root.get("Shared Read Blocks", 0)
    executed = plan[0]["Execution Time"]
    return " > ".join(nodes[:4]) + f" | exec {executed:.2f} ms, buffers hit={hit} read={read}"


def raw_ms(sql: str, params, runs: int) -> float:
    from django.db import connection

    def execute():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return median_ms(execute, runs)


# --- who ---------------------------------------------------------------------------------


def people() -> dict:
    """The viewers: the platform, the first master reseller, a reseller below the second,
    the giant, a small and a middle-sized enterprise (by numbers held)."""
    from django.db.models import Count

    from bench.scale_build import bench_user
    from didhub.accounts.choices import AccountKind, Role
    from didhub.accounts.models import Account

    root = Account.objects.get(kind=AccountKind.PLATFORM)
    master = Account.objects.get(name="Master 1")
    giant = Account.objects.get(name="Giant Enterprise")
    held = (
        Account.objects.filter(kind=AccountKind.ENTERPRISE)
        .annotate(held=Count("numbers"))
        .filter(held__gte=50)
        .order_by("held", "pk")
    )
    small = held.first()
    middle = held[held.count() - 20]
    return {
        "platform": bench_user(root, "admin@scale.test", Role.PLATFORM_ADMIN),
        "master reseller": bench_user(master, "master1@scale.test", Role.RESELLER_ADMIN),
        "reseller below a master": bench_user(
            Account.objects.get(name="Reseller 2.1"), "reseller21@scale.test", Role.RESELLER_ADMIN
        ),
        "giant enterprise": bench_user(giant, "giant@scale.test", Role.ENTERPRISE_ADMIN),
        f"enterprise of {middle.held:,}": bench_user(
            middle, "middle@scale.test", Role.ENTERPRISE_ADMIN
        ),
        f"enterprise of {small.held:,}": bench_user(
            small, "small@scale.test", Role.ENTERPRISE_ADMIN
        ),
    }


def token_client(user):
    from rest_framework.test import APIClient

    from didhub.accounts import services

    _, key = services.token_create(actor=user, name="bench", scope="read")
    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def cursor_of(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)["cursor"][0]


# --- the API number list -----------------------------------------------------------------


def page_sql(user, params: dict):
    """The page's own statement, as the list sends it (rows as values, LIMIT 51)."""
    from didhub.numbers.api.rows import LIST_COLUMNS
    from didhub.numbers.selectors import number_list

    filters = {key: value for key, value in params.items() if key != "cursor"}
    queryset = number_list(user=user, filters=filters).values(*LIST_COLUMNS)
    if "after" in params:
        queryset = queryset.filter(e164__gt=params["after"])
    return queryset[:51].query.sql_with_params()


def measure_lists(viewers: dict, runs: int) -> None:
    print(f"\nAPI number list, load {loadavg()}", flush=True)
    for who, user in viewers.items():
        client = token_client(user)
        cases = [("first page", {})]
        cases += [(f"search={name}", {"search": name}) for name in SEARCHES]
        cases += [("q=5550", {"q": "5550"}), ("pattern=*555*", {"pattern": "*555*"})]
        first = client.get("/api/v1/numbers/").json()
        if first["next"]:
            cases.append(("next page (cursor)", {"cursor": cursor_of(first["next"])}))
        for label, params in cases:

            def call(params=params, client=client):
                response = client.get("/api/v1/numbers/", params)
                assert response.status_code == 200, response.content[:300]

            api = timed(call, runs)
            sql_params = dict(params)
            if "cursor" in params:
                sql_params["after"] = first["results"][-1]["e164"]
            sql, values = page_sql(user, sql_params)
            plan = explain_summary(sql, values)
            record("lists", f"{who}: {label}", api, TARGET_MS, raw_ms(sql, values, runs), plan)


# --- the planner's estimate of a digit run ---------------------------------------------

DIGIT_RUN = "%5550%"
# PostgreSQL's default statistics target, and one ten times finer to compare it with.
STATISTICS_TARGETS = (100, 1000)


def e164_statistics_target(target: int | None = None) -> int:
    """The statistics target of ``numbers_number.e164`` (-1: the server's default),
    set first to ``target`` when given."""
    from django.db import connection

    with connection.cursor() as cursor:
        if target is not None:
            cursor.execute(f"ALTER TABLE numbers_number ALTER COLUMN e164 SET STATISTICS {target}")
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'numbers_number'::regclass AND attname = 'e164'"
        )
        return cursor.fetchone()[0]


def estimated_rows(like: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM numbers_number WHERE e164 LIKE %s", [like]
        )
        found = cursor.fetchone()[0]
    plan = found if isinstance(found, list) else json.loads(found)
    return plan[0]["Plan"]["Plan Rows"]


def measure_estimates(viewers: dict, runs: int) -> None:
    """What the planner believes of ``e164 LIKE '%5550%'`` after each ``ANALYZE`` (a
    fresh sample each time), at each of ``STATISTICS_TARGETS``, and the plan that belief
    gives the ``q=5550`` page of the reseller below a master: a quick search of four
    digits or more is planned by estimate, in E.164 order when the run looks common,
    through the trigram index when it looks rare. The column's own target is restored."""
    from django.db import connection

    print(f"\nEstimates of e164 LIKE {DIGIT_RUN!r}, load {loadavg()}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM numbers_number WHERE e164 LIKE %s", [DIGIT_RUN])
        (actual,) = cursor.fetchone()
    print(f"  numbers that match: {actual:,}")
    sql, params = page_sql(viewers["reseller below a master"], {"q": "5550"})
    configured = e164_statistics_target()
    try:
        for target in STATISTICS_TARGETS:
            e164_statistics_target(target)
            for _ in range(runs):
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE numbers_number")
                analyzed = time.perf_counter() - started
                estimate = estimated_rows(DIGIT_RUN)
                print(
                    f"  target {target:>5}: ANALYZE {analyzed:5.1f} s, estimate {estimate:>9,.0f} "
                    f"({estimate / actual:5.1f}x)  reseller's page: {explain_summary(sql, params)}",
                    flush=True,
                )
    finally:
        e164_statistics_target(configured)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE numbers_number")


# --- the portal --------------------------------------------------------------------------


def portal_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def measure_portal(viewers: dict, runs: int) -> None:
    print(f"\nPortal Phone Numbers page and dashboard, load {loadavg()}", flush=True)
    for who, user in viewers.items():
        client = portal_client(user)
        for label, url, params in (
            ("Phone Numbers, first page", "/numbers/", {}),
            ("Phone Numbers, search=used", "/numbers/", {"search": "used"}),
            ("Phone Numbers, search=available_et", "/numbers/", {"search": "available_et"}),
            ("Phone Numbers, q=5550", "/numbers/", {"q": "5550"}),
        ):

            def render(url=url, params=params, client=client):
                response = client.get(url, params)
                assert response.status_code == 200, response.status_code

            sql, values = page_sql(user, params)
            record(
                "portal", f"{who}: {label}", timed(render, runs), PORTAL_MS,
                raw_ms(sql, values, runs),
            )  # fmt: skip

        def dashboard(client=client):
            response = client.get("/")
            assert response.status_code == 200, response.status_code

        record("dashboard", f"{who}: dashboard", timed(dashboard, runs), TARGET_MS, None)


# --- inventory counts --------------------------------------------------------------------


def measure_inventory(viewers: dict, runs: int) -> None:
    """``account_inventory`` (sums of the account's tallies, which count its subtree),
    beside the count over the numbers it replaced (``GROUP BY state``, raw); the plan
    printed is the tallies'."""
    from didhub.numbers.selectors import account_inventory

    print(f"\nPer-account inventory counts (account_inventory), load {loadavg()}", flush=True)
    for who, user in viewers.items():
        account = user.account
        if account.is_platform:
            sql = "SELECT state, count(*) FROM numbers_number GROUP BY state"
            params: list = []
        elif account.is_enterprise:
            sql = "SELECT state, count(*) FROM numbers_number WHERE owner_id = %s GROUP BY state"
            params = [account.pk]
        else:
            sql = (
                "SELECT n.state, count(*) FROM numbers_number n JOIN accounts_account a "
                "ON a.id = n.owner_id WHERE a.path LIKE %s GROUP BY n.state"
            )
            params = [account.path + "%"]
        tallies = (
            "SELECT state, sum(numbers) FROM numbers_tally WHERE account_id = %s GROUP BY state"
        )
        plan = explain_summary(tallies, [account.pk])
        record(
            "inventory", f"{who}: account_inventory",
            timed(lambda u=user, a=account: account_inventory(user=u, account=a), runs),
            TARGET_MS, raw_ms(sql, params, runs), plan,
        )  # fmt: skip


# --- history, point in time, audit log ---------------------------------------------------


def busy_number(user) -> str:
    """A number of ``user``'s account with one of the longest histories the builder
    writes: assigned, with two past assignments and an update (``scale_build.EVENTS_SQL``
    draws them from the id)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e164 FROM numbers_number WHERE owner_id = %s AND state = 'assigned' "
            "AND (id * 7919) %% 3 = 2 AND (id * 104729) %% 5 >= 3 ORDER BY id LIMIT 1",
            [user.account_id],
        )
        return cursor.fetchone()[0]


def measure_history(viewers: dict, runs: int) -> None:
    from didhub.accounts.events import event_list
    from didhub.numbers.selectors import number_get, number_history

    print(f"\nHistory, point in time and audit log, load {loadavg()}", flush=True)
    for who in ("platform", "giant enterprise"):
        user = viewers[who]
        client = token_client(user)
        e164 = busy_number(viewers["giant enterprise"])
        number = number_get(user=user, e164=e164)
        history = number_history(user=user, number=number)[:51]
        sql, params = history.query.sql_with_params()
        plan = explain_summary(sql, params)
        path = f"/api/v1/numbers/{e164}/history/"
        record(
            "history", f"{who}: a number's history ({e164})",
            timed(lambda c=client, p=path: check(c.get(p)), runs), TARGET_MS,
            raw_ms(sql, params, runs), plan,
        )  # fmt: skip
        for when in ("2024-01-01T00:00:00Z", "2026-11-30T00:00:00Z"):
            record(
                "history", f"{who}: point in time at {when[:10]}",
                timed(
                    lambda c=client, e=e164, w=when: check(
                        c.get("/api/v1/numbers/at/", {"e164": e, "when": w})
                    ),
                    runs,
                ),
                TARGET_MS, None,
            )  # fmt: skip
    for who, user in viewers.items():
        client = token_client(user)
        first = client.get("/api/v1/events/").json()
        events = event_list(user=user, filters={}).order_by("-at", "-id")[:51]
        sql, params = events.query.sql_with_params()
        plan = explain_summary(sql, params)
        record(
            "audit", f"{who}: audit log, first page",
            timed(lambda c=client: check(c.get("/api/v1/events/")), runs), TARGET_MS,
            raw_ms(sql, params, runs), plan,
        )  # fmt: skip
        if first["next"]:
            cursor = cursor_of(first["next"])
            record(
                "audit", f"{who}: audit log, next page",
                timed(
                    lambda c=client, k=cursor: check(c.get("/api/v1/events/", {"cursor": k})),
                    runs,
                ),
                TARGET_MS, None,
            )  # fmt: skip


def check(response):
    assert response.status_code == 200, response.content[:300]
    return response


# --- export ------------------------------------------------------------------------------


EXPORT_COLUMNS = (
    "e164, country_code, region, number_type, voice, sms, fax, route, usage, cac_limit,"
    " owner_id, uploaded_by_id, external, voice_carrier_id, sms_profile_id,"
    " calling_profile_id, sip_connection, service_info, tags, state, voice_target_kind,"
    " sms_target_kind, fax_target_kind, reserved_until, aging_until, activity, last_call_at,"
    " sync_state, created_at"
)


def export_child(email: str) -> dict:
    """One CSV export through the view, and the raw COPY of the same rows (a child)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    user = get_user_model().objects.select_related("account").get(email=email)
    client = portal_client(user)
    started = time.perf_counter()
    response = client.get("/api/v1/numbers/export.csv")
    assert response.status_code == 200, response.status_code
    rows = sum(piece.count(b"\n") for piece in response.streaming_content) - 1
    seconds = time.perf_counter() - started
    connection.ensure_connection()
    started = time.perf_counter()
    copied = 0
    query = (
        f"COPY (SELECT {EXPORT_COLUMNS} FROM numbers_number WHERE owner_id = {user.account_id} "
        "ORDER BY e164) TO STDOUT CSV"
    )
    with connection.connection.cursor() as cursor, cursor.copy(query) as copy:
        for block in copy:
            copied += bytes(block).count(b"\n")
    return {"rows": rows, "seconds": seconds, "raw_rows": copied,
            "raw_seconds": time.perf_counter() - started}  # fmt: skip


def export_chunk_plan(user) -> str:
    """Where the database spends one COPY chunk of the export: ``EXPLAIN (ANALYZE,
    BUFFERS)`` of the first chunk's statement, as ``export_copy_chunks`` sends it, and
    the share of the per-row subqueries (the assignments of assigned numbers)."""
    from django.db import connection, transaction

    from didhub.exports import sql as export_sql
    from didhub.exports.columns import FIELDS
    from didhub.exports.selectors import COPY_CHUNK_SIZE
    from didhub.numbers.lineage import References
    from didhub.numbers.selectors import number_list

    ordered = number_list(user=user).order_by("e164").values_list(*FIELDS)
    numbers, numbers_params = ordered[:COPY_CHUNK_SIZE].query.sql_with_params()
    statement, params = export_sql.csv_select(numbers, zone="UTC")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            "SELECT set_config(%s, %s, true)",
            [export_sql.VIEWER_PATH, References(user).viewer_path],
        )
        cursor.execute(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", [*params, *numbers_params]
        )
        found = cursor.fetchone()[0]
    plan = found if isinstance(found, list) else json.loads(found)
    per_row, runs = 0.0, 0

    def walk(node):
        nonlocal per_row, runs
        if node.get("Parent Relationship") == "SubPlan":
            per_row += node["Actual Total Time"] * node["Actual Loops"]
            runs += node["Actual Loops"]
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return (
        f"one chunk of {COPY_CHUNK_SIZE:,} rows: {plan[0]['Execution Time']:.0f} ms in the "
        f"database, {per_row:.0f} ms of it in per-row subqueries ({runs:,} runs)"
    )


def measure_export(viewers: dict, runs: int, database: str) -> None:
    print(f"\nCSV export of the giant enterprise, load {loadavg()}", flush=True)
    email = viewers["giant enterprise"].email
    results = []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-m", "bench.scale", "--database", database, "--export-child", email],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        results.append(json.loads(output.strip().splitlines()[-1]))
    rate = statistics.median(r["rows"] / r["seconds"] for r in results)
    raw = statistics.median(r["raw_rows"] / r["raw_seconds"] for r in results)
    verdict = "ok" if rate >= EXPORT_ROWS_PER_S else f"UNDER {EXPORT_ROWS_PER_S:,}"
    print(
        f"  {results[0]['rows']:,} rows: {rate:,.0f} rows/s, raw COPY {raw:,.0f} rows/s, "
        f"ratio {rate / raw:.2f}; target {EXPORT_ROWS_PER_S:,} rows/s: {verdict}",
        flush=True,
    )
    print(f"  {export_chunk_plan(viewers['giant enterprise'])}", flush=True)
    RESULTS.append(
        {
            "part": "export",
            "label": "CSV export rows/s",
            "ms": rate,
            "raw": raw,
            "missed": rate < EXPORT_ROWS_PER_S,
        }
    )


# --- upload into the nine-million table --------------------------------------------------


def measure_upload(viewers: dict, built: dict, database: str) -> None:
    """The held-back million out; raw COPY of it in and out again; then didhub's upload
    of the same numbers, which leaves the database at ten million again."""
    from django.db import connection

    from bench.scale_build import set_held_back_import

    print(f"\nUpload of 1,000,000 new numbers into the 9,000,000-number table, load {loadavg()}")
    held = built["held_back_import"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e164, country_code, region, number_type, owner_id FROM numbers_number "
            "WHERE source_import_id = %s ORDER BY id",
            [held],
        )
        rows = cursor.fetchall()
    owner = rows[0][4]
    path = Path(tempfile.gettempdir()) / f"didhub-scale-upload-{len(rows)}.csv"
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Phone Number", "Voice", "Voice Route Type"])
        for e164, *_ in rows:
            writer.writerow([e164, "TRUE", "Direct Routing"])
    remove_held(held)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM numbers_number")
        print(f"  numbers now {cursor.fetchone()[0]:,}", flush=True)
    copy_seconds = raw_copy(rows, owner)
    print(f"  raw COPY of {len(rows):,} rows: {copy_seconds:.2f} s = "
          f"{len(rows) / copy_seconds:,.0f} rows/s", flush=True)  # fmt: skip
    output = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--database", database, "--upload-child",
         str(path), "--upload-account", str(owner)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    upload = json.loads(output.strip().splitlines()[-1])
    set_held_back_import(connection, upload["import_id"])
    rate = upload["committed"] / upload["seconds"]
    ratio = copy_seconds / upload["seconds"]
    verdict = "ok" if ratio >= UPLOAD_RATIO else f"UNDER {UPLOAD_RATIO}"
    print(
        f"  didhub upload: {upload['committed']:,} numbers in {upload['seconds']:.2f} s = "
        f"{rate:,.0f} numbers/s (validate {upload['validate']:.2f} s, commit "
        f"{upload['commit']:.2f} s); ratio to the raw COPY {ratio:.2f}: {verdict}",
        flush=True,
    )
    RESULTS.append(
        {
            "part": "upload",
            "label": "upload / raw COPY",
            "ms": ratio,
            "raw": None,
            "missed": ratio < UPLOAD_RATIO,
        }
    )
    path.unlink()


def remove_held(import_id: int) -> None:
    """Take an import's numbers out of the table and vacuum (a DELETE leaves dead rows)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM numbers_number WHERE source_import_id = %s", [import_id])
        removed = cursor.rowcount
        cursor.execute("VACUUM (ANALYZE) numbers_number")
    print(f"  {removed:,} numbers removed and the table vacuumed in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip


def raw_copy(rows: list, owner: int) -> float:
    """Seconds of a raw COPY of ``rows`` into numbers_number itself (then removed)."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    columns = (
        "e164, country_code, region, number_type, voice, sms, fax, route, usage, cac_limit,"
        " sip_connection, service_info, tags, owner_id, uploaded_by_id, external, state,"
        " voice_target_kind, sms_target_kind, fax_target_kind, activity, sync_state,"
        " sync_error, created_at, updated_at, source_import_id"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM imports_import")
        marker = -1 - cursor.fetchone()[0]  # an import id nothing else has
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY numbers_number ({columns}) FROM STDIN") as copy:
            for e164, country_code, region, number_type, _ in rows:
                copy.write_row(
                    (e164, country_code, region, number_type, True, False, False,
                     "direct_routing", "user", 2, "", "", "", owner, owner, False, "available",
                     "", "", "", "pending", "not_linked", "", now, now, marker)
                )  # fmt: skip
        seconds = time.perf_counter() - started
    remove_held(marker)
    return seconds


def upload_child(path: str, account_id: int) -> dict:
    from didhub.accounts.models import Account, User
    from didhub.imports import services
    from didhub.numbers import e164

    account = Account.objects.get(pk=account_id)
    actor = User.objects.filter(account=account).first()
    if actor is None:
        from bench.scale_build import bench_user
        from didhub.accounts.choices import Role

        actor = bench_user(account, "master3@scale.test", Role.RESELLER_ADMIN)
    e164.warm_up()
    started = time.perf_counter()
    with open(path, "rb") as stream:
        run = services.import_create(actor=actor, account=account, file=stream)
    validated = time.perf_counter()
    run = services.import_commit(actor=actor, import_run=run)
    finished = time.perf_counter()
    assert run.state == "done", (run.state, run.error)
    return {"import_id": run.pk, "committed": run.committed, "seconds": finished - started,
            "validate": validated - started, "commit": finished - validated}  # fmt: skip


# --- disk --------------------------------------------------------------------------------


def disk_use() -> None:
    from django.db import connection

    print(f"\nDisk use, load {loadavg()}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database: {cursor.fetchone()[0]}")
        cursor.execute(
            "SELECT c.relname, pg_size_pretty(pg_table_size(c.oid)), "
            "pg_size_pretty(pg_indexes_size(c.oid)), c.reltuples::bigint FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8"
        )
        for name, heap, indexes, rows in cursor.fetchall():
            print(f"  table {name:<24} {rows:>12,} rows  heap {heap:>9}  indexes {indexes:>9}")
        cursor.execute(
            "SELECT i.indexrelid::regclass, t.relname, pg_size_pretty(pg_relation_size("
            "i.indexrelid)) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid WHERE "
            "t.relname IN ('numbers_number', 'core_event', 'numbers_assignment') ORDER BY "
            "pg_relation_size(i.indexrelid) DESC"
        )
        for index, table, size in cursor.fetchall():
            print(f"  index {index!s:<40} on {table:<20} {size:>9}")


def run(args, built: dict) -> int:
    import logging

    logging.disable(logging.INFO)  # one request log line per call would time the logger
    if args.export_child:
        print(json.dumps(export_child(args.export_child)))
        return 0
    if args.upload_child:
        print(json.dumps(upload_child(args.upload_child, args.upload_account)))
        return 0
    parts = (args.only or "lists,portal,inventory,history,export,upload,disk").split(",")
    viewers = people()
    print(f"viewers: {', '.join(viewers)}; medians of {args.runs}; pid {os.getpid()}")
    if "lists" in parts:
        measure_lists(viewers, args.runs)
    if "portal" in parts:
        measure_portal(viewers, args.runs)
    if "inventory" in parts:
        measure_inventory(viewers, args.runs)
    if "history" in parts:
        measure_history(viewers, args.runs)
    if "export" in parts:
        measure_export(viewers, max(1, args.runs // 3), args.database)
    if "upload" in parts:
        measure_upload(viewers, built, args.database)
    if "estimates" in parts:
        measure_estimates(viewers, args.runs)
    if "disk" in parts:
        disk_use()
    # Times miss above their target; the export's rate and the upload's ratio below it.
    missed = [r for r in RESULTS if r.get("missed") or (r.get("target") and r["ms"] >= r["target"])]
    print(f"\n{len(RESULTS)} figures, {len(missed)} over target; load {loadavg()}")
    return 1 if missed else 0
