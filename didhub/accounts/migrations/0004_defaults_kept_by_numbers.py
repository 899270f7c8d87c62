"""The account's default carrier and SMS profile are no longer the account's: numbers
keeps them (``numbers_accountdefaults``, filled by ``numbers/0008``).

The version still serving while ``didhub migrate`` runs reads and writes the two columns
(docs/operations.md, *Upgrade*), so this release only stops using them: they leave the
model, and their foreign keys go, so that deleting a carrier or profile is not refused
for a value nothing reads any more. Dropping the columns is a later release's migration.
PostgreSQL drops the two constraints without touching a row; SQLite, migrated while
didhub is stopped, rebuilds ``accounts_account`` (one row per account). A default set
through the old version between the migration and its restart stays in the old column.
"""

import django.db.models.deletion
from django.db import migrations, models

EMPTY = "UPDATE accounts_account SET default_voice_carrier_id = NULL, default_sms_profile_id = NULL"


def unconstrained(target: str) -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=target,
        db_constraint=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_professional_role"),
        ("numbers", "0008_account_defaults"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="account",
                    name="default_voice_carrier",
                    field=unconstrained("numbers.carrier"),
                ),
                migrations.AlterField(
                    model_name="account",
                    name="default_sms_profile",
                    field=unconstrained("numbers.smsprofile"),
                ),
                # Undone: emptied before their keys return (a carrier deleted meanwhile
                # would refuse them); numbers/0008 then copies the kept values back.
                migrations.RunSQL(migrations.RunSQL.noop, reverse_sql=EMPTY, elidable=False),
            ],
            state_operations=[
                migrations.RemoveField(model_name="account", name="default_voice_carrier"),
                migrations.RemoveField(model_name="account", name="default_sms_profile"),
            ],
        )
    ]
