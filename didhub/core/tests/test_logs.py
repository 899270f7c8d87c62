"""Log lines as an operator's collector reads them: JSON, with the request's context,
and without a password, token, secret or consent link in any of them."""

import io
import json
import logging

import pytest
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from didhub.accounts import services as account_services
from didhub.core.logs import JsonFormatter, RequestContextFilter


@pytest.fixture
def json_lines():
    """Everything logged at INFO and above while the test runs, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def read() -> list[dict]:
        handler.flush()
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    read.text = lambda: stream.getvalue()
    yield read
    root.removeHandler(handler)
    root.setLevel(previous)


def token_client(user) -> tuple[APIClient, str]:
    _, key = account_services.token_create(actor=user, name="logs", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_its_context(tree, json_lines):
    client, _ = token_client(tree.master_admin)
    response = client.get("/api/v1/numbers/?limit=5")
    assert response.status_code == 200
    [line] = [line for line in json_lines() if line["logger"] == "didhub.request"]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user"] == tree.master_admin.pk
    assert line["account"] == tree.master.pk
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/numbers/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
    assert line["client"] == "127.0.0.1"


@pytest.mark.django_db
def test_the_logged_client_is_the_one_throttles_count(tree, json_lines, settings):
    """One rule: X-Forwarded-For only as far as DIDHUB_TRUSTED_PROXIES proxies added it."""
    client, _ = token_client(tree.master_admin)
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.7, 198.51.100.2"}
    client.get("/api/v1/numbers/", **forwarded)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client.get("/api/v1/numbers/", **forwarded)
    lines = [line for line in json_lines() if line["logger"] == "didhub.request"]
    assert [line["client"] for line in lines] == ["127.0.0.1", "198.51.100.2"]


@pytest.mark.django_db
def test_a_problem_names_the_request_id_of_its_log_line(tree, json_lines):
    client, _ = token_client(tree.master_admin)
    response = client.get("/api/v1/numbers/+99999/")
    assert response.status_code == 404
    problem = response.json()
    assert problem["request_id"] == response["X-Request-ID"]
    assert any(line.get("request_id") == problem["request_id"] for line in json_lines())


@pytest.mark.django_db
def test_the_worker_lines_of_an_upload_name_the_request_that_started_it(
    tree, json_lines, monkeypatch, settings, tmp_path
):
    """The upload is queued by a request and validated later, by the worker."""
    from didhub.imports import services

    settings.MEDIA_ROOT = tmp_path
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(services, "INLINE_ROWS", 1)
    client, _ = token_client(tree.master_admin)
    response = client.post(
        "/api/v1/imports/",
        {"account": tree.sub.pk, "numbers": ["+12125550100", "+12125550101"]},
        format="json",
    )
    assert response.status_code == 202, response.json()
    request_id = response["X-Request-ID"]

    queued = DBTaskResult.objects.get()
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])

    worker_lines = [line for line in json_lines() if line["logger"] == "didhub.imports"]
    assert [line["message"].split(": ")[1] for line in worker_lines] == [
        "validation started",
        "validation ended, state ready",
    ]
    assert {line["request_id"] for line in worker_lines} == {request_id}


@pytest.mark.django_db
def test_no_password_token_or_consent_link_reaches_a_log_line(tree, client, json_lines):
    tree.master_admin.set_password("a password nobody logs 9")
    tree.master_admin.save()
    # A sign-in that fails and one that succeeds.
    client.post("/login/", {"username": "admin@master.test", "password": "wrong password 9"})
    client.post(
        "/login/", {"username": "admin@master.test", "password": "a password nobody logs 9"}
    )
    # A token used, a token refused, a token created over the API (its key is in the answer).
    api, key = token_client(tree.master_admin)
    api.get("/api/v1/numbers/")
    APIClient(HTTP_AUTHORIZATION="Token not-a-real-token-0123456789").get("/api/v1/numbers/")
    created = api.post("/api/v1/tokens/", {"name": "ci", "scope": "read"}, format="json")
    new_key = created.json().get("key", "")
    # A consent link, valid-looking and unknown.
    consent_token = "c0nsentT0kenThatMustNotBeLogged"
    client.get(f"/sync/consent/{consent_token}/")

    text = json_lines.text()
    assert "/sync/consent/[redacted]/" in text
    for secret in (
        "a password nobody logs 9",
        "wrong password 9",
        key,
        "not-a-real-token-0123456789",
        consent_token,
    ) + ((new_key,) if new_key else ()):
        assert secret not in text, f"{secret!r} was logged"
