"""Tallies: how many numbers each account holds, kept by the database.

Creates ``numbers_tally`` and the triggers on ``numbers_number`` that keep it (see
``didhub.numbers.models.tallies``), then counts the numbers already there. The SQL is
written out here, not imported, so that this migration does the same thing whatever
later code looks like.

Serving while it runs, on PostgreSQL: the triggers are created in a transaction of
their own (``CREATE TRIGGER`` waits for writes in flight and holds the table for
milliseconds); from then on every write adds its change. The existing numbers are then
counted by one statement that also removes the tally rows it can see: a write committed
before that statement's snapshot is in the count and its row goes, one committed after
it keeps its row and is not in the count, so nothing is counted twice or missed, and
writers are never held (the count only reads ``numbers_number``). On SQLite the
migration holds the write lock throughout, as every SQLite write does.
"""

from django.db import migrations, models, transaction

from didhub.core.db.operations import online_safe

NUMBERS = "numbers_number"
TALLY = "numbers_tally"
ACCOUNTS = "accounts_account"
COMBINATION = (
    "state, voice, sms, fax, voice_assigned, sms_assigned, fax_assigned, voice_station, activity"
)
KEY = f"account_id, {COMBINATION}"
BY_KEY = "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
# The target kinds that use a station (``didhub.numbers.rules.STATION_KINDS`` when this
# was written; a test holds the triggers to the rule).
STATION_KINDS = "('callapp_user', 'contact_center_agent', 'pbx_user', 'trunk')"
PER_OWNER = ", ".join(f"per_owner.{column}" for column in COMBINATION.split(", "))


def combination_of(row: str) -> list[str]:
    """The combination of a number row (``NEW``, ``OLD``, or a table alias), as values."""
    return [
        f"{row}.state",
        f"{row}.voice",
        f"{row}.sms",
        f"{row}.fax",
        f"({row}.voice_target_kind <> '')",
        f"({row}.sms_target_kind <> '')",
        f"({row}.fax_target_kind <> '')",
        f"({row}.voice_target_kind IN {STATION_KINDS})",
        f"{row}.activity",
    ]


def owner_key(row: str) -> str:
    """The owner and combination of a number row, as named columns."""
    values = [f"{row}.owner_id", *combination_of(row)]
    names = ["owner_id", *COMBINATION.split(", ")]
    return ", ".join(f"{value} AS {name}" for value, name in zip(values, names, strict=True))


def rolled_up(per_owner: str) -> str:
    """Changes per owner and combination (``per_owner``: ``owner_key`` and ``change``)
    as changes of every account on the owner's path: the owner and each account
    above it (``/1/7/42/``: accounts 1, 7 and 42)."""
    return f"""
        SELECT above.id::bigint, {PER_OWNER}, sum(per_owner.change)
        FROM ({per_owner}) AS per_owner
        JOIN {ACCOUNTS} AS owner ON owner.id = per_owner.owner_id
        CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM owner.path), '/'))
            AS above (id)
        {BY_KEY} HAVING sum(per_owner.change) <> 0"""


# PostgreSQL: once per statement, over its transition tables; only ever inserts. Each
# side is grouped per owner first (a million rows become a few hundred), then rolled up.
# The planner has no statistics for transition tables and would sort a million rows to
# find those few groups (on disk, beyond work_mem): hashing them is three times faster.
POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TALLY}_change() RETURNS trigger LANGUAGE plpgsql
SET enable_sort = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {TALLY} ({KEY}, numbers) {
    rolled_up(f"SELECT {owner_key('n')}, count(*) AS change FROM new_rows n {BY_KEY}")
};
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {TALLY} ({KEY}, numbers) {
    rolled_up(f"SELECT {owner_key('o')}, -count(*) AS change FROM old_rows o {BY_KEY}")
};
    ELSE
        INSERT INTO {TALLY} ({KEY}, numbers) {
    rolled_up(
        f"SELECT {owner_key('n')}, count(*) AS change FROM new_rows n {BY_KEY} "
        f"UNION ALL SELECT {owner_key('o')}, -count(*) FROM old_rows o {BY_KEY}"
    )
};
    END IF;
    RETURN NULL;
END $$"""
POSTGRESQL_TRIGGERS = [
    POSTGRESQL_FUNCTION,
    f"""CREATE OR REPLACE TRIGGER {TALLY}_inserted AFTER INSERT ON {NUMBERS}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION {TALLY}_change()""",
    f"""CREATE OR REPLACE TRIGGER {TALLY}_updated AFTER UPDATE ON {NUMBERS}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION {TALLY}_change()""",
    f"""CREATE OR REPLACE TRIGGER {TALLY}_deleted AFTER DELETE ON {NUMBERS}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
        EXECUTE FUNCTION {TALLY}_change()""",
    f"""CREATE OR REPLACE FUNCTION {TALLY}_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM {TALLY}; RETURN NULL; END $$""",
    f"""CREATE OR REPLACE TRIGGER {TALLY}_truncated AFTER TRUNCATE ON {NUMBERS}
        FOR EACH STATEMENT EXECUTE FUNCTION {TALLY}_emptied()""",
]
POSTGRESQL_DROP = [
    f"DROP FUNCTION IF EXISTS {TALLY}_change() CASCADE",
    f"DROP FUNCTION IF EXISTS {TALLY}_emptied() CASCADE",
]
# Removes every tally row the statement can see and counts what those rows counted:
# the numbers grouped per owner first (one pass), then rolled up the owners' paths.
POSTGRESQL_COUNT = f"""
WITH replaced AS (DELETE FROM {TALLY})
INSERT INTO {TALLY} ({KEY}, numbers) {
    rolled_up(f"SELECT {owner_key('n')}, count(*) AS change FROM {NUMBERS} n {BY_KEY}")
}
"""


def sqlite_add(row: str, change: int) -> str:
    """Add ``change`` to the combination of ``row`` for every account on its owner's
    path: to the account's tally row, or a new one."""
    above = (
        "json_each('[' || replace(trim((SELECT path FROM "
        f"{ACCOUNTS} WHERE id = {row}.owner_id), '/'), '/', ',') || ']')"
    )
    same = " AND ".join(
        f"{column} = {value}"
        for column, value in zip(COMBINATION.split(", "), combination_of(row), strict=True)
    )
    return f"""
        UPDATE {TALLY} SET numbers = numbers + ({change})
         WHERE id IN (SELECT min(id) FROM {TALLY} WHERE {same}
                      AND account_id IN (SELECT value FROM {above}) GROUP BY account_id);
        INSERT INTO {TALLY} ({KEY}, numbers)
        SELECT above.value, {", ".join(combination_of(row))}, {change} FROM {above} AS above
         WHERE NOT EXISTS (
            SELECT 1 FROM {TALLY} WHERE account_id = above.value AND {same});"""


CHANGED = " OR ".join(
    f"NEW.{column} IS NOT OLD.{column}"
    for column in (
        "owner_id",
        "state",
        "voice",
        "sms",
        "fax",
        "voice_target_kind",
        "sms_target_kind",
        "fax_target_kind",
        "activity",
    )
)
# SQLite: once per number; one writer at a time, so the rows are changed in place.
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {TALLY}_inserted AFTER INSERT ON {NUMBERS} BEGIN
        {sqlite_add("NEW", 1)}
    END""",
    f"""CREATE TRIGGER {TALLY}_updated AFTER UPDATE ON {NUMBERS} WHEN {CHANGED} BEGIN
        {sqlite_add("OLD", -1)}
        {sqlite_add("NEW", 1)}
    END""",
    f"""CREATE TRIGGER {TALLY}_deleted AFTER DELETE ON {NUMBERS} BEGIN
        {sqlite_add("OLD", -1)}
    END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TALLY}_{event}" for event in ("inserted", "updated", "deleted")
]
SQLITE_COUNT = [
    f"DELETE FROM {TALLY}",
    f"""INSERT INTO {TALLY} ({KEY}, numbers)
        SELECT above.value, {PER_OWNER}, sum(per_owner.change)
        FROM (SELECT {owner_key("n")}, count(*) AS change FROM {NUMBERS} n {BY_KEY})
            AS per_owner
        JOIN {ACCOUNTS} AS owner ON owner.id = per_owner.owner_id,
        json_each('[' || replace(trim(owner.path, '/'), '/', ',') || ']') AS above
        {BY_KEY}""",
]


@online_safe(
    "writes only the new tally table: the triggers are created in a transaction of their "
    "own (milliseconds), the existing numbers are counted by one statement that only reads "
    "numbers_number, so writers are never held"
)
def keep_tallies(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            for statement in POSTGRESQL_TRIGGERS:
                schema_editor.execute(statement, params=None)
        schema_editor.execute(POSTGRESQL_COUNT, params=None)
        return
    with transaction.atomic(using=connection.alias):
        for statement in [*SQLITE_TRIGGERS, *SQLITE_COUNT]:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    statements = POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_defaults_kept_by_numbers"),
        ("numbers", "0010_sqlite_upload_moments"),
    ]

    operations = [
        migrations.CreateModel(
            name="Tally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("state", models.CharField(max_length=12)),
                ("voice", models.BooleanField()),
                ("sms", models.BooleanField()),
                ("fax", models.BooleanField()),
                ("voice_assigned", models.BooleanField()),
                ("sms_assigned", models.BooleanField()),
                ("fax_assigned", models.BooleanField()),
                ("voice_station", models.BooleanField()),
                ("activity", models.CharField(max_length=8)),
                ("numbers", models.IntegerField()),
                (
                    "account",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
            ],
            options={"verbose_name_plural": "tallies"},
        ),
        migrations.RunPython(keep_tallies, drop_triggers),
    ]
