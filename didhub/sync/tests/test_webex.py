"""Webex Calling against a fake Webex on loopback that answers as the public API does."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient

from didhub.numbers import services as number_services
from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync import delivery, services
from didhub.sync.choices import Connector, LinkMode, OutboxState
from didhub.sync.models import OutboxMessage, SyncedNumber
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


class FakeWebex:
    """A Webex Calling organization that keeps its numbers and refuses as Webex does.

    An add or a remove is taken or refused whole: 409 when a number is already in use
    (in any location), 404 when a number to remove is not in the location; the error
    names the numbers. ``lose_answer`` makes the next add succeed but answer 502 (its
    answer lost on the way), as a flaky network does. ``GET`` lists a location's
    numbers in pages of ``max``.
    """

    def __init__(self):
        self.locations: dict[str, set[str]] = {LOCATION: set(), "OTHER-LOCATION": set()}
        self.lose_answer = False
        self.listing_down = False

    def error(self, status, message, numbers):
        body = {
            "message": message,
            "errors": [{"errorCode": 9700, "description": f"{message}: {n}"} for n in numbers],
            "trackingId": "ROUTER_FAKE",
        }
        return status, {}, 0, json.dumps(body).encode()

    def __call__(self, n, method, path, body):
        url = urlsplit(path)
        query = parse_qs(url.query)
        if method == "GET":
            if self.listing_down:
                return 503, {}, 0
            held = sorted(self.locations.get(query["locationId"][0], set()))
            start, size = int(query["start"][0]), int(query["max"][0])
            page = [
                {"phoneNumber": e164, "state": "ACTIVE", "location": {"id": LOCATION}}
                for e164 in held[start : start + size]
            ]
            return 200, {}, 0, json.dumps({"phoneNumbers": page}).encode()
        location = url.path.split("/")[-2]
        numbers = json.loads(body)["phoneNumbers"]
        held = self.locations[location]
        if method == "POST":
            in_use = [e for e in numbers if any(e in nums for nums in self.locations.values())]
            if in_use:
                return self.error(409, "Phone number is already in use", in_use)
            held.update(numbers)
            if self.lose_answer:
                self.lose_answer = False
                return 502, {}, 0
            return 201, {}, 0
        missing = [e for e in numbers if e not in held]
        if missing:
            return self.error(404, "Phone number not found in the location", missing)
        held.difference_update(numbers)
        return 204, {}, 0


@pytest.fixture
def fake_webex(receiver):
    fake = FakeWebex()
    receiver.behaviour = fake
    return fake


def states():
    return dict(Number.objects.values_list("e164", "sync_state"))


def confirmed(link):
    return set(SyncedNumber.objects.filter(link=link).values_list("e164", flat=True))


def test_a_409_for_one_number_confirms_only_what_the_location_holds(
    tree, receiver, webex_link, fake_webex
):
    # The customer put one of the numbers into the location by hand; another one is in
    # a different location of the organization.
    fake_webex.locations[LOCATION].add("+12125550101")
    fake_webex.locations["OTHER-LOCATION"].add("+12125550103")
    add_range(tree, tree.acme, "+12125550100", 4)
    delivery.deliver_all()

    assert fake_webex.locations[LOCATION] == {"+12125550100", "+12125550101", "+12125550102"}
    # Confirmed: exactly what the location holds; the number held elsewhere is not.
    assert confirmed(webex_link) == fake_webex.locations[LOCATION]
    assert states() == {
        "+12125550100": SyncState.READY,
        "+12125550101": SyncState.READY,
        "+12125550102": SyncState.READY,
        "+12125550103": SyncState.FAILED,
    }
    failed = Number.objects.get(e164="+12125550103")
    assert failed.sync_error.startswith("HTTP 409 Conflict")
    # A retry without the numbers the location holds, then without the one in use.
    posts = [r.json()["phoneNumbers"] for r in receiver.requests if r.method == "POST"]
    assert posts[-1] == ["+12125550100", "+12125550102"]


def test_a_lost_answer_then_409_is_verified_not_assumed(tree, receiver, webex_link, fake_webex):
    fake_webex.lose_answer = True
    add_range(tree, tree.acme, "+12125550100", 2)
    delivery.deliver_all()
    assert [r.status for r in receiver.requests if r.method == "POST"] == [502, 409]
    assert confirmed(webex_link) == {"+12125550100", "+12125550101"}
    assert set(states().values()) == {SyncState.READY}


def test_a_404_on_remove_removes_what_the_location_still_holds(
    tree, receiver, webex_link, fake_webex
):
    numbers = add_range(tree, tree.acme, "+12125550100", 3)
    delivery.deliver_all()
    # Someone removed one number in Control Hub; didhub then reclaims two.
    fake_webex.locations[LOCATION].discard("+12125550100")
    number_services.numbers_reclaim(actor=tree.sub_admin, numbers=numbers[:2])
    delivery.deliver_all()

    deletes = [r for r in receiver.requests if r.method == "DELETE"]
    assert [r.status for r in deletes] == [404, 204]
    assert deletes[-1].json() == {"phoneNumbers": ["+12125550101"]}
    assert fake_webex.locations[LOCATION] == {"+12125550102"}
    assert confirmed(webex_link) == {"+12125550102"}


def test_a_409_is_not_confirmed_when_the_location_cannot_be_read(
    tree, receiver, webex_link, fake_webex
):
    fake_webex.locations["OTHER-LOCATION"].add("+12125550100")
    fake_webex.listing_down = True
    add_range(tree, tree.acme, "+12125550100", 2)
    delivery.deliver_pass()
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.PENDING
    assert "could not be read" in message.last_error
    assert confirmed(webex_link) == set()
    assert SyncState.READY not in states().values()


def test_resync_compares_with_what_the_location_holds(tree, receiver, webex_link, fake_webex):
    client = APIClient()
    client.force_authenticate(tree.sub_admin)
    numbers = add_range(tree, tree.acme, "+12125550100", 3)
    gone = add_range(tree, tree.sub, "+12125550200", 1)
    delivery.deliver_all()
    # Out of band: a number lost in Webex, and one didhub knows (held by the reseller,
    # not the enterprise) added there by hand; a number didhub never knew stays.
    fake_webex.locations[LOCATION].discard("+12125550101")
    fake_webex.locations[LOCATION].update({gone[0].e164, "+4930123456"})
    assert confirmed(webex_link) == {n.e164 for n in numbers}

    answer = client.post(f"/api/v1/platform-links/{webex_link.pk}/resync/")
    assert answer.status_code == 202
    assert answer.json() == {"queued": 2, "superseded_messages": 0, "compared_with": "platform"}
    delivery.deliver_all()
    assert fake_webex.locations[LOCATION] == {n.e164 for n in numbers} | {"+4930123456"}
    assert confirmed(webex_link) == {n.e164 for n in numbers}
    again = client.post(f"/api/v1/platform-links/{webex_link.pk}/resync/").json()
    assert again["queued"] == 0
