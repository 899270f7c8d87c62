"""POST /api/v1/numbers/bulk/: by list or by filter, refusals as problem+json with their
count, and another tenant's numbers never disclosed."""

import pytest

from didhub.imports import adding
from didhub.numbers.models import Number
from didhub.numbers.services import bulk_checks

pytestmark = pytest.mark.django_db
URL = "/api/v1/numbers/bulk/"


@pytest.fixture
def numbers(tree):
    made = adding.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12125550100",
        end="+12125550119",
        voice=True,
        sms=True,
        route="direct_routing",
    )
    foreign = adding.number_add(
        actor=tree.foreign_admin,
        account=tree.foreign,
        e164="+12125550180",
        voice=True,
        route="direct_routing",
    )
    return made, foreign


def test_filter_selection_tags_every_matching_number(api, numbers):
    answer = api("master_admin").post(
        URL,
        {"action": "tags_add", "filter": {"e164__startswith": "+1212555"}, "tags": ["x"]},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"action": "tags_add", "count": 20}
    assert Number.objects.filter(tags=";x;").count() == 20  # the foreign one is not selected


def test_a_filter_name_the_list_does_not_know_is_refused_and_nothing_changes(api, numbers):
    """A typo must not turn "release my spare numbers" into "release every number"."""
    answer = api("master_admin").post(
        URL, {"action": "release", "filter": {"tagg": "spare"}}, format="json"
    )
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["errors"][0]["field"] == "filter"
    assert problem["errors"][0]["message"].startswith(
        "Unknown filter: tagg. The filters are those of the number list: activity, assigned,"
    )
    assert not Number.objects.filter(state="aging").exists()


def test_refusals_are_problem_json_listed_capped_and_counted(api, numbers, monkeypatch):
    monkeypatch.setattr(bulk_checks, "REFUSALS_LISTED", 5)
    answer = api("master_admin").post(
        URL, {"action": "port_complete", "filter": {"state": "available"}}, format="json"
    )
    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert (body["errors_total"], body["errors_capped"], len(body["errors"])) == (20, True, 5)
    assert body["errors"][0] == {
        "code": "not_porting",
        "message": "+12125550100 is available, not porting in.",
        "row": "+12125550100",
    }
    assert not Number.objects.filter(tags__contains="x").exists()


def test_a_listed_foreign_number_is_not_found_and_nothing_changes(api, numbers):
    made, foreign = numbers
    answer = api("master_admin").post(
        URL,
        {"action": "update", "numbers": [made[0].e164, foreign.e164], "changes": {"fax": True}},
        format="json",
    )
    assert answer.status_code == 404
    assert answer.json()["errors"] == [
        {
            "code": "not_found",
            "message": "+12125550180 is not in your inventory.",
            "row": "+12125550180",
        }
    ]
    assert not Number.objects.filter(fax=True).exists()
