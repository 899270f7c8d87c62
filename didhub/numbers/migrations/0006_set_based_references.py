"""PostgreSQL only: the numbers table's foreign keys checked once per statement.

The five declared foreign keys of ``numbers_number`` are dropped and replaced by the
triggers of ``didhub.numbers.references``, which keep the same guarantee set-based. The
model still declares them, so Django's own behaviour (joins, ``on_delete``, admin) is
unchanged; SQLite keeps the declared constraints. Should a later migration add one of
these constraints back, ``test_references`` fails.
"""

from django.db import migrations

from didhub.numbers.references import Reference, install_statements, uninstall_statements

TABLE = "numbers_number"
REFERENCES = (
    Reference("owner_id", "accounts_account"),
    Reference("voice_carrier_id", "numbers_carrier"),
    Reference("sms_profile_id", "numbers_smsprofile"),
    Reference("calling_profile_id", "numbers_callingprofile"),
    Reference("reserved_for_id", "numbers_target"),
)


def declared_foreign_keys(cursor, column: str) -> list[str]:
    cursor.execute(
        """
        SELECT c.conname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s
        """,
        [TABLE, column],
    )
    return [name for (name,) in cursor.fetchall()]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for reference in REFERENCES:
            for name in declared_foreign_keys(cursor, reference.column):
                schema_editor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
    for statement in install_statements(TABLE, REFERENCES):
        # No parameters: the functions' format() strings hold literal %s.
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in uninstall_statements(TABLE, REFERENCES):
        schema_editor.execute(statement)
    for reference in REFERENCES:
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{reference.column}_fk "
            f"FOREIGN KEY ({reference.column}) REFERENCES {reference.table} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [("numbers", "0005_assigned_means_assignments")]
    operations = [migrations.RunPython(forward, backward)]
