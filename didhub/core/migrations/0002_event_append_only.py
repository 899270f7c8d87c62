"""The database itself refuses to change history, whatever client writes to it."""

from django.db import migrations

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION didhub_event_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'history is append-only: core_event rows are never %%', lower(TG_OP);
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER core_event_append_only BEFORE UPDATE OR DELETE ON core_event
    FOR EACH ROW EXECUTE FUNCTION didhub_event_append_only()
    """,
]
SQLITE = [
    """
    CREATE TRIGGER core_event_no_update BEFORE UPDATE ON core_event
    BEGIN SELECT RAISE(ABORT, 'history is append-only: core_event rows are never updated'); END
    """,
    """
    CREATE TRIGGER core_event_no_delete BEFORE DELETE ON core_event
    BEGIN SELECT RAISE(ABORT, 'history is append-only: core_event rows are never deleted'); END
    """,
]


def forward(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_event_append_only ON core_event")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS core_event_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS core_event_no_delete")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
