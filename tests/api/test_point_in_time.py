"""Point in time over the API for numbers that arrive by upload, lose their holder and
arrive again: every life of the number is on its timeline, for the platform and for the
tenant that held it then, and for nobody else."""

import time

import pytest
from django.utils import timezone

NUMBER = "+12127770104"


def upload(client, account) -> int:
    """Upload ``NUMBER`` into ``account`` through the API and commit it."""
    created = client.post(
        "/api/v1/imports/",
        {"numbers": [NUMBER], "account": account.pk, "defaults": {"voice": "false"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    run = created.json()
    assert run["valid"] == 1, run
    committed = client.post(f"/api/v1/imports/{run['id']}/commit/")
    assert committed.status_code == 200, committed.content
    assert committed.json()["state"] == "done"
    return run["id"]


def moment() -> str:
    """Now, and a little time for the next event to be strictly later."""
    now = timezone.now()
    time.sleep(0.01)
    return now.isoformat()


def at(client, when):
    return client.get("/api/v1/numbers/at/", {"e164": NUMBER, "when": when})


@pytest.fixture
def two_lives(tree, api):
    """The foreign reseller uploads the number and deletes it; Master uploads it again.

    Both arrive by upload, so neither life has a per-number event of its arrival.
    """
    before = moment()
    foreign, master = api("foreign_admin"), api("master_admin")
    upload(foreign, tree.foreign)
    foreign_life = moment()
    deleted = foreign.delete(f"/api/v1/numbers/{NUMBER}/")
    assert deleted.status_code == 204, deleted.content
    between = moment()
    upload(master, tree.master)
    master_life = moment()
    return {
        "before": before,
        "foreign_life": foreign_life,
        "between": between,
        "master_life": master_life,
    }


def test_the_platform_sees_every_life(tree, api, two_lives):
    platform = api("platform_admin")
    expected = {
        "before": None,
        "foreign_life": tree.foreign,
        "between": None,
        "master_life": tree.master,
    }
    for name, owner in expected.items():
        body = at(platform, two_lives[name]).json()
        if owner is None:
            assert body["existed"] is False, (name, body)
            assert body["owner"] is None
        else:
            assert body["existed"] is True, (name, body)
            assert body["owner"] == {"id": owner.pk, "name": owner.name}, name
            assert body["state"] == "available"
            assert body["assignments"] == {}
    now = at(platform, timezone.now().isoformat()).json()
    assert now["existed"] is True
    assert now["owner"]["id"] == tree.master.pk
    assert now["last_event"]["action"] == "import.committed"


def test_the_holder_of_each_life_sees_it_and_only_it(tree, api, two_lives):
    master, foreign = api("master_admin"), api("foreign_admin")
    now = at(master, timezone.now().isoformat())
    assert now.status_code == 200, now.content
    assert now.json()["owner"] == {"id": tree.master.pk, "name": tree.master.name}
    assert at(master, two_lives["master_life"]).json()["existed"] is True
    assert at(master, two_lives["foreign_life"]).status_code == 404

    earlier = at(foreign, two_lives["foreign_life"])
    assert earlier.status_code == 200, earlier.content
    assert earlier.json()["owner"] == {"id": tree.foreign.pk, "name": tree.foreign.name}
    assert at(foreign, two_lives["master_life"]).status_code == 404


def test_a_delegation_after_the_upload_moves_the_owner(tree, api, two_lives):
    master = api("master_admin")
    response = master.post(
        "/api/v1/numbers/bulk/",
        {"action": "delegate", "numbers": [NUMBER], "to_account": tree.globex.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    globex = api("globex_admin")
    body = at(globex, timezone.now().isoformat()).json()
    assert body["owner"] == {"id": tree.globex.pk, "name": tree.globex.name}
    # Before the delegation Globex held nothing: not disclosed to it.
    assert at(globex, two_lives["master_life"]).status_code == 404
    assert at(master, two_lives["master_life"]).json()["owner"]["id"] == tree.master.pk
