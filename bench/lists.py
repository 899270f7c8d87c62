"""How fast the number list answers at scale: first pages, predefined searches, counts.

Builds (or reuses) an inventory of ``--numbers`` numbers (default 1,000,000) in the
database of ``DIDHUB_DATABASE_URL``, shaped like a provider's (``bench.inventory``:
contiguous blocks, a multinational mix), held by heavy-tailed tenants (a few
enterprises with tens of thousands of numbers, most with under a hundred) below two
top resellers, about half of them assigned across every target kind so that every
predefined search has rows. PostgreSQL loads with COPY; SQLite with batched INSERTs.

Then it times, as the server does (``number_list`` with the list's relations, first
page of 50 in the default order), the whole platform, a top reseller, a large and a
small enterprise, every predefined search (for the platform and for a top reseller),
``q=`` digits and names, ``pattern=`` and ``count_with_estimate``: the median of
``--runs`` runs each, plus the page's SQL alone. The baseline, measured in the same
run, is the raw ``SELECT * FROM numbers_number ORDER BY e164 LIMIT 50``; the ratio is
each case over it. On PostgreSQL each row also names the scans the planner chose on
``numbers_number`` (``--explain`` prints whole plans).

    DIDHUB_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_lists \\
        .venv/bin/python bench/lists.py --numbers 1000000
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from bench.inventory import realistic_numbers  # noqa: E402
from didhub.accounts import services as account_services  # noqa: E402
from didhub.accounts.choices import AccountKind, Role  # noqa: E402
from didhub.accounts.models import Account, User  # noqa: E402
from didhub.core.counting import count_with_estimate  # noqa: E402
from didhub.numbers import e164  # noqa: E402
from didhub.numbers.choices import TargetKind  # noqa: E402
from didhub.numbers.models import Assignment, Number, Target  # noqa: E402
from didhub.numbers.search import PREDEFINED_SEARCHES  # noqa: E402
from didhub.numbers.selectors import number_list  # noqa: E402

TOP = "Bench Top Reseller"
SECOND = "Bench Second Reseller"
PASSWORD = "bench lists 2026"
SEED = 7
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CHUNK = 50_000

NUMBER_COLUMNS = [
    "id",
    "e164",
    "country_code",
    "region",
    "number_type",
    "voice",
    "sms",
    "fax",
    "route",
    "usage",
    "cac_limit",
    "sip_connection",
    "service_info",
    "tags",
    "owner_id",
    "uploaded_by_id",
    "external",
    "state",
    "voice_target_kind",
    "sms_target_kind",
    "fax_target_kind",
    "reserved_until",
    "aging_until",
    "activity",
    "last_call_at",
    "sync_state",
    "sync_error",
    "created_at",
    "updated_at",
]
ASSIGNMENT_COLUMNS = ["id", "number_id", "channel", "target_id", "target_kind", "created_at"]
TARGET_COLUMNS = ["id", "enterprise_id", "kind", "name", "external_id", "email", "created_at"]
KINDS = list(TargetKind.values)


# --- building the inventory -------------------------------------------------------------


def bench_user(account: Account, email: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = account_services.user_create(
            actor=None, account=account, email=email, role=role, password=PASSWORD
        )
    return User.objects.select_related("account").get(pk=user.pk)


def build_accounts(enterprise_count: int, rng: random.Random):
    """Two top resellers, sub-resellers, and ``enterprise_count`` enterprises."""
    root = Account.objects.filter(kind=AccountKind.PLATFORM).first()
    if root is None:
        root = account_services.platform_root_create(name="Platform")
    admin = bench_user(root, "bench-admin@bench.test", Role.PLATFORM_ADMIN)
    with transaction.atomic():
        tops = [
            account_services.account_create(
                actor=admin, parent=root, name=name, kind=AccountKind.RESELLER
            )
            for name in (TOP, SECOND)
        ]
        parents = list(tops)
        for top in tops:
            for index in range(4):
                parents.append(
                    account_services.account_create(
                        actor=admin,
                        parent=top,
                        name=f"{top.name} sub {index + 1}",
                        kind=AccountKind.RESELLER,
                    )
                )
        enterprises = [
            account_services.account_create(
                actor=admin,
                parent=rng.choice(parents),
                name=f"Enterprise {index + 1:05d}",
                kind=AccountKind.ENTERPRISE,
                stations_purchased=None,
            )
            for index in range(enterprise_count)
        ]
    return tops, parents, enterprises


def heavy_tailed_sizes(total: int, count: int, rng: random.Random) -> list[int]:
    """Zipf-like shares (s = 1.2): a few tenants of tens of thousands, most under 100."""
    weights = [1 / (rank**1.2) for rank in range(1, count + 1)]
    scale = total / sum(weights)
    sizes = [max(1, int(weight * scale)) for weight in weights]
    rng.shuffle(sizes)
    return sizes


def valid_numbers(count: int) -> list:
    """``count`` distinct valid numbers in block order, parsed once."""
    parsed = []
    for text in realistic_numbers(int(count * 1.02) + 10, seed=SEED, invalid_ratio=0.0):
        try:
            parsed.append(e164.validate(text))
        except e164.NumberError:
            continue
        if len(parsed) == count:
            break
    if len(parsed) < count:
        raise SystemExit(f"Only {len(parsed):,} valid numbers generated; ask for fewer.")
    return parsed


def attributes(number, rng: random.Random) -> dict:
    voice = rng.random() < 0.88
    sms = rng.random() < (0.6 if number.number_type == "mobile" else 0.2)
    fax = rng.random() < 0.02
    if not (voice or sms or fax):
        voice = True
    route = ""
    if voice:
        route = rng.choices(["direct_routing", "external_trunk", "operator_connect"], [70, 15, 15])[
            0
        ]
    usage = rng.choices(["user", "service", "contact_center"], [90, 7, 3])[0]
    return {
        "voice": voice,
        "sms": sms,
        "fax": fax,
        "route": route,
        "usage": usage,
        "cac_limit": 2 if usage == "user" else rng.randint(1, 10),
    }


def voice_kind(attrs: dict, rng: random.Random) -> str:
    if attrs["route"] == "external_trunk":
        return "external_trunk"
    if attrs["route"] == "operator_connect":
        return "operator_connect_trunk"
    if attrs["usage"] == "contact_center":
        return "contact_center_agent"
    if attrs["usage"] == "service":
        return rng.choice(["trunk", "service", "group"])
    return rng.choices(["pbx_user", "callapp_user", "trunk"], [60, 25, 15])[0]


def number_rows(parsed, holders, rng: random.Random, assignments: list, targets: dict):
    """Rows for COPY; fills ``assignments`` on the way."""
    for index, (number, (owner, uploader, enterprise)) in enumerate(
        zip(parsed, holders, strict=True), start=1
    ):
        attrs = attributes(number, rng)
        kinds = {"voice": "", "sms": "", "fax": ""}
        state, reserved_until, aging_until = "available", None, None
        roll = rng.random()
        if enterprise and roll < 0.84:
            if attrs["voice"] and (rng.random() < 0.9 or not (attrs["sms"] or attrs["fax"])):
                kinds["voice"] = voice_kind(attrs, rng)
            if attrs["sms"] and (rng.random() < 0.6 or not kinds["voice"]):
                kinds["sms"] = rng.choice(["sms_user", "sms_group"])
            if attrs["fax"] and not (kinds["voice"] or kinds["sms"]):
                kinds["fax"] = "fax"
            state = "assigned" if any(kinds.values()) else "available"
        elif enterprise and roll < 0.87:
            state, reserved_until = "reserved", NOW + timedelta(days=rng.randint(1, 30))
        elif not enterprise and roll < 0.03:
            state, aging_until = "aging", NOW + timedelta(days=rng.randint(1, 90))
        elif not enterprise and roll < 0.05:
            state = "porting_in"
        for channel, kind in kinds.items():
            if kind:
                assignments.append(
                    (
                        len(assignments) + 1,
                        index,
                        channel,
                        targets[(owner, kind)],
                        kind,
                        NOW,
                    )
                )
        active = rng.random() < 0.3
        created = NOW - timedelta(days=rng.randint(0, 1000), seconds=rng.randint(0, 86_399))
        yield (
            index,
            number.e164,
            number.country_code,
            number.region,
            number.number_type,
            attrs["voice"],
            attrs["sms"],
            attrs["fax"],
            attrs["route"],
            attrs["usage"],
            attrs["cac_limit"],
            "",
            "",
            ";vip;" if rng.random() < 0.05 else "",
            owner,
            uploader,
            uploader == owner and enterprise,
            state,
            kinds["voice"],
            kinds["sms"],
            kinds["fax"],
            reserved_until,
            aging_until,
            "active" if active else "pending",
            NOW - timedelta(days=rng.randint(0, 90)) if active else None,
            rng.choices(["not_linked", "ready", "pending", "failed"], [90, 7, 2, 1])[0],
            "",
            created,
            created,
        )


def copy_rows(table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, batched INSERTs elsewhere."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == CHUNK:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)


def build(count: int) -> None:
    rng = random.Random(SEED)
    started = time.perf_counter()
    enterprise_count = max(20, count // 500)
    tops, parents, enterprises = build_accounts(enterprise_count, rng)
    print(f"  {len(parents) + len(enterprises):,} accounts", flush=True)
    parsed = valid_numbers(count)
    print(f"  {count:,} numbers generated and validated ({elapsed(started)})", flush=True)

    top_of = {}
    for account in [*parents, *enterprises]:
        top_of[account.pk] = next(top.pk for top in tops if account.path.startswith(top.path))
    # 60 % of the numbers sit in enterprises, in contiguous runs (carriers' blocks).
    sizes = heavy_tailed_sizes(int(count * 0.6), len(enterprises), rng)
    holders = []
    for enterprise, size in zip(enterprises, sizes, strict=True):
        external = rng.random() < 0.03
        uploader = enterprise.pk if external else top_of[enterprise.pk]
        holders.extend([(enterprise.pk, uploader, True)] * size)
    while len(holders) < count:
        reseller = rng.choice(parents)
        run = rng.choice([10, 100, 1000])
        holders.extend([(reseller.pk, top_of[reseller.pk], False)] * run)
    holders = holders[:count]

    targets, target_rows = {}, []
    for enterprise in enterprises:
        for kind in KINDS:
            targets[(enterprise.pk, kind)] = len(target_rows) + 1
            target_rows.append(
                (len(target_rows) + 1, enterprise.pk, kind, f"{kind} {enterprise.pk}", "", "", NOW)
            )
    assignments: list = []
    with transaction.atomic():
        copy_rows(Target._meta.db_table, TARGET_COLUMNS, target_rows)
        copy_rows(
            Number._meta.db_table,
            NUMBER_COLUMNS,
            number_rows(parsed, holders, rng, assignments, targets),
        )
        print(f"  numbers loaded ({elapsed(started)})", flush=True)
        copy_rows(Assignment._meta.db_table, ASSIGNMENT_COLUMNS, assignments)
        print(f"  {len(assignments):,} assignments loaded ({elapsed(started)})", flush=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Target, Number, Assignment):
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  built in {elapsed(started)}", flush=True)


def wipe() -> None:
    tables = [m._meta.db_table for m in (Assignment, Number, Target)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    bench_accounts = Account.objects.filter(name__in=[TOP, SECOND])
    paths = list(bench_accounts.values_list("path", flat=True))
    for path in paths:
        # Deepest first: accounts protect their parents.
        for account in Account.objects.filter(path__startswith=path).order_by("-depth"):
            User.objects.filter(account=account).delete()
            account.delete()


def ensure_inventory(count: int, rebuild: bool) -> None:
    have = Number.objects.count()
    is_bench = Account.objects.filter(name=TOP).exists()
    if have and not is_bench:
        raise SystemExit("This database holds numbers that are not the bench's; use another.")
    if have == count and is_bench and not rebuild:
        print(f"Reusing the inventory of {have:,} numbers.")
        return
    if have or is_bench:
        print("Removing the previous bench inventory.")
        wipe()
    print(f"Building an inventory of {count:,} numbers ({connection.vendor}).")
    build(count)


# --- timing -----------------------------------------------------------------------------


def elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def median_ms(work, runs: int) -> float:
    work()  # warm caches and connections: the server answers warm, too
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def scans(queryset) -> str:
    """The planner's scans of numbers_number for ``queryset`` (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return ""
    plan = json.loads(queryset.explain(format="json"))[0]["Plan"]
    found = []

    def walk(node):
        if (
            node.get("Relation Name") == Number._meta.db_table
            or node["Node Type"] == "Bitmap Index Scan"
        ):
            found.append(f"{node['Node Type']} {node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return "; ".join(dict.fromkeys(found))


def users() -> dict[str, User]:
    top = Account.objects.get(name=TOP)
    counted = (
        Account.objects.filter(kind=AccountKind.ENTERPRISE, path__startswith=top.path)
        .annotate(held=Count("numbers"))
        .order_by("held", "pk")
    )
    small = counted.filter(held__gte=20).first()
    large = counted.last()
    return {
        "platform": bench_user(
            Account.objects.get(kind=AccountKind.PLATFORM),
            "bench-admin@bench.test",
            Role.PLATFORM_ADMIN,
        ),
        "top reseller": bench_user(top, "bench-top@bench.test", Role.RESELLER_ADMIN),
        f"large enterprise ({large.held:,})": bench_user(
            large, "bench-large@bench.test", Role.ENTERPRISE_ADMIN
        ),
        f"small enterprise ({small.held:,})": bench_user(
            small, "bench-small@bench.test", Role.ENTERPRISE_ADMIN
        ),
    }


def cases(people: dict[str, User]) -> list[tuple[str, User, dict]]:
    platform = people["platform"]
    top = people["top reseller"]
    found = [(f"first page, {name}", user, {}) for name, user in people.items()]
    for search in PREDEFINED_SEARCHES:
        found.append((f"search={search}", platform, {"search": search}))
        found.append((f"search={search}, top reseller", top, {"search": search}))
    sample = Number.objects.order_by("id").values_list("e164", flat=True)[1000]
    found += [
        ("q=4567 (digits anywhere)", platform, {"q": "4567"}),
        (f"q={sample[-7:]} (7 digits)", platform, {"q": sample[-7:]}),
        ("q=4567, top reseller", top, {"q": "4567"}),
        ("q=<target name>", platform, {"q": "pbx_user 1"}),
        ("pattern=*0000", platform, {"pattern": "*0000"}),
        ("pattern=*555*", platform, {"pattern": "*555*"}),
        ("pattern=1212*", platform, {"pattern": "1212*"}),
        ("e164__startswith=+44", platform, {"e164__startswith": "+44"}),
        ("state=aging, top reseller", top, {"state": "aging"}),
        ("owner=<top reseller>", platform, {"owner": top.account_id}),
    ]
    return found


def sql_ms(queryset, runs: int) -> float:
    """The page's own SQL alone, as the database answers it (no ORM around it)."""
    sql, params = queryset.query.sql_with_params()

    def execute():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return median_ms(execute, runs)


def run(runs: int, explain: bool) -> None:
    def raw_first_page():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {Number._meta.db_table} ORDER BY e164 LIMIT 50")
            cursor.fetchall()

    baseline = median_ms(raw_first_page, runs)
    people = users()
    rows = [("raw SQL: SELECT * ... ORDER BY e164 LIMIT 50 (baseline)", baseline, baseline, "")]
    for name, user, filters in cases(people):
        queryset = number_list(user=user, filters=filters, with_related=True)
        ms = median_ms(lambda queryset=queryset: list(queryset.all()[:50]), runs)
        page = queryset.all()[:50]
        rows.append((name, ms, sql_ms(page, runs), scans(page)))
        if explain:
            print(page.explain(analyze=True))
    for name, user, filters in (
        ("count, platform", people["platform"], {}),
        ("count, top reseller", people["top reseller"], {}),
        ("count, search=used", people["platform"], {"search": "used"}),
        ("count, q=4567", people["platform"], {"q": "4567"}),
        *[(f"count, {label}", user, {}) for label, user in people.items() if "enterprise" in label],
    ):
        queryset = number_list(user=user, filters=filters)
        result = {}

        def count(queryset=queryset, result=result):
            result["value"] = count_with_estimate(queryset)

        ms = median_ms(count, runs)
        value, is_estimate = result["value"]
        label = f"{name} = {value:,}{' (estimate)' if is_estimate else ''}"
        rows.append((label, ms, None, ""))
    width = max(len(row[0]) for row in rows)
    print(f"\nmedian of {runs} runs, {Number.objects.count():,} numbers, {connection.vendor}")
    print("ms: number_list's first page with its relations, as the API and portal read it;")
    print("sql: that page's main query alone; ratio: ms over the raw baseline of the same run.")
    print(f"{'case':<{width}}  {'ms':>8}  {'sql':>8}  {'ratio':>6}  scans of numbers_number")
    for name, ms, sql, plan in rows:
        sql_text = f"{sql:8.2f}" if sql is not None else f"{'':8}"
        print(f"{name:<{width}}  {ms:8.2f}  {sql_text}  {ms / baseline:6.1f}  {plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the inventory again")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE per case")
    args = parser.parse_args()
    ensure_inventory(args.numbers, args.rebuild)
    run(args.runs, args.explain)


if __name__ == "__main__":
    main()
