"""Bulk actions over a selection: by list and by filter, all or nothing, refusals
counted and capped, history per number, sync outbox rows, tenant isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from didhub.core.errors import Conflict, NotVisible, PolicyDenied
from didhub.core.models import Event
from didhub.imports import adding
from didhub.numbers import selectors, services
from didhub.numbers.models import Assignment, Number
from didhub.numbers.services import bulk_checks
from didhub.numbers.tests.conftest import e, upload
from didhub.sync.choices import Connector, LinkMode
from didhub.sync.models import SyncChange
from didhub.sync.services import link_create

ACME_BLOCK = {"e164__startswith": "+1212555010"}  # e(0) .. e(9)
SELECTED_BY = ("list", "filter")


def chosen(how: str, user, texts: list[str], filters: dict):
    """The same numbers, named by a list or selected by the list's filter."""
    if how == "list":
        return texts
    return selectors.number_list(user=user, filters=filters)


def acme_texts(acme_numbers) -> list[str]:
    return sorted(number.e164 for number in acme_numbers.values())


def events(action: str, actor=None) -> dict[str, Event]:
    """The latest ``action`` event of each number (by ``actor``, if given)."""
    found = Event.objects.filter(action=action).order_by("id")
    if actor is not None:
        found = found.filter(actor_user_id=actor.pk)
    return {event.number_e164: event for event in found}


@pytest.mark.parametrize("how", SELECTED_BY)
def test_update_sets_attributes_and_writes_what_changed_per_number(tree, acme_numbers, how):
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Lumen")
    services.number_update(actor=tree.master_admin, number=acme_numbers[1], service_info="lobby")
    result = services.numbers_bulk(
        actor=tree.sub_admin,
        action="update",
        numbers=chosen(how, tree.sub_admin, acme_texts(acme_numbers), ACME_BLOCK),
        service_info="lobby",
        voice_carrier=carrier.pk,
    )
    assert result == {"action": "update", "count": 10}
    assert set(Number.objects.values_list("service_info", "voice_carrier_id")) == {
        ("lobby", carrier.pk)
    }
    written = {
        text: (event.before, event.after)
        for text, event in events("number.updated", tree.sub_admin).items()
    }
    assert written[e(0)] == (
        {"service_info": "", "voice_carrier": None},
        {"service_info": "lobby", "voice_carrier": {"id": carrier.pk, "name": "Lumen"}},
    )
    # e(1) already said "lobby": its event names only the carrier.
    assert written[e(1)] == (
        {"voice_carrier": None},
        {"voice_carrier": {"id": carrier.pk, "name": "Lumen"}},
    )
    assert len(written) == 10


def test_update_turning_voice_off_takes_the_route_and_refuses_unfit_assignments(
    tree, acme_numbers, targets
):
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[0], target=targets.pbx_user)
    with pytest.raises(Conflict) as error:
        services.numbers_bulk(
            actor=tree.sub_admin, action="update", numbers=[e(0), e(1)], voice=False
        )
    assert [(item.row, item.code) for item in error.value.errors] == [(e(0), "assigned")]
    assert "Acme pbx_user" in error.value.errors[0].message
    assert Number.objects.get(e164=e(1)).voice
    services.numbers_bulk(actor=tree.sub_admin, action="update", numbers=[e(1)], voice=False)
    one = Number.objects.get(e164=e(1))
    assert (one.voice, one.route) == (False, "")


@pytest.mark.parametrize("how", SELECTED_BY)
def test_tags_add_and_remove(tree, acme_numbers, how):
    services.number_update(actor=tree.master_admin, number=acme_numbers[2], tags="vip")
    texts = acme_texts(acme_numbers)
    numbers = chosen(how, tree.master_admin, texts, ACME_BLOCK)
    services.numbers_bulk(actor=tree.master_admin, action="tags_add", numbers=numbers, tags="hq")
    assert Number.objects.get(e164=e(2)).tags == ";hq;vip;"
    assert Number.objects.get(e164=e(3)).tags == ";hq;"
    numbers = chosen(how, tree.master_admin, texts, {"tag": "hq"})
    services.numbers_bulk(
        actor=tree.master_admin, action="tags_remove", numbers=numbers, tags=["vip", "hq"]
    )
    assert set(Number.objects.values_list("tags", flat=True)) == {""}
    assert events("number.updated")[e(2)].after == {"tags": ""}


@pytest.mark.parametrize("how", SELECTED_BY)
def test_reserve_release_and_history_per_number(tree, acme_numbers, how):
    until = timezone.now() + timedelta(days=2)
    texts = acme_texts(acme_numbers)
    numbers = chosen(how, tree.acme_admin, texts, ACME_BLOCK)
    services.numbers_bulk(actor=tree.acme_admin, action="reserve", numbers=numbers, until=until)
    assert set(Number.objects.values_list("state", flat=True)) == {"reserved"}
    numbers = chosen(how, tree.acme_admin, texts, {"state": "reserved"})
    services.numbers_bulk(actor=tree.acme_admin, action="release", numbers=numbers)
    released = Number.objects.get(e164=e(4))
    assert (released.owner, released.state) == (tree.sub, "aging")
    assert released.released_from["owner"] == {"id": tree.acme.pk, "name": "Acme Corp"}
    assert released.released_from["state"] == "reserved"
    history = [
        event.action for event in selectors.number_history(user=tree.sub_admin, number=released)
    ]
    assert history[:2] == ["number.released", "number.reserved"]
    answer = selectors.number_at(user=tree.sub_admin, e164=e(4), when=timezone.now())
    assert (answer["owner"]["id"], answer["state"]) == (tree.sub.pk, "aging")
    services.number_restore(actor=tree.acme_admin, number=released)
    assert Number.objects.get(e164=e(4)).owner == tree.acme


def test_a_bulk_release_keeps_and_records_what_a_single_release_does(tree, acme_numbers, targets):
    """Numbers 0 and 1 alike, assigned on voice and SMS: one released alone, the other in
    bulk. Each keeps the same for a restore and records the same before; the afters
    differ only in the moment each number ages until."""
    for n in (0, 1):
        services.number_assign(
            actor=tree.acme_admin, number=acme_numbers[n], target=targets.pbx_user
        )
        services.number_assign(
            actor=tree.acme_admin, number=acme_numbers[n], target=targets.sms_user
        )
    services.number_release(actor=tree.acme_admin, number=Number.objects.get(e164=e(0)))
    services.numbers_bulk(actor=tree.acme_admin, action="release", numbers=[e(1)])

    alone, bulk = (Number.objects.get(e164=e(n)) for n in (0, 1))
    assert bulk.released_from == alone.released_from
    assert {
        (item["channel"], item["target"]["name"]) for item in bulk.released_from["assignments"]
    } == {
        ("voice", "Acme pbx_user"),
        ("sms", "Acme sms_user"),
    }
    assert not Assignment.objects.filter(number__in=[alone, bulk]).exists()
    released = events("number.released")
    assert released[e(1)].before == released[e(0)].before == bulk.released_from
    assert released[e(1)].after.keys() == released[e(0)].after.keys()
    assert released[e(1)].after["owner"] == released[e(0)].after["owner"]
    assert (released[e(1)].account_id, released[e(0)].account_id) == (tree.acme.pk, tree.acme.pk)
    services.number_restore(actor=tree.acme_admin, number=bulk)
    assert Assignment.objects.filter(number=bulk).count() == 2


@pytest.mark.parametrize("how", SELECTED_BY)
def test_assign_many_to_one_target_then_unassign(tree, acme_numbers, targets, how):
    sms_capable = [e(n) for n in (0, 1, 2, 3, 4, 5, 6, 8, 9)]
    numbers = chosen(how, tree.acme_admin, sms_capable, {**ACME_BLOCK, "sms": "true"})
    result = services.numbers_bulk(
        actor=tree.acme_admin, action="assign", numbers=numbers, target=targets.sms_group
    )
    assert result["count"] == 9
    assert Assignment.objects.filter(target=targets.sms_group).count() == 9
    assert events("number.assigned")[e(6)].after["target"]["name"] == "Acme sms_group"
    answer = selectors.number_at(user=tree.acme_admin, e164=e(6), when=timezone.now())
    assert answer["assignments"]["sms"]["id"] == targets.sms_group.pk
    numbers = chosen(how, tree.acme_admin, sms_capable, {"assigned": "true"})
    result = services.numbers_bulk(actor=tree.acme_admin, action="unassign", numbers=numbers)
    assert (result["count"], result["channels_freed"]) == (9, 9)
    assert not Assignment.objects.exists()
    assert set(Number.objects.values_list("state", "sms_target_kind")) == {("available", "")}
    assert events("number.unassigned")[e(0)].before["assignments"][0]["channel"] == "sms"


def test_assign_beyond_purchased_stations_refuses_the_numbers_past_the_quota(
    tree, acme_numbers, targets
):
    # Acme bought 10 stations; a trunk takes direct-routing user/service numbers.
    tree.acme.stations_purchased = 2
    tree.acme.save(update_fields=["stations_purchased"])
    with pytest.raises(Conflict) as error:
        services.numbers_bulk(
            actor=tree.acme_admin,
            action="assign",
            numbers=[e(0), e(1), e(2)],
            target=targets.trunk,
        )
    assert [(item.row, item.code) for item in error.value.errors] == [(e(2), "station_quota")]
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("how", SELECTED_BY)
def test_reclaim_delegate_and_delete(tree, acme_numbers, how):
    texts = acme_texts(acme_numbers)
    numbers = chosen(how, tree.master_admin, texts, ACME_BLOCK)
    services.numbers_bulk(actor=tree.master_admin, action="reclaim", numbers=numbers)
    numbers = chosen(how, tree.master_admin, texts, ACME_BLOCK)
    services.numbers_bulk(
        actor=tree.master_admin, action="delegate", numbers=numbers, to_account=tree.globex
    )
    assert set(Number.objects.values_list("owner", flat=True)) == {tree.globex.pk}
    services.numbers_bulk(actor=tree.master_admin, action="reclaim", numbers=numbers)
    numbers = chosen(how, tree.master_admin, texts, {"owner": tree.master.pk, "owner_exact": "1"})
    assert services.numbers_bulk(actor=tree.master_admin, action="delete", numbers=numbers) == {
        "action": "delete",
        "count": 10,
    }
    assert not Number.objects.exists()
    deleted = events("number.deleted")[e(5)]
    assert deleted.before["usage"] == "contact_center" and deleted.before["voice"] is True
    assert deleted.import_id is not None
    answer = selectors.number_at(user=tree.master_admin, e164=e(5), when=timezone.now())
    assert answer["existed"] is False


@pytest.mark.parametrize("how", SELECTED_BY)
def test_port_complete_and_cancel(tree, how):
    made = adding.numbers_add(
        actor=tree.master_admin,
        account=tree.master,
        entries=[{"e164": e(n), "voice": True, "route": "direct_routing"} for n in range(50, 54)],
        porting=True,
    )
    texts = [number.e164 for number in made]
    numbers = chosen(how, tree.master_admin, texts[:2], {"e164__startswith": "+121255501"})
    if how == "filter":
        numbers = numbers.filter(e164__in=texts[:2])
    services.numbers_bulk(actor=tree.master_admin, action="port_complete", numbers=numbers)
    assert list(Number.objects.order_by("e164").values_list("state", flat=True)) == [
        "available",
        "available",
        "porting_in",
        "porting_in",
    ]
    numbers = chosen(how, tree.master_admin, texts[2:], {"state": "porting_in"})
    services.numbers_bulk(actor=tree.master_admin, action="port_cancel", numbers=numbers)
    assert Number.objects.count() == 2
    assert events("number.port_cancelled")[e(53)].before["state"] == "porting_in"


@pytest.mark.parametrize("how", SELECTED_BY)
def test_numbers_that_already_hold_the_values_are_left_as_they_are(tree, acme_numbers, how):
    """As for one number: a change that changes nothing writes nothing, neither
    ``updated_at`` nor an event, and is not counted."""
    services.number_update(actor=tree.master_admin, number=acme_numbers[1], service_info="lobby")
    services.numbers_bulk(actor=tree.sub_admin, action="tags_add", numbers=[e(2)], tags=["vip"])
    everyone = acme_texts(acme_numbers)

    def run(action: str, **params) -> tuple[dict, list[str], list[str]]:
        """The answer, the numbers with an event, the numbers whose updated_at moved."""
        stamps = dict(Number.objects.values_list("e164", "updated_at"))
        last = Event.objects.order_by("-id").values_list("id", flat=True).first()
        result = services.numbers_bulk(
            actor=tree.sub_admin,
            action=action,
            numbers=chosen(how, tree.sub_admin, everyone, ACME_BLOCK),
            **params,
        )
        written = Event.objects.filter(id__gt=last).values_list("number_e164", flat=True)
        now = dict(Number.objects.values_list("e164", "updated_at"))
        return result, sorted(written), sorted(t for t in now if now[t] != stamps[t])

    assert run("update", service_info="lobby") == (
        {"action": "update", "count": 9},
        [text for text in everyone if text != e(1)],
        [text for text in everyone if text != e(1)],
    )
    assert run("tags_add", tags=["vip"]) == (
        {"action": "tags_add", "count": 9},
        [text for text in everyone if text != e(2)],
        [text for text in everyone if text != e(2)],
    )


def test_one_refused_number_changes_nothing_writes_no_event_and_queues_nothing(tree, acme_numbers):
    link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint="http://127.0.0.1:9/hook",
    )
    own = upload(tree.master_admin, tree.master, 60)
    queued = SyncChange.objects.count()
    before = Event.objects.count()
    with pytest.raises(PolicyDenied) as error:
        services.numbers_bulk(actor=tree.master_admin, action="delete", numbers=[own, e(0)])
    assert [item.row for item in error.value.errors] == [e(0)]
    assert Number.objects.filter(pk=own.pk).exists()
    assert (Event.objects.count(), SyncChange.objects.count()) == (before, queued)


def test_refusals_are_capped_and_counted(tree, acme_numbers, monkeypatch):
    monkeypatch.setattr(bulk_checks, "REFUSALS_LISTED", 3)
    with pytest.raises(PolicyDenied) as error:
        services.numbers_bulk(
            actor=tree.acme_admin,
            action="update",
            numbers=selectors.number_list(user=tree.acme_admin, filters=ACME_BLOCK),
            service_info="x",
        )
    assert [item.row for item in error.value.errors] == [e(0), e(1), e(2)]
    assert error.value.errors_total == 10
    assert str(error.value) == "10 numbers cannot be changed; the first 3 are listed."
    assert error.value.errors[0].message == (
        "Only resellers change capabilities, route, usage and attributes."
    )


def test_linked_enterprise_gets_its_outbox_rows_in_the_same_transaction(tree, acme_numbers):
    link, _ = link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint="http://127.0.0.1:9/hook",
    )
    SyncChange.objects.all().delete()
    numbers = selectors.number_list(user=tree.sub_admin, filters=ACME_BLOCK)
    services.numbers_bulk(actor=tree.sub_admin, action="update", numbers=numbers, fax=True)
    queued = SyncChange.objects.filter(link=link, action="updated")
    # The fax-only number already had fax: unchanged, so nothing to tell the platform.
    changed = [text for text in acme_texts(acme_numbers) if text != e(7)]
    assert sorted(queued.values_list("e164", flat=True)) == changed
    assert set(Number.objects.filter(e164__in=changed).values_list("sync_state", flat=True)) == {
        "pending"
    }
    SyncChange.objects.all().delete()
    services.numbers_bulk(actor=tree.acme_admin, action="release", numbers=[e(0), e(1)])
    gone = SyncChange.objects.filter(link=link, action="released")
    assert sorted(gone.values_list("e164", flat=True)) == [e(0), e(1)]
    # Now the reseller's: not linked, and not queued as a change of the enterprise.
    assert set(
        Number.objects.filter(e164__in=[e(0), e(1)]).values_list("sync_state", flat=True)
    ) == {"not_linked"}
    assert SyncChange.objects.count() == 2


def test_another_tenants_numbers_are_not_visible_by_list_and_not_selected_by_filter(
    tree, acme_numbers
):
    foreign = upload(tree.foreign_admin, tree.foreign, 80)
    with pytest.raises(NotVisible) as error:
        services.numbers_bulk(actor=tree.master_admin, action="reclaim", numbers=[e(0), foreign])
    assert [(item.row, item.message) for item in error.value.errors] == [
        (e(80), f"{e(80)} is not in your inventory.")
    ]
    with pytest.raises(NotVisible) as error:
        services.numbers_bulk(actor=tree.acme_admin, action="release", numbers=[e(1), e(80)])
    assert [item.row for item in error.value.errors] == [e(80)]
    assert Number.objects.get(e164=e(1)).owner == tree.acme
    everything = selectors.number_list(user=tree.acme_admin, filters={"e164__startswith": "+1"})
    result = services.numbers_bulk(actor=tree.acme_admin, action="release", numbers=everything)
    assert result["count"] == 10
    assert Number.objects.get(pk=foreign.pk).state == "available"
