"""The numbers resource: addressing, list, filters, actions, bulk, history, point in time."""

import pytest

from didhub.core.models import Event
from didhub.numbers.models import Number


@pytest.mark.parametrize("path", ["+12125550100", "%2B12125550100", "12125550100"])
def test_a_number_is_addressed_with_or_without_plus(tree, api, world, path):
    response = api("acme_admin").get(f"/api/v1/numbers/{path}/")
    assert response.status_code == 200
    body = response.json()
    assert body["e164"] == "+12125550100"
    assert body["owner"] == {"id": tree.acme.pk, "name": "Acme Corp"}
    assert body["voice_carrier"] == {"id": world.carrier.pk, "name": "TeamMate"}
    assert body["assignments"][0]["target"]["name"] == "Ada Lovelace"
    assert body["services"] == ["PBX"]
    assert body["state"] == "assigned"


def test_a_foreign_number_is_404_like_a_missing_one(tree, api, world):
    client = api("acme_admin")
    foreign = client.get("/api/v1/numbers/+12125550190/")
    missing = client.get("/api/v1/numbers/+12125550199/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == missing.json()["detail"]


def test_list_shows_only_the_subtree(tree, api, world):
    body = api("acme_admin").get("/api/v1/numbers/").json()
    assert [row["e164"] for row in body["results"]] == [f"+121255501{n:02d}" for n in range(5)]
    assert body["count"] == 5 and body["count_is_estimate"] is False
    everything = api("platform_viewer").get("/api/v1/numbers/").json()
    assert everything["count"] == 12


def test_list_filters_and_predefined_searches(tree, api, world):
    client = api("master_admin")

    def e164s(**params):
        response = client.get("/api/v1/numbers/", params)
        assert response.status_code == 200, response.content
        return [row["e164"] for row in response.json()["results"]]

    assert e164s(search="used") == ["+12125550100"]
    assert e164s(search="assigned_pbx") == ["+12125550100"]
    assert len(e164s(search="available_voice")) == 9
    assert e164s(q="550103") == ["+12125550103"]
    assert e164s(q="Ada") == ["+12125550100"]
    assert e164s(owner=tree.acme.pk, assigned="false") == [
        f"+121255501{n:02d}" for n in range(1, 5)
    ]
    assert e164s(pattern="*0109") == ["+12125550109"]
    assert e164s(e164="12125550105") == ["+12125550105"]


def test_bad_filter_value_is_400_naming_the_filter(tree, api, world):
    response = api("master_admin").get("/api/v1/numbers/", {"voice": "maybe"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "voice"


def test_ordering_and_cursor_pages(tree, api, world):
    client = api("master_admin")
    first = client.get("/api/v1/numbers/", {"limit": 3, "ordering": "-e164"}).json()
    assert [r["e164"] for r in first["results"]] == ["+12125550109", "+12125550108", "+12125550107"]
    assert first["previous"] is None
    # A number inserted before the cursor does not shift the next page.
    Number.objects.filter(e164="+12125550108").update(service_info="touched")
    second = client.get(first["next"]).json()
    assert [r["e164"] for r in second["results"]] == [
        "+12125550106",
        "+12125550105",
        "+12125550104",
    ]
    back = client.get(second["previous"]).json()
    assert [r["e164"] for r in back["results"]] == [r["e164"] for r in first["results"]]


def test_ordering_by_a_non_unique_column_pages_without_repeats(tree, api, world):
    client = api("master_admin")
    seen = []
    url = "/api/v1/numbers/?limit=2&ordering=state,-owner"
    while url:
        body = client.get(url).json()
        seen += [row["e164"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [({"ordering": "secret"}, "ordering"), ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit"),
     ({"cursor": "garbage"}, "cursor")],
)  # fmt: skip
def test_bad_paging_is_400(tree, api, world, params, field):
    response = api("master_admin").get("/api/v1/numbers/", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_count_beyond_10000_is_an_estimate(tree, api, world, monkeypatch):
    from didhub.core.api import pagination

    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 3)
    body = api("master_admin").get("/api/v1/numbers/").json()
    assert body["count"] >= 4
    from django.db import connection

    assert body["count_is_estimate"] is (connection.vendor == "postgresql")


def test_list_queries_do_not_grow_with_the_page(
    tree, api, memory_cache, world, django_assert_max_num_queries
):
    client = api("master_admin")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/numbers/", {"limit": 1000})
    assert len(response.json()["results"]) == 10


def test_patch_changes_attributes_and_records_history(tree, api, world):
    response = api("master_admin").patch(
        "/api/v1/numbers/+12125550107/",
        {"sms": True, "sms_profile": world.sms_profile.pk, "tags": ["spare", "hq"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sms"] is True and body["tags"] == ["hq", "spare"]
    assert body["sms_profile"]["id"] == world.sms_profile.pk
    assert Event.objects.filter(action="number.updated", number_e164="+12125550107").exists()


def test_enterprise_cannot_patch(tree, api, world):
    response = api("acme_admin").patch("/api/v1/numbers/+12125550101/", {"fax": True})
    assert response.status_code == 403


def test_carrier_change_refused_while_assigned(tree, api, world):
    response = api("master_admin").patch(
        "/api/v1/numbers/+12125550100/", {"voice_carrier": None}, format="json"
    )
    assert response.status_code == 403
    assert "assigned" in response.json()["detail"]


def test_assign_unassign_reserve_release(tree, api, world):
    client = api("acme_admin")
    assigned = client.post(
        "/api/v1/numbers/12125550101/assign/", {"target": world.acme_user.pk}, format="json"
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignments"][0]["channel"] == "voice"
    again = client.post(
        "/api/v1/numbers/+12125550101/assign/", {"target": world.acme_user.pk}, format="json"
    )
    assert again.status_code == 409
    unassigned = client.post("/api/v1/numbers/+12125550101/unassign/", {}, format="json")
    assert unassigned.status_code == 200 and unassigned.json()["assignments"] == []
    reserved = client.post(
        "/api/v1/numbers/+12125550102/reserve/",
        {"until": "2099-01-01T00:00:00Z", "target": world.acme_user.pk},
        format="json",
    )
    assert reserved.status_code == 200, reserved.content
    assert reserved.json()["state"] == "reserved"
    released = client.post("/api/v1/numbers/+12125550103/release/", format="json")
    assert released.status_code == 200, released.content
    assert released.json()["state"] == "aging"
    assert client.get("/api/v1/numbers/+12125550103/").status_code == 404


def test_assign_to_a_target_that_does_not_fit_names_the_rule(tree, api, world):
    response = api("acme_admin").post(
        "/api/v1/numbers/+12125550101/assign/", {"target": world.acme_sms.pk}, format="json"
    )
    assert response.status_code == 400
    assert "SMS" in response.json()["detail"]


def test_assign_to_a_foreign_target_is_refused_without_disclosure(tree, api, world):
    response = api("acme_admin").post(
        "/api/v1/numbers/+12125550101/assign/", {"target": world.initech_user.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "target"


def test_delete_an_unused_number_you_uploaded(tree, api, world):
    client = api("master_admin")
    assert client.delete("/api/v1/numbers/+12125550109/").status_code == 204
    assert not Number.objects.filter(e164="+12125550109").exists()
    assert api("acme_admin").delete("/api/v1/numbers/+12125550101/").status_code == 403


def test_history_newest_first(tree, api, world):
    body = api("acme_admin").get("/api/v1/numbers/+12125550100/history/").json()
    assert [event["action"] for event in body["results"]] == [
        "number.assigned",
        "number.delegated",
    ]
    # The upload happened above Acme: only the reseller sees it.
    above = api("master_admin").get("/api/v1/numbers/+12125550100/history/").json()
    assert above["results"][-1]["action"] == "import.committed"


def test_point_in_time(tree, api, world):
    from django.utils import timezone

    response = api("acme_admin").get(
        "/api/v1/numbers/at/", {"e164": "+12125550100", "when": timezone.now().isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["owner"]["id"] == tree.acme.pk
    assert api("acme_admin").get("/api/v1/numbers/at/", {"e164": "x"}).status_code == 400


def test_bulk_delegate_by_list(tree, api, world):
    response = api("master_admin").post(
        "/api/v1/numbers/bulk/",
        {
            "action": "delegate",
            "numbers": ["+12125550105", "12125550106"],
            "to_account": tree.globex.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"action": "delegate", "count": 2}
    assert Number.objects.filter(owner=tree.globex).count() == 2


def test_bulk_is_all_or_nothing_with_every_failure_listed(tree, api, world):
    response = api("acme_admin").post(
        "/api/v1/numbers/bulk/",
        {"action": "release", "numbers": ["+12125550101", "+12125550190", "+12125550199"]},
        format="json",
    )
    assert response.status_code == 404
    rows = {item["row"] for item in response.json()["errors"]}
    assert rows == {"+12125550190", "+12125550199"}
    assert Number.objects.get(e164="+12125550101").state == "available"


def test_bulk_by_filter(tree, api, world):
    response = api("acme_admin").post(
        "/api/v1/numbers/bulk/",
        {"action": "release", "filter": {"search": "unassigned"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 4


def test_bulk_shape_errors(tree, api, world):
    client = api("master_admin")
    both = client.post(
        "/api/v1/numbers/bulk/",
        {"action": "delete", "numbers": ["+1"], "filter": {}},
        format="json",
    )
    assert both.status_code == 400
    missing = client.post(
        "/api/v1/numbers/bulk/", {"action": "delegate", "numbers": ["+12125550105"]}, format="json"
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "to_account"
