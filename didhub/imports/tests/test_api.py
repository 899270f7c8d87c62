"""Uploads over the API: validate, commit, follow, errors.csv, templates, isolation."""

import csv
import io

import pytest
from django.core.cache import cache
from openpyxl import load_workbook
from rest_framework.test import APIClient

from didhub.accounts import services as account_services
from didhub.accounts.choices import READ_ONLY_ROLES, TokenScope
from didhub.imports.models import Import
from didhub.numbers.models import Number

URL = "/api/v1/imports/"


@pytest.fixture
def api(tree):
    """``api("master_admin")``: a client with a fresh token of that user."""
    cache.clear()
    users = tree.users()

    def make(name: str) -> APIClient:
        user = users[name]
        scope = TokenScope.READ if user.role in READ_ONLY_ROLES else TokenScope.WRITE
        _, key = account_services.token_create(actor=user, name="tests", scope=scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


def csv_upload(text: str, name="numbers.csv"):
    stream = io.BytesIO(text.encode())
    stream.name = name
    return stream


FILE = (
    "Country Code;Phone Number;Voice;SMS;Voice Route Type\n"
    "1;212 555 0100;yes;no;Direct Routing\n"
    "1;212 555 0101;yes;no;\n"
    "1;(212) 555-0100;no;yes;\n"
    '1;=HYPERLINK("x");no;no;\n'
)


def post_file(client, text=FILE, **fields):
    return client.post(URL, {"file": csv_upload(text), **fields}, format="multipart")


def test_upload_validates_and_answers_counts_and_rejected_rows(tree, api):
    answer = post_file(api("master_admin"), account=tree.acme.pk)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "ready"
    assert (body["total_rows"], body["valid"], body["invalid"], body["duplicate"]) == (4, 1, 2, 1)
    assert body["account"] == {"id": tree.acme.pk, "name": "Acme Corp"}
    assert [(e["line"], e["column"], e["code"]) for e in body["errors"]] == [
        (3, "Voice Route Type", "voice_without_route"),
        (4, "Phone Number", "duplicate"),
        (5, "Phone Number", "bad_characters"),
    ]
    assert body["notes"] == ["Columns are separated by ';'."]
    assert body["errors_url"].endswith(f"/api/v1/imports/{body['id']}/errors.csv")


def test_commit_imports_and_the_import_reads_done(tree, api):
    client = api("master_admin")
    created = post_file(client, account=tree.acme.pk).json()
    answer = client.post(f"{URL}{created['id']}/commit/")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["state"], answer.json()["committed"]) == ("done", 1)
    assert Number.objects.get().e164 == "+12125550100"
    again = client.post(f"{URL}{created['id']}/commit/")
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")
    listed = client.get(URL).json()
    assert [item["id"] for item in listed["results"]] == [created["id"]]
    detail = client.get(f"{URL}{created['id']}/").json()
    assert detail["progress"]["percent"] == 100.0


def test_errors_csv_lists_every_rejected_row_safely(tree, api):
    client = api("master_admin")
    created = post_file(client, account=tree.acme.pk).json()
    answer = client.get(f"{URL}{created['id']}/errors.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0] == ["line", "column", "value", "code", "message"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "5"]
    # A formula from the uploaded file never runs in the spreadsheet that opens the report.
    assert rows[3][2] == '\'=HYPERLINK("x")'


def test_json_list_single_number_and_range(tree, api):
    client = api("master_admin")
    answer = client.post(URL, {"account": tree.sub.pk, "numbers": ["+12125550100", "212555"]})
    assert answer.status_code == 201, answer.content
    assert (answer.json()["valid"], answer.json()["invalid"]) == (1, 1)
    assert answer.json()["errors"][0]["line"] == 2
    answer = client.post(
        URL,
        {
            "number": {
                "phone_number": "2125550101",
                "country_code": "1",
                "voice": True,
                "route": "Operator Connect",
            }
        },
    )
    assert (answer.status_code, answer.json()["source"], answer.json()["valid"]) == (
        201,
        "single",
        1,
    )
    assert answer.json()["account"]["id"] == tree.master.pk
    answer = client.post(
        URL,
        {
            "account": tree.sub.pk,
            "range": {"start": "+12125550100", "end": "+12125550149"},
            "voice": True,
            "route": "direct_routing",
        },
    )
    assert (answer.json()["source"], answer.json()["valid"]) == ("range", 50)


def test_bad_requests_name_the_field(tree, api):
    client = api("master_admin")
    answer = client.post(URL, {"account": tree.sub.pk})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "file"
    answer = client.post(
        URL,
        {"account": tree.sub.pk, "numbers": ["+12125550100"], "defaults": {"phone_number": "1"}},
    )
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "defaults"
    answer = post_file(client, "Name,Email\nAnn,a@b.c\n", account=tree.sub.pk)
    assert answer.status_code == 400
    assert answer.json()["errors"][0] == {
        "code": "no_number_column",
        "field": "file",
        "message": answer.json()["errors"][0]["message"],
    }


def test_a_foreign_tenants_import_is_404(tree, api):
    created = post_file(api("master_admin"), account=tree.acme.pk).json()
    foreign = api("foreign_admin")
    for method, path in (
        ("get", f"{URL}{created['id']}/"),
        ("post", f"{URL}{created['id']}/commit/"),
        ("get", f"{URL}{created['id']}/errors.csv"),
    ):
        answer = getattr(foreign, method)(path)
        assert answer.status_code == 404, path
        assert answer["Content-Type"].startswith("application/problem+json")
    assert foreign.get(URL).json()["results"] == []
    answer = post_file(foreign, account=tree.acme.pk)
    assert answer.status_code == 404
    assert Import.objects.count() == 1


def test_enterprise_without_external_numbers_gets_403(tree, api):
    answer = post_file(api("acme_admin"))
    assert answer.status_code == 403
    assert "Allow External Numbers" in answer.json()["detail"]
    answer = post_file(api("globex_admin"))
    assert answer.status_code == 201


def test_read_only_users_cannot_upload(tree, api):
    assert post_file(api("acme_viewer")).status_code == 403
    assert post_file(api("platform_viewer"), account=tree.acme.pk).status_code == 403


def test_idempotency_key_returns_the_first_answer(tree, api):
    client = api("master_admin")
    body = {"account": tree.sub.pk, "numbers": ["+12125550100"]}
    first = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="upload-1")
    second = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Import.objects.count() == 1
    commit = f"{URL}{first.json()['id']}/commit/"
    assert client.post(commit, HTTP_IDEMPOTENCY_KEY="commit-1").status_code == 200
    assert client.post(commit, HTTP_IDEMPOTENCY_KEY="commit-1").status_code == 200
    other = client.post(URL, {**body, "numbers": ["+12125550101"]}, HTTP_IDEMPOTENCY_KEY="upload-1")
    assert other.status_code == 409


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_sample_file_round_trips(tree, api, fmt):
    client = api("master_admin")
    answer = client.get(f"{URL}template.{fmt}")
    assert answer.status_code == 200
    assert "didhub-upload-template" in answer["Content-Disposition"]
    if fmt == "csv":
        text = (
            answer.content.decode().rstrip("\r\n")
            + "\r\n1,212 555 0199,TRUE,FALSE,FALSE,External Trunk,,,,,,\r\n"
        )
        data = text.encode()
    else:
        workbook = load_workbook(io.BytesIO(answer.content))
        workbook.active.append(["1", "212 555 0199", "TRUE", "FALSE", "FALSE", "External Trunk"])
        out = io.BytesIO()
        workbook.save(out)
        data = out.getvalue()
    upload = io.BytesIO(data)
    upload.name = f"filled.{fmt}"
    created = client.post(URL, {"file": upload, "account": tree.acme.pk}, format="multipart")
    assert created.status_code == 201, created.content
    assert (created.json()["valid"], created.json()["invalid"]) == (3, 0)
    done = client.post(f"{URL}{created.json()['id']}/commit/")
    assert done.json()["committed"] == 3
    assert Number.objects.get(e164="+12125550199").route == "external_trunk"
    assert set(Number.objects.values_list("e164", flat=True)) == {
        "+12125550100",
        "+442079460000",
        "+12125550199",
    }


def test_progress_of_a_background_import_is_visible(tree, api, monkeypatch):
    from didhub.imports import services

    monkeypatch.setattr(services, "INLINE_ROWS", 1)
    client = api("master_admin")
    answer = client.post(URL, {"account": tree.sub.pk, "numbers": ["+12125550100", "+12125550101"]})
    assert answer.status_code == 202
    body = answer.json()
    assert body["state"] == "validating"
    assert body["progress"] == {
        "phase": "validating",
        "done": 0,
        "total": 2,
        "percent": 0.0,
        "rows_per_second": None,
        "seconds_left": None,
    }
