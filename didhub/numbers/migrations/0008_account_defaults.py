"""An account's default voice carrier and SMS profile move from the account to numbers.

``numbers_accountdefaults`` is created and filled from ``accounts_account`` by one
``INSERT … SELECT`` (only accounts that have a default get a row); ``accounts/0004``
then drops the two columns. Neither touches ``numbers_number``. Undone, the values are
copied back by one ``UPDATE`` before the table goes.
"""

import django.db.models.deletion
from django.db import migrations, models

COPY = """
INSERT INTO numbers_accountdefaults (account_id, voice_carrier_id, sms_profile_id)
SELECT id, default_voice_carrier_id, default_sms_profile_id
FROM accounts_account
WHERE default_voice_carrier_id IS NOT NULL OR default_sms_profile_id IS NOT NULL
"""

COPY_BACK = """
UPDATE accounts_account SET
    default_voice_carrier_id = (
        SELECT voice_carrier_id FROM numbers_accountdefaults d
        WHERE d.account_id = accounts_account.id
    ),
    default_sms_profile_id = (
        SELECT sms_profile_id FROM numbers_accountdefaults d
        WHERE d.account_id = accounts_account.id
    )
WHERE id IN (SELECT account_id FROM numbers_accountdefaults)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_professional_role"),
        ("numbers", "0007_e164_bytewise"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountDefaults",
            fields=[
                (
                    "account",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="number_defaults",
                        serialize=False,
                        to="accounts.account",
                    ),
                ),
                (
                    "voice_carrier",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="numbers.carrier",
                    ),
                ),
                (
                    "sms_profile",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="numbers.smsprofile",
                    ),
                ),
            ],
            options={"verbose_name_plural": "account defaults"},
        ),
        migrations.RunSQL(COPY, reverse_sql=COPY_BACK, elidable=False),
    ]
