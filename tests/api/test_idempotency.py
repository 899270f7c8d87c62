"""Idempotency-Key: a retried write is answered from the first answer, never repeated."""

from datetime import timedelta

from django.utils import timezone

from didhub.core.models import Event, IdempotencyRecord


def assign(client, e164, target, key, channel="voice"):
    return client.post(
        f"/api/v1/numbers/{e164}/assign/",
        {"target": target.pk, "channel": channel},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_same_key_same_body_replays_without_repeating(tree, api, world):
    client = api("acme_admin")
    first = assign(client, "+12125550101", world.acme_user, "key-1")
    assert first.status_code == 200
    events = Event.objects.filter(action="number.assigned").count()
    assert events >= 2  # the fixture's assignments and this one
    second = assign(client, "+12125550101", world.acme_user, "key-1")
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Event.objects.filter(action="number.assigned").count() == events


def test_same_key_other_body_is_409(tree, api, world):
    client = api("acme_admin")
    assert assign(client, "+12125550101", world.acme_user, "key-2").status_code == 200
    response = assign(client, "+12125550102", world.acme_user, "key-2")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_errors_are_replayed_too(tree, api, world):
    client = api("acme_admin")
    first = assign(client, "+12125550101", world.acme_user, "key-3", channel="sms")
    assert first.status_code in (400, 409)
    second = assign(client, "+12125550101", world.acme_user, "key-3", channel="sms")
    assert second.status_code == first.status_code
    assert second.json()["detail"] == first.json()["detail"]
    assert second["Content-Type"].startswith("application/problem+json")


def test_keys_are_per_user(tree, api, world):
    assert assign(api("acme_admin"), "+12125550101", world.acme_user, "shared").status_code == 200
    other = api("master_admin")
    response = assign(other, "+12125550102", world.acme_user, "shared")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response


def test_keys_expire_after_24_hours(tree, api, world):
    client = api("acme_admin")
    assert assign(client, "+12125550101", world.acme_user, "old").status_code == 200
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    response = assign(client, "+12125550102", world.acme_user, "old")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response


def test_request_in_progress_is_409(tree, api, world):
    client = api("acme_admin")
    IdempotencyRecord.objects.create(
        user_id=tree.acme_admin.pk,
        key="busy",
        method="POST",
        path="/api/v1/numbers/+12125550101/assign/",
        request_hash="x",
        status_code=0,
    )
    response = assign(client, "+12125550101", world.acme_user, "busy")
    assert response.status_code == 409


def test_bad_key_is_400(tree, api, world):
    response = assign(api("acme_admin"), "+12125550101", world.acme_user, "x" * 300)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_without_key_nothing_is_stored(tree, api, world):
    client = api("acme_admin")
    response = client.post(
        "/api/v1/numbers/+12125550101/assign/", {"target": world.acme_user.pk}, format="json"
    )
    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()
