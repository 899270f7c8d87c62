"""Link credentials encrypted at rest; the link's own back-off.

The data step encrypts the credentials stored in plain text so far with the key of
``DIDHUB_SECRETS_KEY`` (or its fallback, ``didhub.sync.crypto``). It reads and writes the
column directly: a value the configured keys already decrypt is left as it is, so the
step can run again safely. Going back decrypts them.
"""

from django.db import migrations, models

import didhub.sync.crypto


def stored(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, credentials FROM sync_platformlink WHERE credentials <> ''")
        return cursor.fetchall()


def write(schema_editor, pk, value):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE sync_platformlink SET credentials = %s WHERE id = %s", [value, pk])


def encrypt_credentials(apps, schema_editor):
    from didhub.sync import crypto

    for pk, value in stored(schema_editor):
        if not crypto.is_encrypted(value):
            write(schema_editor, pk, crypto.encrypt(value))


def decrypt_credentials(apps, schema_editor):
    from didhub.sync import crypto

    for pk, value in stored(schema_editor):
        if crypto.is_encrypted(value):
            write(schema_editor, pk, crypto.decrypt(value))


class Migration(migrations.Migration):
    dependencies = [("sync", "0005_e164_bytewise")]

    operations = [
        migrations.AlterField(
            model_name="platformlink",
            name="credentials",
            field=didhub.sync.crypto.EncryptedTextField(blank=True),
        ),
        migrations.AddField(
            model_name="platformlink",
            name="failures",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Attempts that failed in a row, over all the link's messages.",
            ),
        ),
        migrations.AddField(
            model_name="platformlink",
            name="retry_at",
            field=models.DateTimeField(
                blank=True,
                help_text="While the platform is down: when to probe it next.",
                null=True,
            ),
        ),
        migrations.RunPython(encrypt_credentials, decrypt_credentials, elidable=False),
    ]
