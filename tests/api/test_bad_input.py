"""Bad input is a 4xx problem, never a server error: tampered cursors, bodies nested
thousands of levels deep, NUL characters anywhere, filters naming accounts that do not
exist. Every request here once answered 500 (on SQLite, on PostgreSQL, or both)."""

import base64
import json

import pytest

from .test_problems import assert_problem

# The portal's lists read their search text in Python and the API's in a filterset: a
# NUL is refused before either, for both.
PORTAL_SEARCHES = ["/accounts/?q=%00", "/targets/?q=%00", "/switch/?q=%00"]


def tampered(*values) -> str:
    """A cursor as the API writes them, carrying values the client chose."""
    raw = json.dumps({"v": list(values)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_VALUES = ["a\x00b", "2026-13-45", "x", 10**30, True, 1.5]


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
@pytest.mark.parametrize("ordering", ["created_at", "-last_call_at", "cac_limit", "owner"])
def test_a_tampered_number_cursor_is_400(tree, api, world, ordering, value):
    url = f"/api/v1/numbers/?ordering={ordering}&cursor={tampered(value, '+12125550100')}"
    response = api("master_admin").get(url)
    if ordering == "owner" and isinstance(value, str) and value != "a\x00b":
        # Any text is a possible account name: a page after it, not an error.
        assert response.status_code == 200, response.content
        return
    body = assert_problem(response, 400, "invalid")
    assert body["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
@pytest.mark.parametrize("ordering", ["at", "-at", "action"])
def test_a_tampered_event_cursor_is_400(tree, api, world, ordering, value):
    url = f"/api/v1/events/?ordering={ordering}&cursor={tampered(value, 1)}"
    response = api("master_admin").get(url)
    if ordering == "action" and isinstance(value, str) and value != "a\x00b":
        assert response.status_code == 200, response.content
        return
    body = assert_problem(response, 400, "invalid")
    assert body["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("value", ["a\x00b", "2026-13-45", 7, "2026-01-01T00:00:00"])
def test_a_tampered_history_cursor_is_400(tree, api, world, value):
    url = f"/api/v1/numbers/+12125550100/history/?cursor={tampered(value, 1)}"
    body = assert_problem(api("master_admin").get(url), 400, "invalid")
    assert body["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("tiebreak", ["x", "a\x00b", 2**70])
def test_a_tampered_tiebreak_is_400(tree, api, world, tiebreak):
    url = f"/api/v1/events/?cursor={tampered('2026-01-01T00:00:00+00:00', tiebreak)}"
    assert_problem(api("master_admin").get(url), 400, "invalid")


def test_a_genuine_cursor_still_pages(tree, api, world):
    client = api("master_admin")
    first = client.get("/api/v1/numbers/?ordering=-created_at&limit=3").json()
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3
    assert not {n["e164"] for n in first["results"]} & {n["e164"] for n in second["results"]}


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    "path", ["/api/v1/numbers/+12125550100/assign/", "/api/v1/numbers/bulk/", "/api/v1/targets/"]
)
@pytest.mark.parametrize("body", [DEEP, '{"a":' * 5000 + "1" + "}" * 5000, "[" * 40 + "]" * 40])
def test_a_body_nested_too_deep_is_400(tree, api, world, path, body):
    response = api("acme_admin").post(path, data=body, content_type="application/json")
    body = assert_problem(response, 400, "too_deep")
    assert "32 levels" in body["detail"]


def test_a_nul_in_import_defaults_is_400_naming_the_field(tree, api, world):
    response = api("master_admin").post(
        "/api/v1/imports/",
        {"numbers": ["+12125550150"], "defaults": {"service_info": "a\u0000b"}},
        format="json",
    )
    body = assert_problem(response, 400, "invalid")
    assert body["errors"] == [
        {
            "field": "defaults.service_info",
            "code": "null_characters_not_allowed",
            "message": "Null characters are not allowed.",
        }
    ]


def test_a_nul_in_import_defaults_sent_as_form_text_is_400(tree, api, world):
    response = api("master_admin").post(
        "/api/v1/imports/",
        {"numbers": "+12125550150", "defaults": '{"service_info": "a\\u0000b"}'},
        format="multipart",
    )
    body = assert_problem(response, 400)
    assert body["errors"][0]["field"] == "defaults.service_info"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/accounts/?q=%00",
        "/api/v1/targets/?q=%00",
        "/api/v1/numbers/?q=%00",
        "/api/v1/numbers/?tag=a%00b",
        "/api/v1/numbers/at/?e164=%2B12125550100&when=2026-01-01%00",
        "/api/v1/numbers/%2B1212555%000100/",
    ],
)
def test_a_nul_in_the_url_is_400(tree, api, world, url):
    body = assert_problem(api("master_admin").get(url), 400, "invalid")
    assert body["errors"][0]["code"] == "null_characters_not_allowed"


@pytest.mark.parametrize("url", PORTAL_SEARCHES)
def test_a_nul_in_a_portal_search_is_400(tree, client, url):
    client.force_login(tree.master_admin)
    response = client.get(url)
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_exports_answer_an_unknown_and_a_foreign_owner_alike(tree, api, world, fmt):
    """No server error, and no oracle: an account that does not exist and another
    tenant's account give the same empty file (as the number list gives the same empty
    page)."""
    client = api("master_admin")

    def export(owner) -> tuple[int, str, bytes]:
        response = client.get(f"/api/v1/numbers/export.{fmt}?owner={owner}&filename=x")
        return response.status_code, response["Content-Type"], response.getvalue()

    missing, zero, foreign = export(999999), export(0), export(tree.foreign.pk)
    assert missing[0] == zero[0] == foreign[0] == 200
    assert missing[1] == zero[1] == foreign[1]
    if fmt == "csv":
        assert missing[2] == zero[2] == foreign[2]
        assert missing[2].decode("utf-8-sig").count("\n") == 1  # the header alone
    own = export(tree.acme.pk)
    assert own[0] == 200 and len(own[2]) > len(missing[2])


def test_the_number_list_answers_an_unknown_and_a_foreign_owner_alike(tree, api, world):
    client = api("master_admin")
    answers = [
        client.get(f"/api/v1/numbers/?owner={owner}").json()
        for owner in (999999, 0, tree.foreign.pk, tree.initech.pk)
    ]
    assert all(answer == answers[0] for answer in answers)
    assert answers[0]["count"] == 0
