"""PostgreSQL only: a trigram index so that "digits anywhere" search stays fast.

On SQLite the same filter is a LIKE scan, which is fine at embedded sizes.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS number_e164_trgm ON numbers_number USING gin (e164 gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS target_name_trgm ON numbers_target USING gin (upper(name) gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS number_e164_trgm", "DROP INDEX IF EXISTS target_name_trgm"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("numbers", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
