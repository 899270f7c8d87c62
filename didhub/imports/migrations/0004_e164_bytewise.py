"""E.164 columns compared byte by byte on PostgreSQL (``didhub.core.fields.E164Field``)."""

from django.db import migrations

from didhub.core.fields import AlterToE164Field, E164Field


class Migration(migrations.Migration):
    dependencies = [("imports", "0003_staging_index_by_line")]
    operations = [
        AlterToE164Field(
            model_name="importrow",
            name="e164",
            field=E164Field(max_length=16),
        ),
    ]
