"""Accounts with inventory, targets, carriers, profiles and the audit log."""

import pytest

from didhub.accounts.models import Account
from didhub.core.models import Event


def test_accounts_list_is_the_subtree(tree, api):
    body = api("master_admin").get("/api/v1/accounts/").json()
    assert [row["name"] for row in body["results"]] == [
        "Master Reseller",
        "Sub Reseller",
        "Acme Corp",
        "Globex",
    ] or {row["name"] for row in body["results"]} == {
        "Master Reseller",
        "Sub Reseller",
        "Acme Corp",
        "Globex",
    }
    assert body["count"] == 4


def test_account_create_update_delete(tree, api):
    client = api("master_admin")
    created = client.post(
        "/api/v1/accounts/",
        {"parent": tree.sub.pk, "name": "Hooli", "kind": "enterprise", "stations_purchased": 3},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["parent"] == tree.sub.pk
    updated = client.patch(f"/api/v1/accounts/{pk}/", {"allow_external_numbers": True})
    assert updated.status_code == 200 and updated.json()["allow_external_numbers"] is True
    assert client.delete(f"/api/v1/accounts/{pk}/").status_code == 204
    assert not Account.objects.filter(pk=pk).exists()
    assert Event.objects.filter(action="account.deleted", object_id=pk).exists()


def test_foreign_parent_is_refused_without_disclosure(tree, api):
    response = api("master_admin").post(
        "/api/v1/accounts/",
        {"parent": tree.foreign.pk, "name": "Sneaky", "kind": "enterprise"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parent"


def test_inventory(tree, api, world):
    body = api("acme_admin").get(f"/api/v1/accounts/{tree.acme.pk}/inventory/").json()
    assert body["stations"] == {"purchased": 10, "in_use": 1, "available": 9}
    assert body["numbers"]["all"]["owned"] == 5
    assert body["numbers"]["voice"]["assigned"] == 1
    assert api("acme_admin").get(f"/api/v1/accounts/{tree.master.pk}/inventory/").status_code == 404


def test_targets(tree, api, world):
    client = api("acme_admin")
    created = client.post(
        "/api/v1/targets/",
        {"enterprise": tree.acme.pk, "kind": "external_trunk", "name": "ET 1"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "voice"
    pk = created.json()["id"]
    listed = client.get("/api/v1/targets/", {"kind": "external_trunk"}).json()["results"]
    assert [row["name"] for row in listed] == ["ET 1"]
    renamed = client.patch(f"/api/v1/targets/{pk}/", {"name": "ET one"}, format="json")
    assert renamed.json()["name"] == "ET one"
    assert client.delete(f"/api/v1/targets/{pk}/").status_code == 204
    assert client.get(f"/api/v1/targets/{world.initech_user.pk}/").status_code == 404
    in_use = client.delete(f"/api/v1/targets/{world.acme_user.pk}/")
    assert in_use.status_code == 409


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/carriers/", {"name": "Lumen"}),
        ("/api/v1/sms-profiles/", {"carrier_name": "Sinch", "name": "Main"}),
        ("/api/v1/calling-profiles/", {"name": "EU", "sbc_device": "sbc-eu"}),
    ],
)
def test_catalogs(tree, api, world, path, body):
    client = api("master_admin")
    created = client.post(path, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["owner"] == tree.master.pk
    pk = created.json()["id"]
    assert client.patch(f"{path}{pk}/", {"name": "Renamed"}, format="json").status_code == 200
    names = [row["name"] for row in client.get(path).json()["results"]]
    assert "Renamed" in names
    # Enterprises below see and use their reseller's catalog, but do not manage it.
    assert api("acme_admin").get(f"{path}{pk}/").status_code == 200
    assert api("acme_admin").delete(f"{path}{pk}/").status_code in (403, 404)
    assert api("foreign_admin").get(f"{path}{pk}/").status_code == 404
    assert client.delete(f"{path}{pk}/").status_code == 204


def test_carrier_in_use_cannot_be_deleted(tree, api, world):
    response = api("master_admin").delete(f"/api/v1/carriers/{world.carrier.pk}/")
    assert response.status_code == 409


def test_events_filtered(tree, api, world):
    client = api("acme_admin")
    body = client.get("/api/v1/events/", {"number": "+12125550100"}).json()
    assert {row["number_e164"] for row in body["results"]} == {"+12125550100"}
    assigned = client.get("/api/v1/events/", {"action": "number.assigned"}).json()
    assert assigned["count"] == 1
    assert client.get("/api/v1/events/", {"after": "not a date"}).status_code == 400
    foreign = api("initech_admin").get("/api/v1/events/", {"number": "+12125550100"}).json()
    assert foreign["count"] == 0


@pytest.mark.parametrize(
    "path",
    ["/api/v1/accounts/", "/api/v1/targets/", "/api/v1/carriers/", "/api/v1/sms-profiles/",
     "/api/v1/calling-profiles/", "/api/v1/events/", "/api/v1/tokens/",
     "/api/v1/numbers/+12125550100/history/"],
)  # fmt: skip
def test_lists_have_bounded_queries(
    tree, api, memory_cache, world, path, django_assert_max_num_queries
):
    client = api("master_admin")
    with django_assert_max_num_queries(8):
        response = client.get(path, {"limit": 1000})
    assert response.status_code == 200
    assert response.json()["count"] >= 1
