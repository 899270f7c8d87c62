"""Every error of the API is problem+json: domain errors, DRF's own, Django's, crashes."""

import pytest

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:didhub:problem:")
    assert body["title"] and body["detail"]
    assert body["request_id"] == response["X-Request-ID"]
    if code is not None:
        assert body["code"] == code
    return body


def test_no_credentials_is_401_with_www_authenticate(tree, anon):
    response = anon.get("/api/v1/accounts/")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(tree, anon):
    anon.credentials(HTTP_AUTHORIZATION="Token dh_not-a-real-key")
    body = assert_problem(anon.get("/api/v1/accounts/"), 401, "authentication_failed")
    assert "revoked" in body["detail"]


def test_unknown_api_url_is_problem_404(tree, api):
    body = assert_problem(api("acme_admin").get("/api/v1/no-such-thing/"), 404, "not_found")
    assert body["instance"] == "/api/v1/no-such-thing/"


def test_unknown_url_outside_api_is_not_a_problem(tree, client):
    response = client.get("/definitely-not-a-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith(PROBLEM)


def test_method_not_allowed_is_405(tree, api):
    assert_problem(api("master_admin").put("/api/v1/accounts/", {}), 405, "method_not_allowed")


def test_parse_error_is_400(tree, api):
    response = api("master_admin").post(
        "/api/v1/accounts/", data="{not json", content_type="application/json"
    )
    assert_problem(response, 400, "parse_error")


def test_unsupported_media_type_is_415(tree, api):
    response = api("master_admin").post(
        "/api/v1/accounts/", data="name=x", content_type="text/plain"
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_too_large_json_is_413(tree, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api("master_admin").post(
        "/api/v1/accounts/", data={"name": "x" * 2000}, format="json"
    )
    assert_problem(response, 413, "payload_too_large")


def test_serializer_errors_are_field_keyed(tree, api):
    response = api("master_admin").post("/api/v1/accounts/", {"kind": "galaxy"}, format="json")
    body = assert_problem(response, 400, "invalid")
    fields = {item["field"] for item in body["errors"]}
    assert {"kind", "name", "parent"} <= fields
    assert all(item["code"] and item["message"] for item in body["errors"])


def test_domain_validation_error_keeps_its_items(tree, api):
    response = api("platform_admin").patch(
        f"/api/v1/accounts/{tree.master.pk}/", {"stations_purchased": 5}, format="json"
    )
    body = assert_problem(response, 400)
    assert body["errors"][0]["field"] == "stations_purchased"


def test_policy_refusal_is_403_with_reason(tree, api):
    response = api("acme_admin").post(
        "/api/v1/accounts/",
        {"parent": tree.acme.pk, "name": "Child", "kind": "enterprise"},
        format="json",
    )
    body = assert_problem(response, 403, "not_allowed")
    assert "resellers" in body["detail"].lower()


def test_conflict_is_409(tree, api):
    response = api("master_admin").post(
        "/api/v1/accounts/",
        {"parent": tree.sub.pk, "name": "Acme Corp", "kind": "enterprise"},
        format="json",
    )
    assert_problem(response, 409, "duplicate_name")


def test_unexpected_error_is_500_without_stack_trace(tree, api, monkeypatch, caplog):
    from didhub.accounts import services

    def explode(**kwargs):
        raise RuntimeError("secret internals")

    client = api("acme_admin")
    monkeypatch.setattr(services, "token_create", explode)
    with caplog.at_level("ERROR", logger="didhub.api"):
        response = client.post("/api/v1/tokens/", {"name": "x"}, format="json")
    body = assert_problem(response, 500, "server_error")
    assert "secret" not in response.content.decode()
    assert body["request_id"] in body["detail"]
    assert "secret internals" in caplog.text


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_served_without_credentials(tree, anon, path):
    response = anon.get(path)
    assert response.status_code == 200


def test_django_level_server_error_under_api_is_problem(rf):
    from didhub.core.api import problems

    response = problems.server_error(rf.get("/api/v1/numbers/"))
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert b"server_error" in response.content


def test_django_level_bad_request_too_big_is_413(rf):
    from django.core.exceptions import RequestDataTooBig

    from didhub.core.api import problems

    response = problems.bad_request(rf.post("/api/v1/imports/"), RequestDataTooBig())
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM


def test_options_is_405(tree, api):
    response = api("master_admin").options("/api/v1/numbers/")
    assert_problem(response, 405, "method_not_allowed")
