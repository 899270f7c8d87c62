"""didhub.sync.sql: the outbox's, delivery's, documents' and calls' statements, on this
database (the suite runs on SQLite and on PostgreSQL)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from didhub.numbers.choices import Activity, SyncState
from didhub.numbers.models import Carrier, Number
from didhub.sync import sql
from didhub.sync.models import PlatformLink, SyncChange, SyncedNumber
from didhub.sync.tests.conftest import add_range, webhook_link

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9"


@pytest.fixture
def linked(tree):
    """Three numbers of Acme, two of Globex; Acme's link consented and sending."""
    add_range(tree, tree.acme, "+12125550100", 3)
    add_range(tree, tree.globex, "+12125550200", 2)
    link, _ = webhook_link(tree, URL)
    PlatformLink.objects.filter(pk=link.pk).update(consented_at=timezone.now())
    SyncChange.objects.all().delete()
    return link


def test_changes_are_queued_for_the_numbers_a_condition_selects(tree, linked):
    queued = sql.insert_changes_select(
        link_id=linked.pk,
        action="updated",
        where_sql="n.owner_id = %s AND n.e164 <> %s",
        params=[tree.acme.pk, "+12125550101"],
        now=timezone.now(),
    )
    assert queued == 2
    assert sorted(SyncChange.objects.values_list("e164", "action")) == [
        ("+12125550100", "updated"),
        ("+12125550102", "updated"),
    ]


def test_a_renamed_carrier_queues_exactly_the_numbers_of_sending_links(tree, linked):
    carrier = Carrier.objects.create(owner=tree.master, name="Lumen")
    Number.objects.filter(e164__in=["+12125550100", "+12125550200"]).update(
        voice_carrier=carrier, sync_state=SyncState.READY
    )
    assert (
        sql.enqueue_referring(action="updated", model=Carrier, pk=carrier.pk, now=timezone.now())
        == 1
    )
    assert list(SyncChange.objects.values_list("e164", flat=True)) == ["+12125550100"]
    states = dict(Number.objects.values_list("e164", "sync_state"))
    assert states["+12125550100"] == SyncState.PENDING
    assert states["+12125550200"] == SyncState.READY  # Globex has no link


def test_waiting_changes_are_claimed_by_a_message_and_dropped_once_delivered(tree, linked):
    sql.insert_changes_select(
        link_id=linked.pk,
        action="added",
        where_sql="n.owner_id = %s",
        params=[tree.acme.pk],
        now=timezone.now(),
    )
    window = sql.waiting_changes(linked.pk, 2)
    assert [e164 for _, e164, _ in window] == ["+12125550100", "+12125550101"]
    message = linked.outbox.create(message_id="msg_test", message_type="t", body="", size=1)
    assert sql.claim_changes(message.pk, [window[0][0]]) == 1
    # A number with a message outstanding waits for it; the others come forward.
    assert [e164 for _, e164, _ in sql.waiting_changes(linked.pk, 5)] == [
        "+12125550101",
        "+12125550102",
    ]
    assert sql.drop_changes(message.pk) == 1
    assert SyncChange.objects.count() == 2


def test_confirmed_numbers_are_upserted_forgotten_and_marked_ready(tree, linked):
    now = timezone.now()
    present = [{"e164": f"+1212555010{i}", "digest": f"d{i}"} for i in range(3)]
    sql.confirm_synced(linked.pk, present, now)
    sql.confirm_synced(linked.pk, [{"e164": "+12125550100", "digest": "new"}], now)
    assert dict(SyncedNumber.objects.values_list("e164", "digest")) == {
        "+12125550100": "new",
        "+12125550101": "d1",
        "+12125550102": "d2",
    }
    assert sql.synced_among(linked.pk, ["+12125550100", "+12125550199"]) == {"+12125550100"}
    assert sql.forget_synced(linked.pk, ["+12125550101", "+12125550199"]) == 1
    sql.insert_changes_select(
        link_id=linked.pk,
        action="updated",
        where_sql="n.e164 = %s",
        params=["+12125550102"],
        now=now,
    )
    # A number with a newer change waiting stays as it is.
    assert sql.mark_ready(linked.pk, tree.acme.pk, ["+12125550100", "+12125550102"]) == 1
    assert Number.objects.get(e164="+12125550100").sync_state == SyncState.READY
    assert Number.objects.get(e164="+12125550102").sync_state != SyncState.READY


def test_many_confirmations_go_in_several_statements(tree, linked):
    present = [{"e164": f"+1313555{i:04d}", "digest": "x"} for i in range(1200)]
    sql.confirm_synced(linked.pk, present, timezone.now())
    assert SyncedNumber.objects.filter(link=linked).count() == 1200


def test_documents_rows_and_assignments(tree, linked):
    rows = sql.number_rows(tree.acme.pk, None)
    assert [row[1] for row in rows] == ["+12125550100", "+12125550101", "+12125550102"]
    assert [row[1] for row in sql.number_rows(tree.acme.pk, ["+12125550101"])] == ["+12125550101"]
    assert sql.assignment_rows([row[0] for row in rows]) == []


def test_calls_move_the_last_call_forward_only(tree, linked):
    earlier, later = timezone.now() - timedelta(hours=2), timezone.now() - timedelta(hours=1)
    first, second = Number.objects.filter(owner=tree.acme).order_by("e164")[:2]
    assert sql.mark_active([(first.pk, later), (second.pk, earlier)]) == 2
    assert sql.mark_active([(first.pk, earlier)]) == 0  # older than what is known
    first.refresh_from_db()
    assert (first.activity, first.last_call_at) == (Activity.ACTIVE, later)


def test_credentials_are_read_and_written_as_stored(tree, linked):
    sql.store_credentials(linked.pk, "stored-as-is")
    assert sql.stored_credentials(linked.pk) == "stored-as-is"
