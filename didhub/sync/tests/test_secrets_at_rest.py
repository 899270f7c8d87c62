"""Link credentials are stored encrypted, with a key kept outside the database.

Checked as someone holding a copy of the database would look: the column itself. The
platform still receives requests signed (or authorized) with the plain secret, keys
rotate with ``didhub secrets rotate``, and the data migration encrypts old rows.
"""

import importlib
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from didhub.sync import crypto, delivery
from didhub.sync.choices import OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink
from didhub.sync.tests.conftest import add_range

pytestmark = pytest.mark.django_db

TOKEN = "partner-token-KEEP-ME-SECRET"


def stored(link_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM sync_platformlink WHERE id = %s", [link_id])
        return cursor.fetchone()[0]


def create_webhook(tree, url):
    client = APIClient()
    client.force_authenticate(tree.sub_admin)
    answer = client.post(
        "/api/v1/platform-links/",
        {
            "enterprise": tree.acme.pk,
            "connector": "webhook",
            "mode": "integrated",
            "endpoint": url + "/hook",
        },
        format="json",
    )
    assert answer.status_code == 201
    return answer.json()["id"], answer.json()["secret"]


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DIDHUB_SECRETS_KEY = old
    return settings, old, new


def test_the_column_holds_no_secret_and_the_receiver_gets_valid_signatures(tree, receiver, keys):
    _settings, old, _ = keys
    link_id, secret = create_webhook(tree, receiver.url)
    raw = stored(link_id)
    assert secret not in raw and secret[6:] not in raw
    assert Fernet(old.encode()).decrypt(raw.encode()).decode() == secret

    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    (request,) = receiver.requests
    Webhook(secret).verify(request.body, request.headers)


def test_a_webex_token_is_stored_encrypted_and_sent_in_the_clear(tree, receiver, keys):
    settings, _old, _ = keys
    settings.DIDHUB_WEBEX_BASE_URL = receiver.url
    client = APIClient()
    client.force_authenticate(tree.sub_admin)
    answer = client.post(
        "/api/v1/platform-links/",
        {
            "enterprise": tree.acme.pk,
            "connector": "webex_calling",
            "mode": "integrated",
            "organization_id": "org",
            "location_id": "loc",
            "credentials": TOKEN,
        },
        format="json",
    )
    assert answer.status_code == 201
    assert TOKEN not in stored(answer.json()["id"])
    assert TOKEN not in answer.content.decode()
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    assert receiver.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_keys_rotate_with_the_command(tree, receiver, keys):
    settings, old, new = keys
    link_id, secret = create_webhook(tree, receiver.url)
    settings.DIDHUB_SECRETS_KEY = f"{new},{old}"
    call_command("secrets", "rotate")
    # The old key is no longer needed.
    settings.DIDHUB_SECRETS_KEY = new
    assert Fernet(new.encode()).decrypt(stored(link_id).encode()).decode() == secret
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)


def test_a_secret_no_key_reads_is_kept_never_sent_and_said(tree, receiver, keys, fast_retries):
    settings, old, new = keys
    link_id, _ = create_webhook(tree, receiver.url)
    raw = stored(link_id)
    settings.DIDHUB_SECRETS_KEY = new  # the old key was dropped too early

    with pytest.raises(CommandError, match="no key of DIDHUB_SECRETS_KEY decrypts"):
        call_command("secrets", "rotate")
    assert stored(link_id) == raw
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    assert receiver.requests == []
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DEAD
    assert "cannot be decrypted with DIDHUB_SECRETS_KEY" in message.last_error
    # Renaming the link keeps the stored secret as it was.
    portal = Client()
    portal.force_login(tree.sub_admin)
    page = portal.get(f"/links/{link_id}/")
    assert 'set <span class="muted">(never shown)</span>' in page.content.decode()
    PlatformLink.objects.get(pk=link_id).save()
    assert stored(link_id) == raw
    settings.DIDHUB_SECRETS_KEY = f"{new},{old}"
    assert PlatformLink.objects.get(pk=link_id).credentials.startswith("whsec_")


def test_the_data_migration_encrypts_the_plain_rows(tree, keys):
    _settings, _old, _ = keys
    link_id, secret = create_webhook(tree, "http://127.0.0.1:9")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sync_platformlink SET credentials = %s WHERE id = %s", [secret, link_id]
        )
    migration = importlib.import_module("didhub.sync.migrations.0006_link_secrets_and_backoff")
    # The step uses only the schema editor's connection.
    editor = SimpleNamespace(connection=connection)
    migration.encrypt_credentials(None, editor)
    # Running it again leaves encrypted rows alone.
    migration.encrypt_credentials(None, editor)
    assert crypto.decrypt(stored(link_id)) == secret
    assert PlatformLink.objects.get(pk=link_id).credentials == secret


def test_without_a_key_one_is_derived_from_the_secret_key(tree, settings):
    settings.DIDHUB_SECRETS_KEY = ""
    link_id, secret = create_webhook(tree, "http://127.0.0.1:9")
    derived = Fernet(crypto.derived_key(settings.SECRET_KEY))
    assert derived.decrypt(stored(link_id).encode()).decode() == secret

    # Moving to a key of one's own: set it, rotate; the secret key may change after.
    own = Fernet.generate_key().decode()
    settings.DIDHUB_SECRETS_KEY = own
    call_command("secrets", "rotate")
    assert Fernet(own.encode()).decrypt(stored(link_id).encode()).decode() == secret
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert PlatformLink.objects.get(pk=link_id).credentials == secret
