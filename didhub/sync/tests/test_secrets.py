"""A webhook link takes only a real ``whsec_`` secret: the prefix, then strict base64 of at
least 24 bytes. ``standardwebhooks`` itself would sign with nearly anything."""

import base64
import secrets

import pytest

from didhub.core.errors import ValidationFailed
from didhub.sync import services
from didhub.sync.choices import Connector, LinkMode
from didhub.sync.models import PlatformLink

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"


def secret_of(size: int) -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(size)).decode()


def create(tree, credentials: str) -> PlatformLink:
    link, _ = services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint=URL,
        credentials=credentials,
    )
    return link


@pytest.mark.parametrize(
    "credentials",
    [
        "nope",
        "whsec_",
        "whsec_nope",
        # Right length, wrong prefix or none.
        base64.b64encode(secrets.token_bytes(32)).decode(),
        "wh_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        # Not base64: characters outside the alphabet, padding in the middle.
        "whsec_" + "%" * 44,
        "whsec_" + base64.b64encode(secrets.token_bytes(16)).decode() + "==AAAAAAAAAAAA",
        "whsec_" + base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode(),
        # Valid base64, too short a key.
        secret_of(23),
        secret_of(8),
    ],
)
def test_a_webhook_refuses_a_weak_or_malformed_secret(tree, credentials):
    with pytest.raises(ValidationFailed) as refused:
        create(tree, credentials)
    (item,) = refused.value.errors
    assert item.field == "credentials"
    assert "whsec_" in item.message and "24" in item.message
    # The refusal never repeats what was typed (beyond the prefix it asks for).
    assert credentials == "whsec_" or credentials not in item.message
    assert not PlatformLink.objects.exists()


@pytest.mark.parametrize("size", [24, 32, 64])
def test_a_webhook_takes_a_secret_of_24_bytes_or_more(tree, size):
    credentials = secret_of(size)
    link = create(tree, credentials)
    link.refresh_from_db()
    assert link.credentials == credentials


def test_unpadded_base64_is_a_secret_too(tree):
    # Standard Webhooks libraries accept secrets without their trailing "=".
    credentials = secret_of(32).rstrip("=")
    assert create(tree, credentials).credentials == credentials


def test_generated_secrets_pass_the_check_they_are_held_to(tree):
    for _ in range(20):
        assert services.webhook_secret_is_valid(services.webhook_secret_generate())
    link, shown = services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint=URL,
    )
    assert shown.startswith("whsec_") and len(base64.b64decode(shown[6:])) == 32
    assert link.credentials == shown


def test_changing_the_secret_is_held_to_the_same_rule(tree):
    link = create(tree, secret_of(32))
    with pytest.raises(ValidationFailed) as refused:
        services.link_update(actor=tree.sub_admin, link=link, credentials="nope")
    assert refused.value.errors[0].field == "credentials"
    fresh = secret_of(32)
    services.link_update(actor=tree.sub_admin, link=link, credentials=fresh)
    link.refresh_from_db()
    assert link.credentials == fresh


def test_a_webex_token_is_not_a_webhook_secret(tree):
    link, _ = services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBEX_CALLING,
        mode=LinkMode.INTEGRATED,
        organization_id="org-1",
        location_id="loc-1",
        credentials="partner-access-token",
    )
    assert link.credentials == "partner-access-token"
