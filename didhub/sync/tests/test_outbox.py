"""The outbox hears of every change of a linked enterprise's numbers, in the change's
own transaction, and of nothing else."""

import pytest
from django.db import transaction

from didhub.core import audit
from didhub.core.models import Event
from didhub.imports import adding
from didhub.numbers import services as number_services
from didhub.numbers.choices import SyncState, TargetKind
from didhub.numbers.models import Number
from didhub.sync import services
from didhub.sync.choices import LinkMode, LinkStatus
from didhub.sync.delivery import items_of, pack
from didhub.sync.models import SyncChange
from didhub.sync.outbox import expand_imports, initial_sync_state
from didhub.sync.selectors import link_list
from didhub.sync.tests.conftest import add_range, webhook_link

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9"


def changes_of(link):
    return list(SyncChange.objects.filter(link=link).order_by("id").values_list("e164", "action"))


def test_numbers_of_unlinked_enterprises_queue_nothing(tree):
    add_range(tree, tree.acme, "+12125550100", 3)
    assert SyncChange.objects.count() == 0
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.NOT_LINKED}


def test_an_integrated_link_queues_every_number_at_once(tree):
    add_range(tree, tree.acme, "+12125550100", 3)
    add_range(tree, tree.globex, "+12125550200", 2)
    link, _ = webhook_link(tree, URL)
    assert link.status == LinkStatus.SYNCING
    assert changes_of(link) == [(f"+1212555010{i}", "linked") for i in range(3)]
    states = dict(Number.objects.values_list("e164", "sync_state"))
    assert states["+12125550100"] == SyncState.PENDING
    assert states["+12125550200"] == SyncState.NOT_LINKED


def test_each_kind_of_change_reaches_the_outbox(tree):
    link, _ = webhook_link(tree, URL)
    (number,) = add_range(tree, tree.acme, "+12125550100", 1, voice=True, route="direct_routing")
    target = number_services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind=TargetKind.PBX_USER, name="Ann"
    )
    number_services.number_assign(actor=tree.acme_admin, number=number, target=target)
    number_services.number_unassign(actor=tree.acme_admin, number=number)
    number_services.number_update(actor=tree.master_admin, number=number, service_info="desk")
    number_services.number_release(actor=tree.acme_admin, number=number)
    assert [action for _, action in changes_of(link)] == [
        "added",
        "assigned",
        "unassigned",
        "updated",
        "released",
    ]
    number.refresh_from_db()
    # Released to the reseller: no longer the linked enterprise's.
    assert number.sync_state == SyncState.NOT_LINKED


def test_delegation_in_and_reclaim_reach_the_outbox(tree):
    link, _ = webhook_link(tree, URL)
    numbers = add_range(tree, tree.sub, "+12125550100", 2)
    number_services.numbers_delegate(actor=tree.sub_admin, numbers=numbers, to_account=tree.acme)
    number_services.numbers_reclaim(actor=tree.sub_admin, numbers=numbers[:1])
    assert changes_of(link) == [
        ("+12125550100", "delegated"),
        ("+12125550101", "delegated"),
        ("+12125550100", "reclaimed"),
    ]
    states = dict(Number.objects.values_list("e164", "sync_state"))
    assert states == {"+12125550100": SyncState.NOT_LINKED, "+12125550101": SyncState.PENDING}


def test_a_deleted_number_is_queued_as_gone(tree):
    link, _ = webhook_link(tree, URL, enterprise=tree.globex)
    # Globex uploads its own numbers, so it may delete them (only the uploader deletes).
    number = adding.number_add(actor=tree.globex_admin, account=tree.globex, e164="+12125550100")
    expand_imports(link)  # the upload's one row, as the worker expands it before packing
    number_services.number_delete(actor=tree.globex_admin, number=number)
    assert changes_of(link) == [("+12125550100", "added"), ("+12125550100", "deleted")]


def test_a_rolled_back_change_leaves_no_sync_work(tree):
    link, _ = webhook_link(tree, URL)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        add_range(tree, tree.acme, "+12125550100", 5)
        # One row for the upload, standing for its five numbers.
        assert SyncChange.objects.get(link=link).size == 5
        raise Abort
    assert SyncChange.objects.filter(link=link).count() == 0


def test_a_non_integrated_link_waits_for_consent(tree):
    add_range(tree, tree.acme, "+12125550100", 2)
    link, _ = webhook_link(tree, URL, mode=LinkMode.NON_INTEGRATED)
    add_range(tree, tree.acme, "+12125550200", 1)
    assert link.status == LinkStatus.PENDING_CONSENT
    assert SyncChange.objects.count() == 0
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.PENDING_CONSENT}
    assert initial_sync_state(tree.acme.pk) == SyncState.PENDING_CONSENT

    services.link_consent(actor=tree.acme_admin, link=link)
    assert sorted(e for e, _ in changes_of(link)) == [
        "+12125550100",
        "+12125550101",
        "+12125550200",
    ]
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.PENDING}
    event = Event.objects.get(action="platform_link.consented")
    assert event.after["consented_by"] == "admin@acme.test"


def imported(tree, count: int):
    """``count`` numbers of Acme created by one import, the way the upload engine
    writes them (sync state set), and the import; its sync work is not queued yet."""
    from didhub.imports.models import Import

    upload = Import.objects.create(account=tree.acme, uploaded_by=tree.master)
    Number.objects.bulk_create(
        Number(
            e164=f"+1212555{i:04d}",
            country_code=1,
            owner=tree.acme,
            uploaded_by=tree.master,
            source_import=upload,
            sync_state=initial_sync_state(tree.acme.pk),
        )
        for i in range(count)
    )
    return upload


def test_an_import_is_queued_as_one_row_and_expanded_before_packing(
    tree, django_assert_max_num_queries
):
    link, _ = webhook_link(tree, URL)
    upload = imported(tree, 500)
    with django_assert_max_num_queries(5):
        audit.numbers_changed(action="added", import_id=upload.pk)
    queued = SyncChange.objects.get(link=link)
    assert (queued.import_id, queued.e164, queued.size, queued.action) == (
        upload.pk,
        "",
        500,
        "added",
    )
    assert link_list(user=tree.master_admin).get(pk=link.pk).queued_changes == 500

    # Before packing, the worker turns it into one change per number still held.
    Number.objects.filter(e164="+12125550007").delete()
    with django_assert_max_num_queries(6):
        assert expand_imports(link) == 499
    assert not SyncChange.objects.filter(import_id__isnull=False).exists()
    expanded = list(SyncChange.objects.filter(link=link).values_list("e164", "action", "size"))
    assert expanded == [(f"+1212555{i:04d}", "added", 1) for i in range(500) if i != 7]
    assert expand_imports(link) == 0


def test_numbers_of_an_upload_keep_their_place_before_the_changes_that_followed(tree):
    """The worker expands an upload's row where it stands in the queue: a number's
    ``added`` goes out before the change made to it the minute after, and a second
    upload's numbers after the changes queued before it."""
    link, _ = webhook_link(tree, URL)
    first, second = add_range(tree, tree.acme, "+12125550100", 2)
    number_services.number_update(actor=tree.master_admin, number=first, service_info="desk")
    (third,) = add_range(tree, tree.acme, "+12125550200", 1)
    number_services.number_update(actor=tree.master_admin, number=third, service_info="lobby")
    number_services.number_update(actor=tree.master_admin, number=second, service_info="hall")

    assert expand_imports(link) == 3

    assert changes_of(link) == [
        (first.e164, "added"),
        (second.e164, "added"),
        (first.e164, "updated"),
        (third.e164, "added"),
        (third.e164, "updated"),
        (second.e164, "updated"),
    ]
    assert expand_imports(link) == 0
    assert changes_of(link)[0] == (first.e164, "added")


def test_packing_sends_the_numbers_of_a_queued_import(tree):
    link, _ = webhook_link(tree, URL)
    audit.numbers_changed(action="added", import_id=imported(tree, 3).pk)
    message = pack(link.pk)
    assert [item["e164"] for item in items_of(message)] == [
        "+12125550000",
        "+12125550001",
        "+12125550002",
    ]
    assert [item["changes"] for item in items_of(message)] == [["added"]] * 3


@pytest.mark.django_db
def test_housekeeping_prunes_old_delivered_messages_and_keeps_work(tree, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from didhub.sync.choices import Connector, LinkMode, OutboxState
    from didhub.sync.models import OutboxMessage, PlatformLink

    settings.DIDHUB_SYNC_RETENTION_DAYS = 30
    link = PlatformLink.objects.create(
        enterprise=tree.acme, connector=Connector.WEBHOOK, mode=LinkMode.INTEGRATED
    )
    old = timezone.now() - timedelta(days=31)
    for number, (state, created) in enumerate(
        [
            (OutboxState.DELIVERED, old),
            (OutboxState.SUPERSEDED, old),
            (OutboxState.DEAD, old),
            (OutboxState.PENDING, old),
            (OutboxState.DELIVERED, timezone.now()),
        ]
    ):
        OutboxMessage.objects.create(
            link=link, message_id=f"m{number}", body="{}", state=state, created_at=created
        )
    call_command("housekeeping", only=["sync.prune"])
    left = sorted(OutboxMessage.objects.values_list("state", flat=True))
    assert left == sorted([OutboxState.DEAD, OutboxState.PENDING, OutboxState.DELIVERED])
