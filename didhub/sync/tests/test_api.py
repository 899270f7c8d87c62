"""The platform-link and call-event endpoints; credentials never come back."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from didhub.core.models import Event
from didhub.numbers.choices import Activity, SyncState
from didhub.numbers.models import Number
from didhub.sync import delivery, services
from didhub.sync.choices import Connector, LinkMode, LinkStatus, OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink
from didhub.sync.tests.conftest import add_range

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LINKS = "/api/v1/platform-links/"


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def create(client, tree, url="http://127.0.0.1:9/hook", **extra):
    body = {
        "enterprise": tree.acme.pk,
        "connector": "webhook",
        "mode": "integrated",
        "endpoint": url,
        **extra,
    }
    return client.post(LINKS, body, format="json")


def test_credentials_are_write_only_everywhere(tree, receiver, caplog, fast_retries):
    caplog.set_level(logging.DEBUG)
    client = client_for(tree.sub_admin)
    answer = create(client, tree, url=receiver.url, credentials=SECRET)
    assert answer.status_code == 201, answer.content
    link_id = answer.json()["id"]
    assert answer.json()["secret"] == ""
    assert answer.json()["has_credentials"] is True
    add_range(tree, tree.acme, "+12125550100", 1)
    receiver.behaviour = lambda n, *a: (500, {}, 0)
    delivery.deliver_all()
    client.patch(f"{LINKS}{link_id}/", {"credentials": SECRET.replace("M", "N")}, format="json")

    seen = [
        client.get(LINKS).content,
        client.get(f"{LINKS}{link_id}/").content,
        client.get(f"{LINKS}{link_id}/messages/").content,
        client.get(f"/api/v1/platform-links/{link_id}/messages/1/").content,
    ]
    for content in seen:
        assert b"whsec_" not in content and b'"credentials"' not in content
    events = list(Event.objects.values_list("before", "after"))
    assert "whsec_" not in str(events)
    assert '"(changed)"' in str(Event.objects.get(action="platform_link.updated").after).replace(
        "'", '"'
    )
    assert "whsec_" not in caplog.text


def test_a_generated_secret_is_shown_once(tree):
    client = client_for(tree.sub_admin)
    answer = create(client, tree)
    secret = answer.json()["secret"]
    assert secret.startswith("whsec_")
    assert secret.encode() not in client.get(f"{LINKS}{answer.json()['id']}/").content


def test_only_resellers_create_links_and_only_for_enterprises_they_see(tree):
    assert create(client_for(tree.acme_admin), tree).status_code == 403
    foreign = create(client_for(tree.foreign_admin), tree)
    assert foreign.status_code == 400
    assert foreign.json()["errors"][0]["field"] == "enterprise"
    assert create(client_for(tree.sub_admin), tree).status_code == 201
    assert create(client_for(tree.sub_admin), tree).status_code == 409


def test_bad_fields_are_named(tree):
    answer = create(client_for(tree.sub_admin), tree, url="ftp://x", credentials="nope")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "endpoint"


@pytest.mark.parametrize("credentials", ["nope", "whsec_nope", "whsec_" + "A" * 31 + "="])
def test_a_weak_webhook_secret_is_refused_naming_credentials(tree, credentials):
    answer = create(client_for(tree.sub_admin), tree, credentials=credentials)
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/problem+json")
    (error,) = answer.json()["errors"]
    assert error["field"] == "credentials"
    assert "at least 24 random bytes" in error["message"]
    assert credentials not in answer.content.decode()
    assert not PlatformLink.objects.exists()


def test_a_weak_webhook_secret_is_refused_on_change(tree):
    link_id = create(client_for(tree.sub_admin), tree, credentials=SECRET).json()["id"]
    answer = client_for(tree.sub_admin).patch(
        f"{LINKS}{link_id}/", {"credentials": "nope"}, format="json"
    )
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == "credentials"
    assert PlatformLink.objects.get(pk=link_id).credentials == SECRET


@pytest.mark.parametrize("user", ["foreign_admin", "initech_admin", "globex_admin", "acme_admin"])
def test_foreign_links_are_not_found(tree, user):
    link, _ = services.link_create(
        actor=tree.foreign_admin,
        enterprise=tree.initech,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint="http://127.0.0.1:9/hook",
    )
    client = client_for(getattr(tree, user))
    paths = ["", "consent/", "resync/", "consent-link/", "messages/"]
    if user in ("foreign_admin", "initech_admin"):
        assert client.get(f"{LINKS}{link.pk}/").status_code == 200
        return
    for path in paths:
        method = client.get if path in ("", "messages/") else client.post
        assert method(f"{LINKS}{link.pk}/{path}").status_code == 404, path
    assert client.get(LINKS).json()["results"] == []


def test_consent_by_the_enterprise_admin_starts_the_sync(tree):
    add_range(tree, tree.acme, "+12125550100", 2)
    answer = create(client_for(tree.sub_admin), tree, mode="non_integrated")
    link_id = answer.json()["id"]
    assert answer.json()["status"] == "pending_consent"
    assert client_for(tree.acme_viewer).post(f"{LINKS}{link_id}/consent/").status_code == 403
    consented = client_for(tree.acme_admin).post(f"{LINKS}{link_id}/consent/")
    assert consented.status_code == 200
    assert consented.json()["status"] == "syncing"
    assert consented.json()["consented_by"] == "admin@acme.test"
    assert consented.json()["queued_changes"] == 2
    again = client_for(tree.acme_admin).post(f"{LINKS}{link_id}/consent/")
    assert again.status_code == 409


def test_a_consent_link_works_once_and_expires(tree):
    link_id = create(client_for(tree.sub_admin), tree, mode="non_integrated").json()["id"]
    issued = client_for(tree.sub_admin).post(f"{LINKS}{link_id}/consent-link/")
    assert issued.status_code == 201
    url = issued.json()["url"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert "/sync/consent/" in url
    assert PlatformLink.objects.get().consent_token_hash != token

    anonymous = client_for()
    assert anonymous.post(f"{LINKS}{link_id}/consent/", {"token": "wrong"}).status_code == 403
    assert anonymous.post(f"{LINKS}{link_id}/consent/").status_code == 401
    assert anonymous.post(f"{LINKS}{link_id}/consent/", {"token": token}).status_code == 200
    assert anonymous.post(f"{LINKS}{link_id}/consent/", {"token": token}).status_code == 403
    assert PlatformLink.objects.get().consented_by == "consent link"

    other = services.link_create(
        actor=tree.master_admin,
        enterprise=tree.globex,
        connector=Connector.WEBHOOK,
        mode=LinkMode.NON_INTEGRATED,
        endpoint="http://127.0.0.1:9/hook",
    )[0]
    token = services.consent_link_create(actor=tree.master_admin, link=other)
    PlatformLink.objects.filter(pk=other.pk).update(
        consent_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert anonymous.post(f"{LINKS}{other.pk}/consent/", {"token": token}).status_code == 403


def test_resync_and_replay_endpoints(tree, receiver, fast_retries):
    receiver.behaviour = lambda n, *a: (500, {}, 0)
    client = client_for(tree.sub_admin)
    link_id = create(client, tree, url=receiver.url).json()["id"]
    add_range(tree, tree.acme, "+12125550100", 2)
    delivery.deliver_all()
    listed = client.get(f"{LINKS}{link_id}/messages/?state=dead").json()["results"]
    assert [(m["state"], m["size"], m["last_status"]) for m in listed] == [("dead", 2, 500)]
    assert client.get(LINKS).json()["results"][0]["status"] == LinkStatus.FAILED
    assert client.get(LINKS).json()["results"][0]["dead_messages"] == 1

    receiver.behaviour = None
    mid = listed[0]["id"]
    replayed = client.post(f"{LINKS}{link_id}/messages/{mid}/replay/")
    assert replayed.status_code == 200 and replayed.json()["state"] == "pending"
    assert client.post(f"{LINKS}{link_id}/messages/{mid}/replay/").status_code == 409
    delivery.deliver_all()
    assert OutboxMessage.objects.get().state == OutboxState.DELIVERED
    resync = client.post(f"{LINKS}{link_id}/resync/")
    assert resync.status_code == 202 and resync.json() == {
        "queued": 0,
        "superseded_messages": 0,
        "compared_with": "confirmed",
    }
    assert client.get(f"{LINKS}{link_id}/").json()["status"] == "ready"
    body = client.get(f"{LINKS}{link_id}/messages/{mid}/").json()
    assert body["type"] == "numbers.changed"
    assert len(body["data"]["numbers"]) == 2


def test_disable_stops_the_link(tree):
    client = client_for(tree.sub_admin)
    link_id = create(client, tree).json()["id"]
    assert client.delete(f"{LINKS}{link_id}/").status_code == 204
    assert client.get(f"{LINKS}{link_id}/").json()["status"] == "disabled"
    assert create(client, tree).status_code == 201


def test_call_events_set_activity_and_report_unknown_numbers(tree):
    add_range(tree, tree.acme, "+12125550100", 2)
    add_range(tree, tree.globex, "+12125550200", 1)
    body = [
        {"e164": "+12125550100", "at": "2026-03-01T10:00:00Z", "direction": "inbound"},
        {"e164": "1 212 555 0100", "at": "2026-02-01T10:00:00Z"},
        {"e164": "+12125550200", "at": "2026-03-01T10:00:00Z"},
        {"e164": "+12125559999", "at": "2026-03-01T10:00:00Z"},
        {"e164": "+12125550101", "at": "yesterday"},
    ]
    answer = client_for(tree.sub_admin).post("/api/v1/call-events/", body, format="json")
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert {k: result[k] for k in ("received", "applied", "unknown", "invalid")} == {
        "received": 5,
        "applied": 2,
        "unknown": 2,
        "invalid": 1,
    }
    assert result["errors"] == [
        {"code": "invalid_time", "message": "at must be a date and time.", "row": 4}
    ]
    number = Number.objects.get(e164="+12125550100")
    assert number.activity == Activity.ACTIVE
    assert number.last_call_at.isoformat() == "2026-03-01T10:00:00+00:00"
    # Globex is not below Sub Reseller: its number stays pending.
    assert Number.objects.get(e164="+12125550200").activity == Activity.PENDING
    assert Number.objects.get(e164="+12125550101").activity == Activity.PENDING


def test_call_events_need_a_reseller_and_a_sane_size(tree):
    event = {"e164": "+12125550100", "at": "2026-03-01T10:00:00Z"}
    assert client_for(tree.acme_admin).post("/api/v1/call-events/", event).status_code == 403
    many = client_for(tree.sub_admin).post("/api/v1/call-events/", [event] * 10_001, format="json")
    assert many.status_code == 400


def test_numbers_show_their_sync_state(tree):
    add_range(tree, tree.acme, "+12125550100", 1)
    create(client_for(tree.sub_admin), tree, mode="non_integrated")
    assert Number.objects.get().sync_state == SyncState.PENDING_CONSENT
