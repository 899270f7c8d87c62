"""The Phone Numbers page at 1,000,000 numbers: rendered server side, per predefined search.

    .venv/bin/python -m bench.portal [--numbers 1000000] [--runs 5] [--reuse]

Loads a realistic inventory (``bench.inventory``: blocks, country mix) into its own
PostgreSQL database ``bench_portal`` by COPY: owners spread over the test tree, about
45 % of the enterprise numbers assigned (PBX, CallApp, trunks, SMS groups) with their
assignment rows. Then it renders ``/numbers/`` with Django's test client in-process,
as a platform admin (every number) and as an enterprise admin (its share), for the
first page and for each predefined search, and prints the median of ``--runs`` renders.

The baseline, measured in the same run: the same page's rows fetched by raw SQL (the
indexed ``ORDER BY e164 LIMIT 50`` with the search's condition). The target is a
median under 150 ms per page.
"""

import argparse
import os
import random
import statistics
import sys
import time

PG_SERVER = os.environ.get("DIDHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DB = "bench_portal"
TARGET_MS = 150.0

# search= -> the raw SQL condition of its baseline query (the same rows, no ORM, no page).
SEARCHES = {
    "(first page)": "TRUE",
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


def django_setup() -> None:
    os.environ["DIDHUB_DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    os.environ.setdefault("DIDHUB_SECURE_COOKIES", "0")
    os.environ["DIDHUB_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def load(count: int) -> None:
    """Tree, targets and ``count`` numbers with their assignments, by COPY."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.inventory import realistic_numbers, shaped_rows
    from didhub.accounts.testing import build_tree
    from didhub.numbers.models import Target

    call_command("migrate", verbosity=0)
    tree = build_tree()
    rng = random.Random(5)
    enterprises = [tree.acme, tree.globex, tree.initech]
    kinds = ["pbx_user", "callapp_user", "trunk", "external_trunk", "operator_connect_trunk"]
    kinds += ["sms_group", "sms_user"]
    Target.objects.bulk_create(
        Target(enterprise=enterprise, kind=kind, name=f"{kind} {index}")
        for enterprise in enterprises
        for kind in kinds
        for index in range(300)
    )
    targets = {
        (t.enterprise_id, t.kind): [] for t in Target.objects.all().only("enterprise_id", "kind")
    }
    for pk, enterprise_id, kind in Target.objects.values_list("pk", "enterprise_id", "kind"):
        targets[(enterprise_id, kind)].append(pk)
    owners = [
        (tree.acme, 0.30),
        (tree.globex, 0.20),
        (tree.initech, 0.20),
        (tree.master, 0.15),
        (tree.sub, 0.10),
        (tree.foreign, 0.05),
    ]
    uploader = {
        tree.acme.pk: tree.master.pk,
        tree.globex.pk: tree.master.pk,
        tree.initech.pk: tree.foreign.pk,
        tree.master.pk: tree.master.pk,
        tree.sub.pk: tree.master.pk,
        tree.foreign.pk: tree.foreign.pk,
    }
    started = time.perf_counter()
    texts = realistic_numbers(count, invalid_ratio=0.0)
    now = timezone.now()
    rows, assignments = shaped_rows(
        sorted(texts),
        lambda: rng.choices([o for o, _ in owners], [w for _, w in owners])[0],
        uploader,
        targets,
        rng,
        now,
    )
    columns = (
        "id, e164, country_code, region, number_type, voice, sms, fax, route, usage, cac_limit,"
        " sip_connection, service_info, tags, owner_id, uploaded_by_id, external, state,"
        " voice_target_kind, sms_target_kind, fax_target_kind, activity, sync_state,"
        " sync_error, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY numbers_number ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cursor.cursor.copy(
            "COPY numbers_assignment (number_id, channel, target_id, target_kind, created_at) "
            "FROM STDIN"
        ) as copy:
            for row in assignments:
                copy.write_row(row)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('numbers_number', 'id'), "
            "(SELECT MAX(id) FROM numbers_number))"
        )
        cursor.execute("ANALYZE")
    print(
        f"loaded {len(rows):,} numbers and {len(assignments):,} assignments "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def median_ms(func, runs: int) -> float:
    func()  # warm: templates, metadata, connection
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(runs: int) -> list[tuple]:
    from django.db import connection
    from django.test import Client

    from didhub.accounts.models import Account, User

    results = []
    for email in ("admin@platform.test", "admin@acme.test"):
        user = User.objects.get(email=email)
        client = Client()
        client.force_login(user)
        if user.account.is_platform:
            scope = "TRUE"
        else:
            ids = list(Account.objects.subtree_of(user.account).values_list("pk", flat=True))
            scope = f"owner_id IN ({', '.join(str(pk) for pk in ids)})"
        for search, condition in SEARCHES.items():
            url = "/numbers/" if search == "(first page)" else f"/numbers/?search={search}"

            def render(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                return response

            body = render().content.decode()
            rows = body.count("<tr data-number=")
            page_ms = median_ms(render, runs)
            sql = (
                "SELECT id, e164, state, owner_id FROM numbers_number "
                f"WHERE ({scope}) AND ({condition}) ORDER BY e164 LIMIT 50"
            )

            def raw(sql=sql):
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    cursor.fetchall()

            raw_ms = median_ms(raw, runs)
            results.append((email.split("@")[1].split(".")[0], search, rows, page_ms, raw_ms))
    return results


def report(results: list[tuple], runs: int, count: int) -> bool:
    print(f"\nPhone Numbers page, {count:,} numbers in PostgreSQL, median of {runs} renders")
    header = f"{'as':<9} {'search':<17} {'rows':>4} {'page ms':>9} {'raw SQL ms':>10} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    ok = True
    for who, search, rows, page_ms, raw_ms in results:
        flag = "" if page_ms < TARGET_MS else "  over target"
        ok &= page_ms < TARGET_MS
        ratio = page_ms / raw_ms if raw_ms else float("inf")
        print(
            f"{who:<9} {search:<17} {rows:>4} {page_ms:>9.1f} {raw_ms:>10.2f} {ratio:>6.0f}x{flag}"
        )
    worst = max(page_ms for *_, page_ms, _ in results)
    print(
        f"\nworst median {worst:.1f} ms; target < {TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded bench_portal")
    args = parser.parse_args(argv)
    if not args.reuse:
        fresh_database()
    django_setup()
    from didhub.numbers.models import Number

    if not args.reuse or not Number.objects.exists():
        load(args.numbers)
    count = Number.objects.count()
    results = measure(args.runs)
    return 0 if report(results, args.runs, count) else 1


if __name__ == "__main__":
    sys.exit(main())
