"""Tokens and sessions: scopes, revocation, the key shown once, throttling."""

from rest_framework.test import APIClient

from didhub.accounts.models import ApiToken, hash_token
from didhub.core.models import Event


def test_token_key_is_shown_once_and_stored_hashed(tree, api):
    client = api("acme_admin")
    response = client.post("/api/v1/tokens/", {"name": "script", "scope": "write"}, format="json")
    assert response.status_code == 201
    key = response.json()["key"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.key_hash == hash_token(key) and key not in token.key_hash
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert {row["name"] for row in listed} == {"tests", "script"}
    assert all("key" not in row for row in listed)
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert fresh.get("/api/v1/accounts/").status_code == 200
    assert Event.objects.filter(action="token.created", object_id=token.pk).exists()


def test_tokens_list_only_your_own(tree, api):
    api("master_admin")
    rows = api("acme_admin").get("/api/v1/tokens/").json()["results"]
    assert len(rows) == 1


def test_read_token_cannot_write(tree, api):
    client = api("master_admin", scope="read")
    assert client.get("/api/v1/accounts/").status_code == 200
    response = client.post(
        "/api/v1/accounts/",
        {"parent": tree.master.pk, "name": "New", "kind": "enterprise"},
        format="json",
    )
    assert response.status_code == 403
    assert "read scope" in response.json()["detail"]


def test_read_token_cannot_mint_tokens(tree, api):
    response = api("acme_viewer").post("/api/v1/tokens/", {"scope": "read"}, format="json")
    assert response.status_code == 403


def test_viewer_cannot_mint_write_token(tree):
    client = APIClient()
    client.force_login(tree.acme_viewer)
    response = client.post("/api/v1/tokens/", {"scope": "write"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "scope"


def test_revoked_token_stops_working(tree, api):
    client = api("acme_admin")
    token_id = client.get("/api/v1/tokens/").json()["results"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}/").status_code == 204
    response = client.get("/api/v1/accounts/")
    assert response.status_code == 401
    assert ApiToken.objects.get(pk=token_id).revoked_at is not None


def test_someone_elses_token_is_404(tree, api):
    other = api("master_admin")
    other_id = other.get("/api/v1/tokens/").json()["results"][0]["id"]
    assert api("acme_admin").delete(f"/api/v1/tokens/{other_id}/").status_code == 404
    assert ApiToken.objects.get(pk=other_id).revoked_at is None


def test_session_auth_needs_csrf_for_writes(tree):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(tree.master_admin)
    assert client.get("/api/v1/accounts/").status_code == 200
    response = client.post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_failed_token_attempts_are_throttled(tree, anon):
    from didhub.core.api.throttling import AuthRateThrottle

    original = AuthRateThrottle.THROTTLE_RATES
    AuthRateThrottle.THROTTLE_RATES = {**original, "auth": "3/min"}
    try:
        anon.credentials(HTTP_AUTHORIZATION="Token dh_wrong")
        statuses = [anon.get("/api/v1/accounts/").status_code for _ in range(4)]
    finally:
        AuthRateThrottle.THROTTLE_RATES = original
    assert statuses == [401, 401, 401, 429]


def test_throttled_answer_has_retry_after(tree, api):
    from rest_framework.throttling import UserRateThrottle

    client = api("acme_admin")
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {**original, "user": "2/min"}
    try:
        statuses = [client.get("/api/v1/accounts/") for _ in range(3)]
    finally:
        UserRateThrottle.THROTTLE_RATES = original
    assert [r.status_code for r in statuses] == [200, 200, 429]
    throttled = statuses[-1]
    assert int(throttled["Retry-After"]) >= 1
    assert throttled["Content-Type"].startswith("application/problem+json")
