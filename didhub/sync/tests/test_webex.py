"""Webex Calling against a fake Webex on loopback that answers as the public API does."""

import json

import pytest

from didhub.numbers import services as number_services
from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync import delivery, services
from didhub.sync.choices import Connector, LinkMode, OutboxState
from didhub.sync.models import OutboxMessage
from didhub.sync.tests.conftest import add_range

pytestmark = pytest.mark.django_db

TOKEN = "partner-token-NEVER-SHOWN"
ORG = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9hY21l"
LOCATION = "Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OL2RlbnZlcg"
PATH = f"/v1/telephony/config/locations/{LOCATION}/numbers?orgId={ORG}"


def webex(status_for):
    """Answers like Webex: 201 on add, 204 on remove, its error body otherwise."""

    def behaviour(n, method, path, body):
        status, headers, delay = status_for(n, method)
        if status is None:
            status = 201 if method == "POST" else 204
        return status, headers, delay

    return behaviour


@pytest.fixture
def webex_link(tree, receiver, settings, fast_retries):
    settings.DIDHUB_WEBEX_BASE_URL = receiver.url
    link, secret = services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBEX_CALLING,
        mode=LinkMode.INTEGRATED,
        organization_id=ORG,
        location_id=LOCATION,
        credentials=TOKEN,
    )
    assert secret == ""
    return link


def test_numbers_are_added_to_and_removed_from_the_location(tree, receiver, webex_link):
    receiver.behaviour = webex(lambda n, method: (None, {}, 0))
    numbers = add_range(tree, tree.acme, "+12125550100", 3)
    delivery.deliver_all()
    number_services.number_update(actor=tree.master_admin, number=numbers[0], service_info="x")
    number_services.numbers_reclaim(actor=tree.sub_admin, numbers=numbers[1:2])
    delivery.deliver_all()

    add, remove = receiver.requests
    assert (add.method, add.path) == ("POST", PATH)
    assert add.headers["authorization"] == f"Bearer {TOKEN}"
    assert add.json() == {
        "phoneNumbers": ["+12125550100", "+12125550101", "+12125550102"],
        "numberType": "DID",
        "state": "ACTIVE",
    }
    # An attribute change needs no request; the removal is a DELETE with the numbers.
    assert (remove.method, remove.path) == ("DELETE", PATH)
    assert remove.json() == {"phoneNumbers": ["+12125550101"]}
    states = dict(Number.objects.values_list("e164", "sync_state"))
    assert states == {
        "+12125550100": SyncState.READY,
        "+12125550101": SyncState.NOT_LINKED,
        "+12125550102": SyncState.READY,
    }


def test_unauthorized_token_is_retried_then_shown_as_failed(tree, receiver, webex_link):
    receiver.behaviour = webex(lambda n, method: (401, {}, 0))
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts, message.last_status) == (OutboxState.DEAD, 4, 401)
    number = Number.objects.get()
    assert number.sync_state == SyncState.FAILED
    assert number.sync_error.startswith("HTTP 401")
    assert TOKEN not in number.sync_error and TOKEN not in message.last_error

    # A new token, then a replay, fixes it.
    services.link_update(actor=tree.sub_admin, link=webex_link, credentials="fresh-token")
    receiver.behaviour = webex(lambda n, method: (None, {}, 0))
    services.message_replay(actor=tree.sub_admin, message=message)
    delivery.deliver_all()
    assert receiver.requests[-1].headers["authorization"] == "Bearer fresh-token"
    assert Number.objects.get().sync_state == SyncState.READY


def test_throttling_server_errors_and_timeouts_are_retried(tree, receiver, webex_link, settings):
    settings.DIDHUB_SYNC_TIMEOUT = 0.5
    settings.DIDHUB_SYNC_MAX_ATTEMPTS = 10
    answers = {1: (429, {"Retry-After": "0"}, 0), 2: (502, {}, 0), 3: (None, {}, 1.5)}
    receiver.behaviour = webex(lambda n, method: answers.get(n, (None, {}, 0)))
    add_range(tree, tree.acme, "+12125550100", 2)

    delivery.deliver_all()
    errors = [r.status for r in receiver.requests]
    assert errors[:2] == [429, 502]
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DELIVERED
    assert message.attempts == 4
    bodies = {json.dumps(r.json(), sort_keys=True) for r in receiver.requests}
    assert len(bodies) == 1
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}


def test_a_refused_request_is_dead_with_webex_message(tree, receiver, webex_link):
    receiver.behaviour = webex(lambda n, method: (400, {}, 0))
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DEAD
    # The status in words; never the text Webex answered.
    assert message.last_error == "HTTP 400 Bad Request"


def test_a_webex_link_needs_its_ids_and_token(tree):
    from didhub.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        services.link_create(
            actor=tree.sub_admin,
            enterprise=tree.acme,
            connector=Connector.WEBEX_CALLING,
            mode=LinkMode.INTEGRATED,
            organization_id=ORG,
        )
    assert caught.value.errors[0].field == "location_id"
