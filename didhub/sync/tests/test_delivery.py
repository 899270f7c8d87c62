"""Delivery to a webhook on loopback: signed, batched, coalesced, in order, retried."""

import time

import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from didhub.numbers import services as number_services
from didhub.numbers.choices import SyncState, TargetKind
from didhub.numbers.models import Number
from didhub.sync import delivery, services
from didhub.sync.choices import LinkStatus, OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink, SyncChange, SyncedNumber
from didhub.sync.tests.conftest import add_range, webhook_link

pytestmark = pytest.mark.django_db


def items(receiver):
    return [item for request in receiver.accepted() for item in request.json()["data"]["numbers"]]


def test_changes_arrive_signed_batched_and_confirmed(tree, receiver, settings):
    settings.DIDHUB_SYNC_BATCH = 2
    link, secret = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 5, voice=True, route="direct_routing")

    assert delivery.deliver_all() == 3
    requests = receiver.accepted()
    assert [len(r.json()["data"]["numbers"]) for r in requests] == [2, 2, 1]
    for request in requests:
        body = Webhook(secret).verify(request.body, request.headers)
        assert body["type"] == "numbers.changed"
        assert request.headers["webhook-id"].startswith("msg_")
        assert request.path == "/hook"
    first = items(receiver)[0]
    assert first["op"] == "add"
    assert first["number"]["capabilities"] == {"voice": True, "sms": False, "fax": False}
    assert first["number"]["route"] == "direct_routing"
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}
    assert SyncedNumber.objects.filter(link=link).count() == 5
    assert SyncChange.objects.count() == 0
    link.refresh_from_db()
    assert link.status == LinkStatus.READY
    assert link.last_success_at is not None


def test_changes_waiting_together_coalesce_into_the_latest_state(tree, receiver):
    webhook_link(tree, receiver.url)
    (number,) = add_range(tree, tree.acme, "+12125550100", 1, voice=True, route="direct_routing")
    # The upload waits as one row; the worker expands it into one change per number in
    # its place, before the assignment queued after it.
    target = number_services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind=TargetKind.PBX_USER, name="Ann"
    )
    number_services.number_assign(actor=tree.acme_admin, number=number, target=target)

    delivery.deliver_all()
    (item,) = items(receiver)
    assert item["changes"] == ["added", "assigned"]
    assert item["number"]["state"] == "assigned"
    assert item["number"]["assignments"] == [
        {
            "channel": "voice",
            "target_kind": "pbx_user",
            "target_name": "Ann",
            "target_external_id": "",
        }
    ]


def test_a_number_waits_while_its_previous_message_is_out(tree, receiver):
    link, _ = webhook_link(tree, receiver.url)
    (number,) = add_range(tree, tree.acme, "+12125550100", 1)
    first = delivery.pack(link.pk)
    number_services.number_update(actor=tree.master_admin, number=number, service_info="desk")
    # In order per number: nothing more for it until the first message is through.
    assert delivery.pack(link.pk) is None
    assert delivery.send(first)
    second = delivery.pack(link.pk)
    assert second is not None
    delivery.send(second)
    sequence = [(item["changes"], item["op"]) for item in items(receiver)]
    assert sequence == [(["added"], "add"), (["updated"], "update")]
    assert items(receiver)[0]["seq"] < items(receiver)[1]["seq"]


def test_removed_numbers_are_sent_as_removals(tree, receiver):
    link, _ = webhook_link(tree, receiver.url)
    numbers = add_range(tree, tree.acme, "+12125550100", 2)
    delivery.deliver_all()
    number_services.numbers_reclaim(actor=tree.sub_admin, numbers=numbers[:1])
    delivery.deliver_all()
    last = receiver.accepted()[-1].json()["data"]["numbers"]
    assert [(item["e164"], item["op"], item["number"]) for item in last] == [
        ("+12125550100", "remove", None)
    ]
    assert list(SyncedNumber.objects.filter(link=link).values_list("e164", flat=True)) == [
        "+12125550101"
    ]


def test_failures_back_off_then_deliver_with_the_same_webhook_id(tree, receiver, fast_retries):
    receiver.behaviour = lambda n, *a: (500 if n <= 2 else 200, {}, 0)
    webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 1)

    delivery.deliver_all()
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == (OutboxState.DELIVERED, 3)


def test_retry_after_is_honoured(tree, receiver, fast_retries):
    receiver.behaviour = lambda n, *a: (429, {"Retry-After": "30"}, 0) if n == 1 else (200, {}, 0)
    webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 1)
    before = time.time()

    assert delivery.deliver_all() == 1
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.PENDING
    assert message.last_status == 429
    assert message.next_attempt_at.timestamp() >= before + 29
    link = PlatformLink.objects.get()
    assert link.retry_at == message.next_attempt_at
    # Not before the platform said so.
    assert delivery.deliver_all() == 0
    # 30 seconds later (the clock moved: everything due is moved back).
    OutboxMessage.objects.update(next_attempt_at=message.created_at)
    PlatformLink.objects.update(retry_at=message.created_at)
    delivery.deliver_all()
    assert OutboxMessage.objects.get().state == OutboxState.DELIVERED


def test_backoff_grows_exponentially_with_jitter(settings):
    settings.DIDHUB_SYNC_BACKOFF_BASE = 2.0
    settings.DIDHUB_SYNC_BACKOFF_CAP = 60.0
    for attempt, full in ((1, 2), (2, 4), (3, 8), (10, 60)):
        delays = {delivery.backoff_seconds(attempt) for _ in range(20)}
        assert all(full / 2 <= delay <= full for delay in delays)
        assert len(delays) > 1


def test_a_message_dies_visibly_and_can_be_replayed(tree, receiver, fast_retries):
    receiver.behaviour = lambda n, *a: (503, {}, 0)
    link, _ = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 2)

    delivery.deliver_all()
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == (OutboxState.DEAD, 4)
    assert message.last_error.startswith("HTTP 503")
    link.refresh_from_db()
    assert link.status == LinkStatus.FAILED
    assert link.last_error.startswith("HTTP 503")
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.FAILED}
    assert Number.objects.first().sync_error.startswith("HTTP 503")

    receiver.behaviour = None
    services.message_replay(actor=tree.sub_admin, message=message)
    delivery.deliver_all()
    message.refresh_from_db()
    assert message.state == OutboxState.DELIVERED
    assert receiver.requests[-1].headers["webhook-id"] == message.message_id
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}
    assert PlatformLink.objects.get().status == LinkStatus.READY


def test_a_refused_message_dies_at_once(tree, receiver, fast_retries):
    receiver.behaviour = lambda n, *a: (422, {}, 0)
    webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts, message.last_status) == (OutboxState.DEAD, 1, 422)


def test_an_unreachable_platform_is_an_error_not_a_crash(tree, fast_retries):
    webhook_link(tree, "http://127.0.0.1:9")
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DEAD
    assert "Could not reach the platform" in message.last_error


def test_a_worker_killed_mid_request_sends_again_after_its_lease(tree, receiver, settings):
    settings.DIDHUB_SYNC_LEASE = 0.0
    link, _ = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 1)
    claimed = delivery.pack(link.pk)  # the worker dies here, before sending
    assert claimed.attempts == 1
    (again,) = delivery.claim_due()
    assert again.pk == claimed.pk and again.attempts == 2
    delivery.send(again)
    assert receiver.accepted()[0].headers["webhook-id"] == claimed.message_id


def test_a_sender_killed_before_writing_the_body_leaves_it_to_the_next(
    tree, receiver, settings, monkeypatch
):
    settings.DIDHUB_SYNC_LEASE = 0.0
    link, secret = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 2, voice=True, route="direct_routing")

    def killed(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(delivery, "build_body", killed)
    with pytest.raises(SystemExit):
        delivery.pack(link.pk)
    monkeypatch.undo()
    packed = OutboxMessage.objects.get()
    assert packed.body == "" and packed.changes.count() == 2

    assert delivery.deliver_all() == 1
    (request,) = receiver.accepted()
    assert request.headers["webhook-id"] == packed.message_id
    body = Webhook(secret).verify(request.body, request.headers)
    assert [item["e164"] for item in body["data"]["numbers"]] == ["+12125550100", "+12125550101"]
    packed.refresh_from_db()
    assert packed.state == OutboxState.DELIVERED and packed.body == request.body.decode()
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}


def test_resync_sends_only_the_difference_and_is_idempotent(tree, receiver):
    link, _ = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 3)
    delivery.deliver_all()
    # The platform lost one number and holds a stale copy of another.
    SyncedNumber.objects.filter(e164="+12125550100").delete()
    SyncedNumber.objects.filter(e164="+12125550101").update(digest="stale")
    SyncedNumber.objects.create(link=link, e164="+12125559999", digest="gone")

    assert services.link_resync(actor=tree.sub_admin, link=link)["queued"] == 3
    assert services.link_resync(actor=tree.sub_admin, link=link)["queued"] == 0
    delivery.deliver_all()
    last = receiver.accepted()[-1].json()["data"]["numbers"]
    assert sorted((i["e164"], i["op"]) for i in last) == [
        ("+12125550100", "add"),
        ("+12125550101", "update"),
        ("+12125559999", "remove"),
    ]
    assert services.link_resync(actor=tree.sub_admin, link=link)["queued"] == 0


def test_a_disabled_link_sends_nothing_more(tree, receiver):
    link, _ = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 2)
    services.link_disable(actor=tree.sub_admin, link=link)
    add_range(tree, tree.acme, "+12125550200", 1)
    assert delivery.deliver_all() == 0
    assert receiver.requests == []
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.NOT_LINKED}


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: SQLite has no row locks, one writer at a time",
)
@pytest.mark.django_db(transaction=True)
def test_a_sender_skips_a_link_another_sender_is_packing(tree, receiver):
    """Two senders never pack one link at once; the second one learns to look again soon."""
    import threading

    from django.db import connection, transaction

    link, _ = webhook_link(tree, receiver.url)
    add_range(tree, tree.acme, "+12125550100", 3, voice=True, route="direct_routing")
    holding, release = threading.Event(), threading.Event()

    def other_sender():
        try:
            with transaction.atomic():
                PlatformLink.objects.select_for_update().get(pk=link.pk)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(delivery.LinkBusy):
            delivery.pack(link.pk)
        assert delivery.deliver_pass() == (0, True)
    finally:
        release.set()
        thread.join()
    assert delivery.deliver_pass() == (1, False)
    assert len(items(receiver)) == 3
