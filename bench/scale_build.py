"""Ten million numbers and thirty million events, shaped like a provider's inventory.

The builder behind ``bench/scale.py``. PostgreSQL only: Python generates the numbers
(``bench.inventory.realistic_numbers``: blocks of 10/100/1000, NANP about half, a dozen
countries and a long tail) and COPYs them, with their holders, into an unlogged source
table; everything else (attributes, states, tags, targets, assignments, imports, the
event log) is set-based SQL over that table, with the secondary indexes dropped during
the load and built afterwards, sorted in memory.

The tenants are heavy-tailed: three master resellers, their resellers and VARs (63
resellers), 5,000 enterprises of Zipf-distributed size and one enterprise holding
3,000,000 numbers. Enterprises hold 65 % of the numbers, 84 % of those assigned; the
resellers hold the rest (free stock, 3 % aging, 2 % porting in), of which the last
1,000,000 numbers (one import into the third master reseller, available, never touched)
are the ones the upload measurement takes out and brings in again.

The history: one ``import.committed`` event per import (an upload of up to 25,000
numbers), then per number, by SQL: the delegation down to its enterprise, past
assignments and their ends, its current assignment, attribute updates, and for reseller
stock delegations and reclaims and the releases of aging numbers: about 3.2 events a
number. A marker table (``bench_scale_marker``) records what was built; a database that
has it is reused unless ``--rebuild`` is given.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

MARKER = "bench_scale_marker"
SOURCE = "bench_scale_source"
VERSION = 1
SEED = 10
# At ten million numbers: one enterprise of 3,000,000, a held-back 1,000,000, 5,000
# enterprises; smaller builds (for trying the builder) keep the proportions.
GIANT_SHARE = 0.3
HELD_BACK_SHARE = 0.1
IMPORT_SIZE = 25_000
START = datetime(2023, 6, 1, tzinfo=UTC)
END = datetime(2026, 6, 1, tzinfo=UTC)
PASSWORD = "bench scale 2026"
KINDS = [
    "pbx_user",
    "callapp_user",
    "trunk",
    "external_trunk",
    "operator_connect_trunk",
    "service",
    "group",
    "contact_center_agent",
    "sms_user",
    "sms_group",
    "fax",
]


def log(started: float, text: str) -> None:
    print(f"[{time.perf_counter() - started:7.1f} s] {text}", flush=True)


def marker(connection) -> dict | None:
    """What the database holds, from the marker table, or None when it was not built."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT version, numbers, events, held_back_import, seconds FROM {MARKER}")
        row = cursor.fetchone()
    if row is None:
        return None
    keys = ("version", "numbers", "events", "held_back_import", "seconds")
    return dict(zip(keys, row, strict=True))


def set_held_back_import(connection, import_id: int) -> None:
    """The import that now holds the held-back million (the upload measurement's)."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {MARKER} SET held_back_import = %s", [import_id])


# --- accounts ----------------------------------------------------------------------------


def bench_user(account, email: str, role: str):
    from didhub.accounts import services
    from didhub.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = services.user_create(
            actor=None, account=account, email=email, role=role, password=PASSWORD
        )
    return user


def enterprise_count(count: int) -> int:
    return min(5_000, max(20, count // 2_000))


def build_accounts(rng: random.Random, enterprises_wanted: int):
    """The platform, 63 resellers in three levels and ``enterprises_wanted`` enterprises."""
    from django.db import transaction

    from didhub.accounts import services
    from didhub.accounts.choices import AccountKind, Role

    root = services.platform_root_create(name="Platform")
    admin = bench_user(root, "admin@scale.test", Role.PLATFORM_ADMIN)
    with transaction.atomic():
        masters, resellers = [], []
        for m in range(3):
            master = services.account_create(
                actor=admin, parent=root, name=f"Master {m + 1}", kind=AccountKind.RESELLER
            )
            masters.append(master)
            resellers.append(master)
            for s in range(5):
                sub = services.account_create(
                    actor=admin,
                    parent=master,
                    name=f"Reseller {m + 1}.{s + 1}",
                    kind=AccountKind.RESELLER,
                )
                resellers.append(sub)
                for v in range(3):
                    resellers.append(
                        services.account_create(
                            actor=admin,
                            parent=sub,
                            name=f"VAR {m + 1}.{s + 1}.{v + 1}",
                            kind=AccountKind.RESELLER,
                        )
                    )
        # The giant sits under the first master's first reseller; the rest anywhere
        # below the first two masters (the third keeps the held-back stock).
        below = [r for r in resellers if not r.path.startswith(masters[2].path)]
        enterprises = [
            services.account_create(
                actor=admin,
                parent=resellers[1] if index == 0 else rng.choice(below),
                name="Giant Enterprise" if index == 0 else f"Enterprise {index:05d}",
                kind=AccountKind.ENTERPRISE,
                stations_purchased=None,
            )
            for index in range(enterprises_wanted)
        ]
    return root, masters, resellers, enterprises


def heavy_tailed(total: int, count: int, rng: random.Random) -> list[int]:
    """Zipf-like sizes (s = 1.1) summing to about ``total``, shuffled."""
    weights = [1 / (rank**1.1) for rank in range(1, count + 1)]
    scale = total / sum(weights)
    sizes = [max(1, int(w * scale)) for w in weights]
    rng.shuffle(sizes)
    return sizes


# --- numbers -----------------------------------------------------------------------------


def holder_runs(count: int, masters, resellers, enterprises, rng: random.Random):
    """``(size, owner, uploader, is_enterprise)`` runs covering ``count`` numbers.

    An enterprise's numbers come from its master reseller (3 % of enterprises upload
    their own); reseller stock comes in runs of 10, 100 and 1,000. The last
    tenth (the held-back million) is the third master's, for the upload measurement.
    """
    top = {a.pk: next(m.pk for m in masters if a.path.startswith(m.path)) for a in resellers}
    top.update(
        {e.pk: next(m.pk for m in masters if e.path.startswith(m.path)) for e in enterprises}
    )
    enterprise_total = int(count * 0.65)
    giant = int(count * GIANT_SHARE)
    sizes = [giant, *heavy_tailed(enterprise_total - giant, len(enterprises) - 1, rng)]
    runs = []
    for enterprise, size in zip(enterprises, sizes, strict=True):
        uploader = enterprise.pk if rng.random() < 0.03 else top[enterprise.pk]
        # Large holdings arrive in several deliveries, between other tenants' blocks.
        while size > 0:
            piece = min(size, rng.choice([1_000, 10_000, 50_000]) if size > 50_000 else size)
            runs.append((piece, enterprise.pk, uploader, True))
            size -= piece
    stock = [r for r in resellers if not r.path.startswith(masters[2].path) or r is masters[2]]
    held_back = int(count * HELD_BACK_SHARE)
    reseller_total = count - held_back - sum(r[0] for r in runs)
    while reseller_total > 0:
        reseller = rng.choice(stock)
        piece = min(reseller_total, rng.choice([10, 100, 1000]))
        runs.append((piece, reseller.pk, top[reseller.pk], False))
        reseller_total -= piece
    rng.shuffle(runs)
    runs.append((held_back, masters[2].pk, masters[2].pk, False))
    return runs


def copy_source(connection, count: int, runs, started: float) -> int:
    """The numbers, validated once, with their holders: COPY into the source table.

    Consecutive runs of one uploader form an import of up to ``IMPORT_SIZE`` numbers;
    the held-back million is one import of its own, the last. Returns the imports.
    """
    from bench.inventory import realistic_numbers
    from didhub.numbers import e164

    texts = realistic_numbers(int(count * 1.03) + 1000, seed=SEED, invalid_ratio=0.0)
    log(started, f"{len(texts):,} numbers generated")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SOURCE}")
        cursor.execute(
            f'CREATE UNLOGGED TABLE {SOURCE} (seq integer PRIMARY KEY, e164 text COLLATE "C",'
            " country_code smallint, region text, number_type text, owner_id bigint,"
            " uploader_id bigint, enterprise boolean, import_seq integer)"
        )
        numbers = iter(texts)
        seen: set[str] = set()
        seq = 0
        import_seq, in_import, last_uploader = -1, IMPORT_SIZE, None
        with cursor.cursor.copy(
            f"COPY {SOURCE} (seq, e164, country_code, region, number_type, owner_id,"
            " uploader_id, enterprise, import_seq) FROM STDIN"
        ) as copy:
            for index, (size, owner, uploader, is_enterprise) in enumerate(runs):
                held = index == len(runs) - 1
                if held or uploader != last_uploader:
                    in_import = IMPORT_SIZE
                last_uploader = uploader
                placed = 0
                while placed < size:
                    if in_import >= IMPORT_SIZE and not (held and placed):
                        import_seq, in_import = import_seq + 1, 0
                    try:
                        parsed = e164.validate(next(numbers))
                    except e164.NumberError:
                        continue
                    if parsed.e164 in seen:  # two texts of one number (a national prefix)
                        continue
                    seen.add(parsed.e164)
                    seq += 1
                    placed += 1
                    in_import += 1
                    copy.write_row(
                        (seq, parsed.e164, parsed.country_code, parsed.region or "",
                         parsed.number_type, owner, uploader, is_enterprise,
                         import_seq)
                    )  # fmt: skip
    log(started, f"{seq:,} numbers in {import_seq + 1:,} imports copied into {SOURCE}")
    return import_seq + 1


def secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """``(name, definition)`` of the indexes of ``table`` that back no constraint."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [table],
    )
    return cursor.fetchall()


def without_indexes(cursor, tables: list[str], started: float, work) -> None:
    """Run ``work()`` with the tables' secondary indexes dropped, then build them again."""
    saved = []
    for table in tables:
        for name, definition in secondary_indexes(cursor, table):
            saved.append((name, definition))
            cursor.execute(f'DROP INDEX "{name}"')
    work()
    for name, definition in saved:
        begun = time.perf_counter()
        cursor.execute(definition)
        log(started, f"index {name} built in {time.perf_counter() - begun:.1f} s")


IMPORTS_SQL = f"""
INSERT INTO imports_import (id, source, file_name, checksum, stored_file, options, state,
    total_rows, valid, invalid, duplicate, present, committed, progress_done, progress_total,
    notes, error, created_at, started_at, validated_at, committed_at, account_id,
    uploaded_by_id, user_id, task_id)
SELECT s.import_seq + 1, 'file', 'inventory-' || (s.import_seq + 1) || '.csv', '', '', '{{}}',
    'done', count(*), count(*), 0, 0, 0, count(*), count(*), count(*), '[]', '',
    t.at, t.at, t.at, t.at, min(s.uploader_id), min(s.uploader_id), NULL, ''
FROM {SOURCE} s
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz
    + (s.import_seq::float8 / %(imports)s) * (%(end)s::timestamptz - %(start)s::timestamptz)
    AS at) t
GROUP BY s.import_seq, t.at
"""

# Attributes drawn per number (random(), seeded), in the proportions of bench/lists.py:
# 88 % voice, SMS on 60 % of mobiles and 20 % of the rest, 2 % fax; routes 70/15/15;
# usage user/service/contact centre 90/7/3; 84 % of enterprise numbers assigned, 3 %
# reserved; 3 % of reseller stock aging and 2 % porting in; tags on about 9 %.
NUMBERS_SQL = f"""
INSERT INTO numbers_number (id, e164, country_code, region, number_type, voice, sms, fax,
    route, usage, cac_limit, voice_carrier_id, sms_profile_id, calling_profile_id,
    sip_connection, service_info, tags, owner_id, uploaded_by_id, external, source_import_id,
    state, voice_target_kind, sms_target_kind, fax_target_kind, reserved_until,
    reserved_for_id, aging_until, released_from, activity, last_call_at, sync_state,
    sync_error, created_at, updated_at)
WITH drawn AS (
    SELECT s.*, i.created_at AS arrived, random() r1, random() r2, random() r3, random() r4,
        random() r5, random() r6, random() r7, random() r8, random() r9, random() r10
    FROM {SOURCE} s JOIN imports_import i ON i.id = s.import_seq + 1
), caps AS (
    SELECT d.*, c.voice, c.sms, c.fax, held
    FROM drawn d
    CROSS JOIN LATERAL (SELECT d.seq > %(count)s - %(held)s AS held) h
    CROSS JOIN LATERAL (
        SELECT v OR NOT (s OR f) AS voice, s AS sms, f AS fax FROM (SELECT
            NOT held AND d.r1 < 0.88 OR held AS v,
            NOT held AND d.r2 < CASE WHEN d.number_type = 'mobile' THEN 0.6 ELSE 0.2 END AS s,
            NOT held AND d.r3 < 0.02 AS f) x
    ) c
), kinds AS (
    SELECT c.*, a.route, a.usage, a.cac_limit, a.assigned, a.reserved,
        CASE WHEN NOT a.assigned OR NOT c.voice THEN ''
             WHEN NOT (c.r7 < 0.9 OR NOT (c.sms OR c.fax)) THEN ''
             WHEN a.route = 'external_trunk' THEN 'external_trunk'
             WHEN a.route = 'operator_connect' THEN 'operator_connect_trunk'
             WHEN a.usage = 'contact_center' THEN 'contact_center_agent'
             WHEN a.usage = 'service'
                 THEN (ARRAY['trunk', 'service', 'group'])[1 + (c.r8 * 3)::int %% 3]
             WHEN c.r8 < 0.6 THEN 'pbx_user' WHEN c.r8 < 0.85 THEN 'callapp_user' ELSE 'trunk'
        END AS vk
    FROM caps c
    CROSS JOIN LATERAL (SELECT
        CASE WHEN NOT c.voice THEN '' WHEN c.r4 < 0.7 THEN 'direct_routing'
             WHEN c.r4 < 0.85 THEN 'external_trunk' ELSE 'operator_connect' END AS route,
        CASE WHEN c.held OR c.r5 < 0.9 THEN 'user' WHEN c.r5 < 0.97 THEN 'service'
             ELSE 'contact_center' END AS usage,
        CASE WHEN c.held OR c.r5 < 0.9 THEN 2 ELSE 1 + (c.r5 * 1000)::int %% 10 END AS cac_limit,
        c.enterprise AND c.r6 < 0.84 AS assigned,
        c.enterprise AND c.r6 >= 0.84 AND c.r6 < 0.87 AS reserved) a
), placed AS (
    SELECT k.*,
        CASE WHEN k.assigned AND k.sms AND (k.r9 < 0.6 OR k.vk = '')
             THEN CASE WHEN k.r8 < 0.5 THEN 'sms_user' ELSE 'sms_group' END ELSE '' END AS sk
    FROM kinds k
), final AS (
    SELECT p.*,
        CASE WHEN p.assigned AND p.fax AND p.vk = '' AND p.sk = '' THEN 'fax' ELSE '' END AS fk
    FROM placed p
)
SELECT f.seq, f.e164, f.country_code, f.region, f.number_type, f.voice, f.sms, f.fax,
    f.route, f.usage, f.cac_limit,
    CASE WHEN f.voice AND NOT f.held AND f.r10 < 0.8
         THEN f.carriers[1 + (f.r10 * 30)::int %% 3] END,
    CASE WHEN f.sms AND f.r10 < 0.7 THEN f.sms_id END,
    CASE WHEN f.voice AND NOT f.held AND f.r10 < 0.1 THEN f.calling_id END,
    '', CASE WHEN f.r9 < 0.05 THEN 'site ' || (f.seq %% 977) ELSE '' END,
    CASE WHEN f.held THEN '' WHEN f.r3 < 0.05 THEN ';vip;' WHEN f.r3 < 0.08 THEN ';hq;'
         WHEN f.r3 < 0.09 THEN ';emergency;hq;' ELSE '' END,
    f.owner_id, f.uploader_id, f.uploader_id = f.owner_id AND f.enterprise, f.import_seq + 1,
    CASE WHEN f.vk <> '' OR f.sk <> '' OR f.fk <> '' THEN 'assigned'
         WHEN f.reserved THEN 'reserved'
         WHEN NOT f.enterprise AND NOT f.held AND f.r6 < 0.03 THEN 'aging'
         WHEN NOT f.enterprise AND NOT f.held AND f.r6 < 0.05 THEN 'porting_in'
         ELSE 'available' END,
    f.vk, f.sk, f.fk,
    CASE WHEN f.reserved AND f.vk = '' AND f.sk = '' AND f.fk = ''
         THEN %(end)s::timestamptz + (1 + (f.r7 * 30)::int) * interval '1 day' END,
    NULL,
    CASE WHEN NOT f.enterprise AND NOT f.held AND f.r6 < 0.03
         THEN %(end)s::timestamptz + (1 + (f.r7 * 90)::int) * interval '1 day' END,
    NULL,
    CASE WHEN f.enterprise AND f.r9 < 0.3 THEN 'active' ELSE 'pending' END,
    CASE WHEN f.enterprise AND f.r9 < 0.3
         THEN %(end)s::timestamptz - (f.r8 * 90) * interval '1 day' END,
    CASE WHEN f.held OR f.r10 < 0.9 THEN 'not_linked' WHEN f.r10 < 0.97 THEN 'ready'
         WHEN f.r10 < 0.99 THEN 'pending' ELSE 'failed' END,
    '', f.arrived, f.arrived
FROM (SELECT x.*, t.carriers, t.sms_id, t.calling_id FROM final x
      JOIN bench_scale_tops t ON t.account_id = x.owner_id) f
ORDER BY f.e164
"""

TARGETS_SQL = """
INSERT INTO numbers_target (enterprise_id, kind, name, external_id, email, created_at)
SELECT h.owner_id, k.kind, k.kind || ' ' || g, '', '', %(start)s
FROM (SELECT owner_id, count(*) AS held FROM numbers_number n
      JOIN accounts_account a ON a.id = n.owner_id AND a.kind = 'enterprise'
      GROUP BY owner_id) h
CROSS JOIN unnest(%(kinds)s::text[]) AS k(kind)
CROSS JOIN LATERAL generate_series(1, greatest(1, least(5000, h.held / 200))) g
ORDER BY h.owner_id, k.kind, g
"""

ASSIGNMENTS_SQL = """
INSERT INTO numbers_assignment (number_id, channel, target_id, target_kind, created_at)
SELECT n.id, c.channel, t.id, c.kind, n.created_at + interval '2 days'
FROM numbers_number n
CROSS JOIN LATERAL (VALUES ('voice', n.voice_target_kind), ('sms', n.sms_target_kind),
                           ('fax', n.fax_target_kind)) c(channel, kind)
JOIN bench_scale_targets s ON s.enterprise_id = n.owner_id AND s.kind = c.kind
JOIN numbers_target t ON t.enterprise_id = n.owner_id AND t.kind = c.kind
    AND t.name = c.kind || ' ' || (1 + n.id %% s.targets)
WHERE n.state = 'assigned' AND c.kind <> ''
"""

# Per number, in time order: its delegation to its enterprise, past assignments and their
# ends, its current assignment, attribute updates; reseller stock: delegations and
# reclaims, and the release of an aging number. Each event is the one the service writes.
EVENTS_SQL = """
INSERT INTO core_event (at, action, actor_user_id, actor_label, actor_account_id, account_id,
    account_path, object_type, object_id, number_e164, import_id, before, after, request_id)
SELECT n.created_at + g * interval '9 days' + (n.id %% 1440) * interval '1 minute',
    e.action, %(actor)s, 'admin@scale.test', %(root)s, e.account_id, e.account_path,
    'number', n.id, n.e164, NULL, e.before, e.after, ''
FROM (
    SELECT n.*, o.name AS owner_name, o.path AS owner_path, u.name AS up_name,
        u.path AS up_path, o.kind = 'enterprise' AS ent,
        CASE WHEN o.kind = 'enterprise' THEN 1 ELSE 0 END AS k_del,
        2 * ((n.id * 7919) %% 3) AS k_pairs,
        CASE WHEN n.state = 'assigned' THEN 1 ELSE 0 END AS k_now,
        (n.id * 104729) %% 5 / 3 AS k_upd,
        CASE WHEN n.state = 'aging' THEN 1 ELSE 0 END AS k_rel,
        x.id AS other_id, x.name AS other_name, x.path AS other_path,
        t.id AS target_id, t.name AS target_name, t.kind AS target_kind,
        nt.id AS now_id, nt.name AS now_name, nt.kind AS now_kind, na.channel AS now_channel
    FROM numbers_number n
    JOIN accounts_account o ON o.id = n.owner_id
    JOIN accounts_account u ON u.id = n.uploaded_by_id
    JOIN bench_scale_others x ON x.ordinal = n.id %% %(others)s
    LEFT JOIN bench_scale_past p ON p.enterprise_id = n.owner_id
    LEFT JOIN numbers_target t ON t.id = p.first_target + n.id %% p.targets
    LEFT JOIN LATERAL (SELECT * FROM numbers_assignment a WHERE a.number_id = n.id
                       ORDER BY a.channel DESC LIMIT 1) na ON n.state = 'assigned'
    LEFT JOIN numbers_target nt ON nt.id = na.target_id
    WHERE n.source_import_id <> %(held_import)s
) n
CROSS JOIN LATERAL generate_series(1, n.k_del + n.k_pairs + n.k_now + n.k_upd + n.k_rel) g
CROSS JOIN LATERAL (SELECT
    CASE WHEN g <= n.k_del THEN 'number.delegated'
         WHEN g <= n.k_del + n.k_pairs THEN
            CASE WHEN n.ent AND (g - n.k_del) %% 2 = 1 THEN 'number.assigned'
                 WHEN n.ent THEN 'number.unassigned'
                 WHEN (g - n.k_del) %% 2 = 1 THEN 'number.delegated' ELSE 'number.reclaimed' END
         WHEN g <= n.k_del + n.k_pairs + n.k_now THEN 'number.assigned'
         WHEN g <= n.k_del + n.k_pairs + n.k_now + n.k_upd THEN 'number.updated'
         ELSE 'number.released' END AS action,
    g <= n.k_del + n.k_pairs AND NOT n.ent AND (g - n.k_del) %% 2 = 1 AS down
) a
CROSS JOIN LATERAL (SELECT a.action,
    CASE WHEN a.down THEN n.other_id ELSE n.owner_id END AS account_id,
    CASE WHEN a.down THEN n.other_path ELSE n.owner_path END AS account_path,
    CASE a.action
        WHEN 'number.delegated' THEN jsonb_build_object('owner', jsonb_build_object(
            'id', n.uploaded_by_id, 'name', n.up_name, 'kind', 'reseller'))
        WHEN 'number.reclaimed' THEN jsonb_build_object('owner', jsonb_build_object(
            'id', n.other_id, 'name', n.other_name, 'kind', 'enterprise'))
        WHEN 'number.assigned' THEN jsonb_build_object('state', 'available')
        WHEN 'number.unassigned' THEN jsonb_build_object('state', 'assigned', 'assignments',
            jsonb_build_array(jsonb_build_object('channel', 'voice', 'target',
                jsonb_build_object('id', n.target_id, 'name', n.target_name,
                                   'kind', n.target_kind))))
        WHEN 'number.updated' THEN jsonb_build_object('service_info', '')
        ELSE jsonb_build_object('owner', jsonb_build_object(
            'id', n.other_id, 'name', n.other_name, 'kind', 'enterprise'), 'state', 'assigned')
    END AS before,
    CASE a.action
        WHEN 'number.delegated' THEN jsonb_build_object('owner', jsonb_build_object(
            'id', CASE WHEN a.down THEN n.other_id ELSE n.owner_id END,
            'name', CASE WHEN a.down THEN n.other_name ELSE n.owner_name END,
            'kind', 'enterprise'))
        WHEN 'number.reclaimed' THEN jsonb_build_object('owner', jsonb_build_object(
            'id', n.owner_id, 'name', n.owner_name, 'kind', 'reseller'))
        WHEN 'number.assigned' THEN
            CASE WHEN g = n.k_del + n.k_pairs + n.k_now AND n.k_now = 1
                 THEN jsonb_build_object('state', 'assigned', 'channel', n.now_channel, 'target',
                      jsonb_build_object('id', n.now_id, 'name', n.now_name, 'kind', n.now_kind))
                 ELSE jsonb_build_object('state', 'assigned', 'channel', 'voice', 'target',
                      jsonb_build_object('id', n.target_id, 'name', n.target_name,
                                         'kind', n.target_kind)) END
        WHEN 'number.unassigned' THEN jsonb_build_object('state', 'available')
        WHEN 'number.updated' THEN jsonb_build_object('service_info', 'site ' || g)
        ELSE jsonb_build_object('owner', jsonb_build_object(
            'id', n.owner_id, 'name', n.owner_name, 'kind', 'reseller'), 'state', 'aging')
    END AS after) e
"""

IMPORT_EVENTS_SQL = """
INSERT INTO core_event (at, action, actor_user_id, actor_label, actor_account_id, account_id,
    account_path, object_type, object_id, number_e164, import_id, before, after, request_id)
SELECT i.committed_at, 'import.committed', %(actor)s, 'admin@scale.test', %(root)s,
    i.account_id, a.path, 'import', i.id, '', i.id, NULL,
    jsonb_build_object('committed', i.committed, 'present', 0, 'unavailable', 0,
                       'voice_carrier', NULL, 'sms_profile', NULL, 'seconds', 1.0), ''
FROM imports_import i JOIN accounts_account a ON a.id = i.account_id
"""


def build(connection, count: int) -> dict:
    """Everything from an empty, migrated database; returns what the marker records."""
    from didhub.numbers.models import CallingProfile, Carrier, SmsProfile

    started = time.perf_counter()
    rng = random.Random(SEED)
    root, masters, resellers, enterprises = build_accounts(rng, enterprise_count(count))
    log(started, f"{1 + len(resellers) + len(enterprises):,} accounts")
    for master in masters:
        for index in range(3):
            Carrier.objects.create(owner=master, name=f"Carrier {index + 1}")
        SmsProfile.objects.create(owner=master, carrier_name="Bandwidth", name="Default")
        CallingProfile.objects.create(owner=master, name="SBC", sbc_device="sbc-1")
    runs = holder_runs(count, masters, resellers, enterprises, rng)
    imports = copy_source(connection, count, runs, started)
    params = {
        "count": count,
        "held": int(count * HELD_BACK_SHARE),
        "start": START,
        "end": END,
        "imports": imports,
        "kinds": KINDS,
        "root": root.pk,
        "actor": None,
    }
    from didhub.accounts.models import User

    params["actor"] = User.objects.get(email="admin@scale.test").pk
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(IMPORTS_SQL, params)
        log(started, f"{cursor.rowcount:,} imports")
        cursor.execute("DROP TABLE IF EXISTS bench_scale_tops")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_scale_tops AS SELECT a.id AS account_id, "
            "(SELECT array_agg(c.id ORDER BY c.name) FROM numbers_carrier c "
            " WHERE c.owner_id = m.id) AS carriers, "
            "(SELECT min(id) FROM numbers_smsprofile p WHERE p.owner_id = m.id) AS sms_id, "
            "(SELECT min(id) FROM numbers_callingprofile p WHERE p.owner_id = m.id) AS calling_id "
            "FROM accounts_account a JOIN accounts_account m ON m.depth = 1 "
            "AND a.path LIKE m.path || '%'"
        )

        def load_numbers():
            cursor.execute(NUMBERS_SQL, params)
            log(started, f"{cursor.rowcount:,} numbers inserted")

        without_indexes(cursor, ["numbers_number"], started, load_numbers)
        cursor.execute(TARGETS_SQL, params)
        log(started, f"{cursor.rowcount:,} targets")
        cursor.execute("DROP TABLE IF EXISTS bench_scale_targets")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_scale_targets AS SELECT enterprise_id, kind, "
            "count(*) AS targets FROM numbers_target GROUP BY enterprise_id, kind"
        )
        cursor.execute("CREATE INDEX ON bench_scale_targets (enterprise_id, kind)")
        cursor.execute("ANALYZE")

        def load_assignments():
            cursor.execute(ASSIGNMENTS_SQL, params)
            log(started, f"{cursor.rowcount:,} assignments")

        without_indexes(cursor, ["numbers_assignment"], started, load_assignments)
        # Past targets: one kind's targets per enterprise, as a contiguous id range.
        cursor.execute("DROP TABLE IF EXISTS bench_scale_past")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_scale_past AS SELECT enterprise_id, min(id) AS "
            "first_target, count(*) AS targets FROM numbers_target WHERE kind = 'pbx_user' "
            "GROUP BY enterprise_id"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_scale_past (enterprise_id)")
        cursor.execute("DROP TABLE IF EXISTS bench_scale_others")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_scale_others AS SELECT (row_number() OVER (ORDER BY id) "
            "- 1) AS ordinal, id, name, path FROM accounts_account WHERE kind = 'enterprise' "
            "AND name <> 'Giant Enterprise'"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_scale_others (ordinal)")
        cursor.execute("SELECT count(*) FROM bench_scale_others")
        params["others"] = cursor.fetchone()[0]
        params["held_import"] = params["imports"]
        cursor.execute("ANALYZE")

        def load_events():
            cursor.execute(IMPORT_EVENTS_SQL, params)
            cursor.execute(EVENTS_SQL, params)
            log(started, f"{cursor.rowcount:,} number events")

        without_indexes(cursor, ["core_event"], started, load_events)
        for table in ("numbers_number", "numbers_assignment", "numbers_target", "core_event"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('imports_import', 'id'), "
            "(SELECT max(id) FROM imports_import))"
        )
        for table in (SOURCE, "bench_scale_tops", "bench_scale_targets", "bench_scale_past",
                      "bench_scale_others"):  # fmt: skip
            cursor.execute(f"DROP TABLE {table}")
        cursor.execute("SELECT count(*) FROM core_event")
        events = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(started, "vacuumed and analyzed")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {MARKER} (version integer, numbers bigint, events bigint, "
            "held_back_import bigint, seconds float8, built_at timestamptz DEFAULT now())"
        )
        cursor.execute(
            f"INSERT INTO {MARKER} (version, numbers, events, held_back_import, seconds) "
            "VALUES (%s, %s, %s, %s, %s)",
            [VERSION, count, events, params["held_import"], seconds],
        )
    log(started, f"built: {count:,} numbers, {events:,} events in {seconds:.0f} s")
    return marker(connection)
