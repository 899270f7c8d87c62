"""E.164 columns compared byte by byte on PostgreSQL (``didhub.core.fields.E164Field``)."""

from django.db import migrations

from didhub.core.fields import AlterToE164Field, E164Field


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_append_only")]
    operations = [
        AlterToE164Field(
            model_name="event",
            name="number_e164",
            field=E164Field(blank=True, max_length=16),
        ),
    ]
