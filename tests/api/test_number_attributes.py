"""Number attributes over the API: one set of rules for uploads and for changes.

The rules live in ``didhub.numbers.attributes``; these tests meet them the way a client
does: an upload file, a range, a PATCH of a number, a block.
"""

import io

import pytest

from didhub.core.errors import ValidationFailed
from didhub.numbers import services as number_services
from didhub.numbers.models import Number
from didhub.sync import services as sync_services
from didhub.sync.choices import Connector, LinkMode

IMPORTS = "/api/v1/imports/"


def upload_file(client, text: str, **fields):
    stream = io.BytesIO(text.encode())
    stream.name = "numbers.csv"
    response = client.post(IMPORTS, {"file": stream, **fields}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_16_digit_number_libphonenumber_accepts_is_refused_for_its_own_reason(tree, api):
    body = upload_file(
        api("master_admin"),
        "Phone Number,Voice\n+4980012834567890,no\n+4930901820,no\n+12125550100123456,no\n",
        account=tree.master.pk,
    )
    assert (body["valid"], body["invalid"]) == (1, 2)
    errors = {error["value"]: error for error in body["errors"]}
    german = errors["+4980012834567890"]
    assert (german["line"], german["column"], german["code"]) == (
        2,
        "Phone Number",
        "over_15_digits",
    )
    assert "libphonenumber accepts it" in german["message"]
    assert "at most 15 digits" in german["message"]
    # Longer digit strings that are no number at all keep the plain reason.
    assert errors["+12125550100123456"]["code"] == "too_long"


def test_the_max_range_setting_limits_range_uploads(tree, api, settings):
    settings.DIDHUB_MAX_RANGE = 10
    client = api("master_admin")
    refused = client.post(
        IMPORTS,
        {"range": {"start": "+12125550100", "end": "+12125550110"}, "account": tree.master.pk},
        format="json",
    )
    assert refused.status_code == 201, refused.content
    body = refused.json()
    assert (body["valid"], body["invalid"]) == (0, 1)
    assert body["errors"][0]["code"] == "bad_range"
    assert body["errors"][0]["message"] == "The range holds 11 numbers; at most 10."
    taken = client.post(
        IMPORTS,
        {"range": {"start": "+12125550100", "end": "+12125550109"}, "account": tree.master.pk},
        format="json",
    )
    assert taken.json()["valid"] == 10


def test_the_max_range_setting_limits_blocks(tree, settings):
    # Blocks have no API resource; the portal's block page calls this service.
    settings.DIDHUB_MAX_RANGE = 10
    with pytest.raises(ValidationFailed) as refused:
        number_services.block_create(
            actor=tree.master_admin, owner=tree.master, start="+12125550100", end="+12125550110"
        )
    assert refused.value.errors[0].field == "end"
    assert refused.value.errors[0].message == "The range holds 11 numbers; at most 10."


@pytest.mark.parametrize(
    ("mode", "state"),
    [
        (None, "not_linked"),
        (LinkMode.NON_INTEGRATED, "pending_consent"),
        (LinkMode.INTEGRATED, "pending"),
    ],
)
def test_uploaded_numbers_start_in_the_sync_state_of_their_enterprises_link(tree, api, mode, state):
    if mode is not None:
        sync_services.link_create(
            actor=tree.master_admin,
            enterprise=tree.acme,
            connector=Connector.WEBHOOK,
            mode=mode,
            endpoint="http://127.0.0.1:9/didhub",
        )
    client = api("master_admin")
    created = upload_file(client, "Phone Number\n+12125550150\n", account=tree.acme.pk)
    committed = client.post(f"{IMPORTS}{created['id']}/commit/")
    assert committed.status_code == 200, committed.content
    assert Number.objects.get(e164="+12125550150").sync_state == state


def test_a_change_breaking_an_attribute_rule_is_a_400_naming_field_and_rule(tree, api, world):
    client = api("master_admin")
    too_many_tags = [f"{index:03d}-" + "x" * 60 for index in range(10)]
    response = client.patch("/api/v1/numbers/+12125550107/", {"tags": too_many_tags}, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert "At most 500 characters" in str(response.json())
    route = client.patch(
        "/api/v1/numbers/+12125550107/", {"route": "", "voice": True}, format="json"
    )
    assert route.status_code == 400
    assert "voice_without_route" in str(route.json())
    assert Number.objects.get(e164="+12125550107").tags == ""
