"""Another tenant's number and a number that exists nowhere get the same answer,
word for word, from every route that names numbers: one at a time or in bulk."""

import pytest

FOREIGN = "+12125550190"  # Initech's, in the foreign tenant
NOWHERE = "+12125550199"  # in no inventory at all


def comparable(body: dict) -> dict:
    """A problem without what differs between any two requests."""
    return {key: value for key, value in body.items() if key not in ("request_id", "instance")}


def items_by_row(body: dict) -> dict[str, dict]:
    return {item["row"]: item for item in body["errors"]}


BULK = [
    ("master_admin", {"action": "delegate", "to_account": "globex"}),
    ("master_admin", {"action": "reclaim"}),
    ("master_admin", {"action": "update", "changes": {"service_info": "x"}}),
    ("master_admin", {"action": "delete"}),
    ("acme_admin", {"action": "assign", "target": "acme_user"}),
    ("acme_admin", {"action": "unassign"}),
    ("acme_admin", {"action": "release"}),
]


@pytest.mark.parametrize(("user", "request_body"), BULK, ids=[b["action"] for _, b in BULK])
def test_bulk_answers_a_foreign_and_a_missing_number_alike(tree, api, world, user, request_body):
    body = dict(request_body)
    if body.get("to_account") == "globex":
        body["to_account"] = tree.globex.pk
    if body.get("target") == "acme_user":
        body["target"] = world.acme_user.pk
    response = api(user).post(
        "/api/v1/numbers/bulk/", {**body, "numbers": [FOREIGN, NOWHERE]}, format="json"
    )
    assert response.status_code == 404, response.content
    items = items_by_row(response.json())
    assert items[FOREIGN] == {
        "row": FOREIGN,
        "code": "not_found",
        "message": f"{FOREIGN} is not in your inventory.",
    }
    assert items[NOWHERE] == {
        "row": NOWHERE,
        "code": "not_found",
        "message": f"{NOWHERE} is not in your inventory.",
    }


@pytest.mark.parametrize("number", [FOREIGN, NOWHERE])
def test_bulk_assign_per_item_answers_alike(tree, api, world, number):
    response = api("acme_admin").post(
        "/api/v1/numbers/bulk/",
        {
            "action": "assign",
            "numbers": [number],
            "target": world.acme_user.pk,
        },
        format="json",
    )
    body = response.json()
    assert response.status_code == 404
    assert body["detail"] == f"{number} is not in your inventory."


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "/", None),
        ("patch", "/", {"service_info": "x"}),
        ("delete", "/", None),
        ("get", "/history/", None),
        ("post", "/assign/", {"target": 1}),
        ("post", "/unassign/", {}),
        ("post", "/release/", None),
        ("post", "/reserve/", {"until": "2030-01-01T00:00:00Z"}),
    ],
)
def test_one_number_routes_answer_alike(tree, api, world, method, suffix, data):
    client = api("master_admin")

    def call(number):
        kwargs = {"format": "json"} if data is not None else {}
        response = getattr(client, method)(f"/api/v1/numbers/{number}{suffix}", data, **kwargs)
        return response.status_code, comparable(response.json())

    assert call(FOREIGN) == call(NOWHERE)
    assert call(FOREIGN)[0] == 404


def test_point_in_time_answers_alike(tree, api, world):
    client = api("master_admin")
    answers = [
        (response.status_code, comparable(response.json()))
        for response in (
            client.get("/api/v1/numbers/at/", {"e164": number, "when": "2030-01-01T00:00:00Z"})
            for number in (FOREIGN, NOWHERE)
        )
    ]
    assert answers[0] == answers[1]
    assert answers[0][0] == 404


def test_bulk_to_a_foreign_or_missing_account_answers_alike(tree, api, world):
    client = api("master_admin")
    answers = []
    for account in (tree.initech.pk, 999999):
        response = client.post(
            "/api/v1/numbers/bulk/",
            {"action": "delegate", "numbers": ["+12125550105"], "to_account": account},
            format="json",
        )
        body = comparable(response.json())
        answers.append((response.status_code, [item["code"] for item in body["errors"]]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
