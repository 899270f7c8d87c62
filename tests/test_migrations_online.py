"""Every migration keeps didhub serving while it runs, or is listed here with its reason.

``didhub migrate`` runs while the previous version serves (docs/operations.md, *Upgrade*).
The rules (``didhub/core/db/online.py``) read each operation of each migration against
the schema before it: no index built or dropped on a large table under a write lock, no
constraint checked under an exclusive lock, no column rewrite, no NOT NULL column the
old code's inserts miss, no rename or drop of what the old code reads, no data rewritten
in one statement or by Python nobody declared batched.

The migrations written before the rules are listed in ``GRANDFATHERED`` with the rules
they break and why that was accepted; the list is exact (an entry that no longer breaks
its rules fails too), so it can only be kept honest or shrink. A new migration that
breaks a rule fails this test with its name, the operation, the rule and what to write.
"""

import pytest
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.models import Q, Value

from didhub.core.db.online import ADVICE, refusals
from didhub.core.db.operations import (
    AddCheckNotValid,
    AddIndexOnline,
    ValidateCheck,
    online_safe,
)

BEFORE_THE_RULES = "written before the migration rules, when upgrades stopped didhub"
GRANDFATHERED = {
    "core.0002_event_append_only": (
        {"batches"},
        "creates the triggers that keep history append-only: catalog changes, no row read",
    ),
    "core.0003_e164_bytewise": (
        {"no-rewrite"},
        'COLLATE "C" on the history\'s number column rebuilt its index; ' + BEFORE_THE_RULES,
    ),
    "sync.0002_outbox_changes_messages": (
        {"index-concurrently", "old-code", "add-column"},
        "replaced the outbox's messages while no platform link was in production use",
    ),
    "sync.0003_change_lookup_by_number": (
        {"index-concurrently"},
        "re-indexed the sync changes, a small table at the time; " + BEFORE_THE_RULES,
    ),
    "sync.0004_syncchange_import_rows": (
        {"index-concurrently", "add-column"},
        "one change row per import instead of per number; " + BEFORE_THE_RULES,
    ),
    "sync.0005_e164_bytewise": ({"no-rewrite"}, 'COLLATE "C"; ' + BEFORE_THE_RULES),
    "sync.0006_link_secrets_and_backoff": (
        {"batches"},
        "encrypts each platform link's credentials: a handful of rows",
    ),
    "imports.0002_staging_ids": (
        {"old-code", "batches"},
        "the staging table is rewritten per upload and emptied when one ends; made unlogged",
    ),
    "imports.0003_staging_index_by_line": (
        {"index-concurrently"},
        "the staging table holds only uploads in flight; " + BEFORE_THE_RULES,
    ),
    "imports.0004_e164_bytewise": ({"no-rewrite"}, 'COLLATE "C"; ' + BEFORE_THE_RULES),
    "numbers.0002_postgres_search": (
        {"batches"},
        "the trigram index built with a write lock; " + BEFORE_THE_RULES,
    ),
    "numbers.0003_lean_upload_indexes": (
        {"index-concurrently", "constraint-not-valid"},
        "the unique E.164 constraint in place of an index; " + BEFORE_THE_RULES,
    ),
    "numbers.0004_partial_and_count_indexes": (
        {"index-concurrently"},
        "partial and counting indexes; " + BEFORE_THE_RULES,
    ),
    "numbers.0005_assigned_means_assignments": (
        {"constraint-not-valid"},
        "the assigned-state check read every number once; " + BEFORE_THE_RULES,
    ),
    "numbers.0006_set_based_references": (
        {"batches"},
        "foreign keys replaced by statement triggers: catalog changes, no row read",
    ),
    "numbers.0007_e164_bytewise": (
        {"no-rewrite"},
        'COLLATE "C" on the numbers rebuilt their E.164 indexes; ' + BEFORE_THE_RULES,
    ),
}


def loader() -> MigrationLoader:
    return MigrationLoader(None, ignore_no_migrations=True)


def every_migration(graph_loader: MigrationLoader) -> list[migrations.Migration]:
    """Every app's migrations in an order they apply in, from an empty database."""
    plan, seen = [], set()
    for leaf in sorted(graph_loader.graph.leaf_nodes()):
        for node in graph_loader.graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                plan.append(graph_loader.graph.nodes[node])
    return plan


def didhub_apps(graph_loader: MigrationLoader) -> set[str]:
    return {
        app
        for (app, _), migration in graph_loader.disk_migrations.items()
        if type(migration).__module__.startswith("didhub.")
    }


def grandfathered(key: str, rule: str) -> bool:
    return rule in GRANDFATHERED.get(key, (set(), ""))[0]


def test_every_migration_keeps_didhub_serving_or_is_grandfathered():
    graph_loader = loader()
    found = refusals(every_migration(graph_loader), didhub_apps(graph_loader), grandfathered)
    assert not found, "A migration would stop or break the serving version:\n" + "\n".join(
        map(str, found)
    )


def test_the_grandfathered_list_is_exact():
    """Each listed migration exists and still breaks each rule listed for it."""
    graph_loader = loader()
    broken = {}
    for refusal in refusals(every_migration(graph_loader), didhub_apps(graph_loader)):
        broken.setdefault(refusal.migration, set()).add(refusal.rule)
    listed = {key: rules for key, (rules, _) in GRANDFATHERED.items()}
    assert listed == broken
    assert all(reason.strip() for _, reason in GRANDFATHERED.values())


def bad(name: str, *operations, atomic: bool = True, app: str = "numbers"):
    migration = type("Migration", (migrations.Migration,), {"atomic": atomic})(name, app)
    migration.operations = list(operations)
    return migration


def refused(migration) -> list:
    """What the rules say of ``migration`` alone, applied after every other one."""
    graph_loader = loader()
    plan = [*every_migration(graph_loader), migration]
    key = f"{migration.app_label}.{migration.name}"
    return [
        refusal
        for refusal in refusals(plan, didhub_apps(graph_loader), grandfathered)
        if refusal.migration == key
    ]


def region_index() -> models.Index:
    return models.Index(fields=["region"], name="number_region_test")


@pytest.mark.parametrize(
    ("operation", "rule"),
    [
        (migrations.AddIndex("number", region_index()), "index-concurrently"),
        (migrations.RemoveIndex("number", "number_state_e164"), "index-concurrently"),
        (
            migrations.AddConstraint(
                "number", models.CheckConstraint(condition=Q(cac_limit__lte=9), name="cac_test")
            ),
            "constraint-not-valid",
        ),
        (
            migrations.AddField("number", "rank", models.IntegerField(default=0)),
            "add-column",
        ),
        (
            migrations.AddField(
                "assignment", "note", models.CharField(max_length=9, db_index=True, null=True)
            ),
            "index-concurrently",
        ),
        (migrations.AlterField("number", "region", models.IntegerField(default=0)), "no-rewrite"),
        (migrations.RenameField("carrier", "name", "title"), "old-code"),
        (migrations.RemoveField("number", "tags"), "old-code"),
        (migrations.DeleteModel("block"), "old-code"),
        (migrations.RunSQL("CREATE INDEX x ON numbers_number (region)"), "index-concurrently"),
        (migrations.RunSQL("UPDATE numbers_number SET tags = ''"), "batches"),
        (
            migrations.RunSQL("ALTER TABLE core_event ALTER COLUMN action TYPE text"),
            "no-rewrite",
        ),
        (migrations.RunSQL("ALTER TABLE numbers_number ALTER region SET NOT NULL"), "not-null"),
        (
            migrations.RunSQL("ALTER TABLE numbers_number ADD CONSTRAINT c CHECK (cac_limit < 9)"),
            "constraint-not-valid",
        ),
        (migrations.RunPython(lambda apps, editor: None), "batches"),
    ],
)
def test_a_migration_breaking_a_rule_is_refused_with_what_to_do(operation, rule):
    found = refused(bad("0099_breaks_a_rule", operation))
    assert [(refusal.migration, refusal.index, refusal.rule) for refusal in found] == [
        ("numbers.0099_breaks_a_rule", 1, rule)
    ]
    message = str(found[0])
    assert message.startswith("numbers.0099_breaks_a_rule, operation 1 (")
    assert operation.describe() in message
    assert ADVICE[rule] in message


@online_safe("updates 5,000 numbers per transaction, by id range")
def batched(apps, schema_editor):
    """A data move declared batched (its body does not matter to the rules)."""


def test_the_online_way_of_each_change_is_accepted():
    migration = bad(
        "0099_online",
        AddIndexOnline("number", region_index()),
        AddCheckNotValid(
            "number", models.CheckConstraint(condition=Q(cac_limit__lte=9), name="cac_test")
        ),
        ValidateCheck("number", "cac_test"),
        migrations.AddField("number", "note", models.CharField(max_length=20, null=True)),
        migrations.AddField("number", "rank", models.IntegerField(db_default=Value(0))),
        migrations.AlterField("number", "service_info", models.TextField(blank=True)),
        migrations.RunSQL("CREATE INDEX CONCURRENTLY x ON numbers_number (region)"),
        migrations.RunSQL("ALTER TABLE numbers_number ADD CONSTRAINT c CHECK (x) NOT VALID"),
        migrations.RunPython(batched),
        migrations.AddIndex("carrier", models.Index(fields=["name"], name="carrier_test")),
        atomic=False,
    )
    assert refused(migration) == []


def test_a_grandfathered_migration_excuses_only_its_own_rules():
    """Being listed for one rule does not excuse another one in the same migration."""
    late = bad("0007_e164_bytewise", migrations.AddIndex("number", region_index()))
    plan = [m for m in every_migration(loader()) if m.name != "0007_e164_bytewise"]
    found = refusals([*plan, late], {"numbers"}, grandfathered)
    assert [(refusal.migration, refusal.rule) for refusal in found] == [
        ("numbers.0007_e164_bytewise", "index-concurrently")
    ]


@pytest.mark.django_db(transaction=True)
def test_the_online_operations_apply_and_revert_on_this_database():
    """On PostgreSQL concurrently and NOT VALID outside a transaction; on SQLite plainly.

    On the carriers' table: the operations do not depend on a table's size."""
    state = MigrationLoader(connection).project_state()
    operations = [
        AddIndexOnline("carrier", models.Index(fields=["created_at"], name="carrier_test_at")),
        AddCheckNotValid(
            "carrier", models.CheckConstraint(condition=~Q(name=""), name="carrier_test_named")
        ),
        ValidateCheck("carrier", "carrier_test_named"),
    ]
    states = [state]
    for operation in operations:
        after = states[-1].clone()
        operation.state_forwards("numbers", after)
        with connection.schema_editor(atomic=False) as editor:
            operation.database_forwards("numbers", editor, states[-1], after)
        states.append(after)
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, "numbers_carrier")
    assert present["carrier_test_at"]["index"]
    assert present["carrier_test_named"]["check"]
    for position in reversed(range(len(operations))):
        with connection.schema_editor(atomic=False) as editor:
            operations[position].database_backwards(
                "numbers", editor, states[position + 1], states[position]
            )
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, "numbers_carrier")
    assert "carrier_test_at" not in present
    assert "carrier_test_named" not in present
