"""E.164 columns compared byte by byte on PostgreSQL (``didhub.core.fields.E164Field``)."""

from django.db import migrations

from didhub.core.fields import AlterToE164Field, E164Field


class Migration(migrations.Migration):
    dependencies = [("numbers", "0006_set_based_references")]
    operations = [
        AlterToE164Field(
            model_name="number",
            name="e164",
            field=E164Field(max_length=16),
        ),
        AlterToE164Field(
            model_name="block",
            name="start",
            field=E164Field(max_length=16),
        ),
        AlterToE164Field(
            model_name="block",
            name="end",
            field=E164Field(max_length=16),
        ),
    ]
