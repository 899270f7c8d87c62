"""E.164 columns compared byte by byte on PostgreSQL (``didhub.core.fields.E164Field``)."""

from django.db import migrations

from didhub.core.fields import AlterToE164Field, E164Field


class Migration(migrations.Migration):
    dependencies = [("sync", "0004_syncchange_import_rows")]
    operations = [
        AlterToE164Field(
            model_name="syncchange",
            name="e164",
            field=E164Field(max_length=16),
        ),
        AlterToE164Field(
            model_name="syncednumber",
            name="e164",
            field=E164Field(max_length=16),
        ),
    ]
