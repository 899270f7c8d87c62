"""Uploaded numbers' moments stored as every other moment on SQLite.

Before this release an upload wrote its numbers' ``created_at`` and ``updated_at`` on
SQLite as ``2026-12-07 10:15:02.123456+00:00``, where Django stores naive UTC text
(``2026-12-07 10:15:02.123456``): an exact lookup or a list cursor on ``created_at``
found none of them. The offset is dropped, in batches. PostgreSQL stores moments as
``timestamptz`` and has nothing to change.
"""

from django.db import migrations

from didhub.core.db.operations import online_safe

BATCH = 5000
OFFSET = "+00:00"


@online_safe(
    "SQLite only: batches of 5,000 numbers, each its own statement (the migration is not "
    "atomic); on PostgreSQL it does nothing"
)
def drop_offsets(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    table = apps.get_model("numbers", "Number")._meta.db_table
    # "+00:00" appears in such a moment only as its offset, at its end.
    statement = (
        f"UPDATE \"{table}\" SET created_at = replace(created_at, %s, ''), "
        "updated_at = replace(updated_at, %s, '') "
        f'WHERE id IN (SELECT id FROM "{table}" WHERE created_at LIKE %s OR updated_at '
        f"LIKE %s LIMIT {BATCH})"
    )
    pattern = f"%{OFFSET}"
    with connection.cursor() as cursor:
        while True:
            cursor.execute(statement, [OFFSET, OFFSET, pattern, pattern])
            if cursor.rowcount < BATCH:
                break


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("numbers", "0009_released_by_index")]

    operations = [migrations.RunPython(drop_offsets, migrations.RunPython.noop, elidable=True)]
