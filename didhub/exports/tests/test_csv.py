"""The CSV export through the API: content, filters, selection, names, errors."""

import pytest
from django.urls import reverse

from didhub.exports.columns import HEADERS
from didhub.exports.tests.conftest import (
    ACME_NUMBERS,
    FORMULA_GROUP,
    GLOBEX_NUMBER,
    INITECH_NUMBER,
    csv_rows,
)

URL = "/api/v1/numbers/export.csv"


def test_route_is_the_contracts():
    assert reverse("exports_api:numbers_export_csv") == URL


def test_csv_holds_every_column_of_the_visible_numbers(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="PhoneNumbers.csv"'
    assert response["Cache-Control"] == "private, no-store"
    rows = csv_rows(response)
    assert tuple(rows[0]) == HEADERS
    assert [row["Number"] for row in rows] == ACME_NUMBERS
    first = rows[0]
    assert first == {
        **first,
        "Number": "+12125550100",
        "Assigned To": f"Alice (Voice); {FORMULA_GROUP} (SMS)",
        "Capabilities": "Voice, SMS",
        "Services": "PBX, SMS",
        "Route": "Direct Routing",
        "Usage": "User",
        "CAC": "2",
        "Owner": "Acme Corp",
        "Uploaded By": "Sub Reseller",
        "External": "No",
        "Voice Carrier": "Lumen",
        "SMS Carrier Profile": "Bandwidth(BW for Testing) - (Master Reseller)",
        "Calling Profile": "SBC East",
        "State": "Assigned",
        "Reserved Until": "",
        "Aging Until": "",
        "Activity": "Pending",
        "Last Call": "",
        "Sync": "Not linked",
        "Country Code": "1",
        "Region": "US",
    }
    created = inventory.acme[0].created_at
    assert first["Created"] == created.strftime("%Y-%m-%d %H:%M:%S")
    assert rows[2]["Route"] == "External Trunk"
    assert rows[2]["Assigned To"] == ""
    assert rows[2]["State"] == "Available"


def test_csv_neutralizes_formulas_but_keeps_numbers(client, tree, inventory):
    client.force_login(tree.acme_admin)
    first, second, *_ = csv_rows(client.get(URL))

    assert first["Number"] == "+12125550100"
    assert first["SIP Connection"] == "'+1 (212) trunk"
    assert first["Service Info"] == "'@SUM(A1:A2)"
    assert first["Tags"] == "'-1+1;vip"
    assert second["Assigned To"] == "'" + FORMULA_GROUP
    assert second["Services"] == "SMS"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sms=true", ACME_NUMBERS[:2]),
        ("route=external_trunk", ACME_NUMBERS[2:]),
        ("search=unassigned", ACME_NUMBERS[2:]),
        ("search=assigned_pbx", ACME_NUMBERS[:1]),
        ("q=5550103", ACME_NUMBERS[3:4]),
        ("state=assigned", ACME_NUMBERS[:2]),
    ],
)
def test_csv_applies_the_list_filters(client, tree, inventory, query, expected):
    client.force_login(tree.acme_admin)
    rows = csv_rows(client.get(f"{URL}?{query}"))
    assert [row["Number"] for row in rows] == expected


def test_csv_of_the_selected_rows(client, tree, inventory):
    client.force_login(tree.acme_admin)
    # Unencoded, "+" arrives as a space; encoded it is "%2B": both select.
    rows = csv_rows(client.get(f"{URL}?numbers=+12125550103,%2B12125550100"))
    assert [row["Number"] for row in rows] == ["+12125550100", "+12125550103"]


def test_a_selection_never_reaches_a_foreign_number(client, tree, inventory):
    client.force_login(tree.acme_admin)
    rows = csv_rows(client.get(URL, {"numbers": f"{INITECH_NUMBER},{ACME_NUMBERS[4]}"}))
    assert [row["Number"] for row in rows] == [ACME_NUMBERS[4]]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("acme_admin", ACME_NUMBERS),
        ("acme_viewer", ACME_NUMBERS),
        ("sub_admin", ACME_NUMBERS),
        ("globex_admin", [GLOBEX_NUMBER]),
        ("master_admin", sorted([*ACME_NUMBERS, GLOBEX_NUMBER])),
        ("initech_admin", [INITECH_NUMBER]),
        ("foreign_admin", [INITECH_NUMBER]),
        ("platform_viewer", sorted([*ACME_NUMBERS, GLOBEX_NUMBER, INITECH_NUMBER])),
    ],
)
def test_each_user_exports_only_its_subtree(client, tree, inventory, user, expected):
    client.force_login(getattr(tree, user))
    rows = csv_rows(client.get(URL))
    assert [row["Number"] for row in rows] == expected


def test_a_foreign_owner_filter_yields_nothing(client, tree, inventory):
    client.force_login(tree.initech_admin)
    response = client.get(URL, {"owner": tree.acme.pk})
    assert response.status_code == 200
    assert csv_rows(response) == []


def test_token_authentication(client, tree, inventory, token_for):
    response = client.get(URL, HTTP_AUTHORIZATION=token_for(tree.globex_admin))
    assert response.status_code == 200
    assert [row["Number"] for row in csv_rows(response)] == [GLOBEX_NUMBER]


def test_anonymous_is_401_problem(client, inventory):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_bad_filter_is_400_problem(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL, {"state": "bogus"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "state"


def test_a_bad_selection_is_400_problem(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL, {"numbers": "+12125550100,call me"})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [
        {
            "code": "invalid_number",
            "message": "'call me' is not an E.164 number.",
            "field": "numbers",
            "row": "call me",
        }
    ]


def test_the_file_name_can_be_chosen_and_is_sanitized(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL, {"filename": "../Acme\r\nX-Evil: 1.csv"})
    assert response["Content-Disposition"] == 'attachment; filename="Acme_X-Evil_ 1.csv"'
    assert "X-Evil" not in response.headers


def test_accept_header_does_not_matter(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_an_empty_export_still_has_its_header(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL, {"state": "aging"})
    assert response.status_code == 200
    assert csv_rows(response) == []
