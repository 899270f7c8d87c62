"""A receiver that goes down and comes back, on a clock the test moves.

The worker's delivery loop (``deliver_pass``, what each sender runs) is driven from event
to event: the clock jumps to the next moment anything of the link is due, as time would
pass for a real worker, so that an hour of outage takes a second to test.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from didhub.numbers import services as number_services
from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync import delivery, services
from didhub.sync.choices import LinkStatus, OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink
from didhub.sync.tests.conftest import add_range, webhook_link

pytestmark = pytest.mark.django_db


class Clock:
    """``timezone.now`` under the test's control."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def next_due(self):
        """The next moment a message or the link's probe is due."""
        moments = [
            *PlatformLink.objects.exclude(retry_at=None).values_list("retry_at", flat=True),
            *OutboxMessage.objects.filter(state=OutboxState.PENDING).values_list(
                "next_attempt_at", flat=True
            ),
        ]
        later = [moment for moment in moments if moment > self.now]
        return min(later) if later else None


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


class Platform:
    """Down (connection refused... as 503) until ``up_at``, then answers everything."""

    def __init__(self, clock, up_at):
        self.clock, self.up_at = clock, up_at

    def __call__(self, n, method, path, body):
        return (503, {}, 0) if self.clock.now < self.up_at else (200, {}, 0)


def run_until(clock, until) -> None:
    """The delivery loop from event to event until ``until`` (or nothing is left to do)."""
    while clock.now <= until:
        while delivery.deliver_pass()[0]:
            pass
        due = clock.next_due()
        if due is None or due > until:
            return
        clock.now = due


def delivered_at(receiver) -> list:
    return [request for request in receiver.requests if request.status == 200]


@pytest.fixture
def defaults(settings):
    """The shipped delivery settings (settings.py, docs/sync.md), small messages."""
    settings.DIDHUB_SYNC_BATCH = 5
    return settings


def test_a_receiver_back_after_7_5_minutes_gets_its_backlog_at_the_next_probe(
    tree, receiver, clock, defaults
):
    start = clock.now
    platform = Platform(clock, up_at=start + timedelta(minutes=7.5))
    receiver.behaviour = platform
    webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 50)  # ten messages of five numbers

    run_until(clock, start + timedelta(minutes=30))

    failed = [r for r in receiver.requests if r.status == 503]
    # While down, one message probed the link, backing off: no storm of ten messages.
    assert len({r.headers["webhook-id"] for r in failed}) == 1
    assert len(failed) <= 12
    ok = delivered_at(receiver)
    assert len(ok) == 10
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}
    # Caught up at the first probe after the receiver came back (at most the cap of the
    # link's back-off, 300 s), and every message then within the same moment.
    first_ok = min(r.at for r in ok)
    last_ok = max(r.at for r in ok)
    assert last_ok - first_ok < 5  # wall-clock seconds: all in one go
    recovered = OutboxMessage.objects.filter(state=OutboxState.DELIVERED)
    caught_up = max(recovered.values_list("delivered_at", flat=True))
    assert caught_up - platform.up_at <= timedelta(seconds=300)
    link = PlatformLink.objects.get()
    assert (link.status, link.failures, link.retry_at) == (LinkStatus.READY, 0, None)


def test_an_hour_of_outage_kills_no_message(tree, receiver, clock, defaults):
    start = clock.now
    platform = Platform(clock, up_at=start + timedelta(hours=1))
    receiver.behaviour = platform
    webhook_link(tree, receiver.url)
    numbers = add_range(tree, tree.acme, "+12125550100", 20)
    # Changes keep coming during the outage, every ten minutes.
    for index, number in enumerate(numbers[:5]):
        run_until(clock, start + timedelta(minutes=10 * (index + 1)))
        clock.now = start + timedelta(minutes=10 * (index + 1))
        number_services.number_update(actor=tree.master_admin, number=number, service_info="x")
    run_until(clock, start + timedelta(hours=2))

    assert not OutboxMessage.objects.filter(state=OutboxState.DEAD).exists()
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}
    # An hour of probing is a few dozen requests, not one per message and attempt.
    assert len([r for r in receiver.requests if r.status == 503]) <= 40


def test_a_failed_number_stays_failed_when_it_changes_again(tree, receiver, fast_retries):
    receiver.behaviour = lambda *a: (500, {}, 0)
    webhook_link(tree, receiver.url)
    numbers = add_range(tree, tree.acme, "+12125550100", 2)
    delivery.deliver_all()
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.FAILED}
    client = APIClient()
    client.force_authenticate(tree.master_admin)
    failed = "/api/v1/numbers/?sync_state=failed"
    assert client.get(failed).json()["count"] == 2

    # A new change of a number that the dead message holds delivers nothing.
    number_services.number_update(actor=tree.master_admin, number=numbers[0], service_info="x")
    assert client.get(failed).json()["count"] == 2
    number = Number.objects.get(pk=numbers[0].pk)
    assert (number.sync_state, number.sync_error) == (
        SyncState.FAILED,
        "HTTP 500 Internal Server Error",
    )
    portal = client_portal(tree.acme_admin)
    assert b'data-testid="failed-syncs"' in (dashboard := portal.get("/")).content
    assert dashboard.context["failed_syncs"] == 2

    # Delivered at last (the receiver is back, the dead message is replayed): ready.
    receiver.behaviour = None
    link = PlatformLink.objects.get()
    assert client.post(f"/api/v1/platform-links/{link.pk}/replay/").status_code == 202
    delivery.deliver_all()
    assert client.get(failed).json()["count"] == 0
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}


def client_portal(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_replay_sends_every_dead_message_of_the_link_at_once(tree, receiver, fast_retries):
    fast_retries.DIDHUB_SYNC_BATCH = 2
    receiver.behaviour = lambda *a: (400, {}, 0)  # refused: dead at once
    link, _ = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 6)
    delivery.deliver_all()
    assert OutboxMessage.objects.filter(state=OutboxState.DEAD).count() == 3

    receiver.behaviour = None
    portal = client_portal(tree.acme_admin)
    page = portal.get(f"/links/{link.pk}/")
    assert b"Replay 3 dead messages" in page.content
    answer = portal.post(f"/links/{link.pk}/replay/", follow=True)
    assert "3 dead messages are queued again." in answer.content.decode()
    delivery.deliver_all()
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.DELIVERED}
    # Each with its own body and webhook-id, as first sent.
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(set(ids)) == 3 and len(ids) == 6

    api = APIClient()
    api.force_authenticate(tree.sub_admin)
    nothing = api.post(f"/api/v1/platform-links/{link.pk}/replay/")
    assert nothing.status_code == 409
    assert nothing.json()["code"] == "nothing_dead"


def test_a_renamed_target_does_not_hide_a_failed_sync_either(tree, receiver, fast_retries):
    from didhub.sync.tests.test_shown_names import assigned

    receiver.behaviour = lambda *a: (400, {}, 0)
    webhook_link(tree, receiver.url)
    target, numbers = assigned(tree, tree.acme, tree.acme_admin, "+12125550100", 2, "Ann")
    delivery.deliver_all()
    # A second target's number, delivered: renaming its target makes it pending.
    receiver.behaviour = None
    other, (fine,) = assigned(tree, tree.acme, tree.acme_admin, "+12125550200", 1, "Bob")
    delivery.deliver_all()

    number_services.target_update(actor=tree.acme_admin, target=target, name="Ann Smith")
    number_services.target_update(actor=tree.acme_admin, target=other, name="Bob Jones")
    states = dict(Number.objects.values_list("e164", "sync_state"))
    assert {states[n.e164] for n in numbers} == {SyncState.FAILED}
    assert states[fine.e164] == SyncState.PENDING


def test_new_credentials_probe_a_down_link_at_once(tree, receiver, clock, defaults):
    receiver.behaviour = lambda *a: (401, {}, 0)
    link, _ = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 1)
    # Ten minutes of refused credentials: the link waits minutes between probes.
    run_until(clock, clock.now + timedelta(minutes=10))
    link.refresh_from_db()
    assert link.failures > 5 and link.retry_at > clock.now
    receiver.behaviour = None
    api = APIClient()
    api.force_authenticate(tree.sub_admin)
    fresh = services.webhook_secret_generate()
    answer = api.patch(f"/api/v1/platform-links/{link.pk}/", {"credentials": fresh}, format="json")
    assert answer.status_code == 200
    delivery.deliver_pass()  # no time passes
    assert OutboxMessage.objects.get().state == OutboxState.DELIVERED
    assert Number.objects.get().sync_state == SyncState.READY
