"""Delegating numbers down the tree and reclaiming them, set-based and all or nothing."""

import pytest

from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.numbers import services
from didhub.numbers.models import Number
from didhub.numbers.tests.conftest import e, upload


def owners(*numbers) -> list:
    return [Number.objects.get(pk=n.pk).owner for n in numbers]


def master_numbers(tree, count=3):
    return [upload(tree.master_admin, tree.master, n) for n in range(count)]


def test_delegate_moves_numbers_down_and_records_one_event_each(tree, outbox):
    made = master_numbers(tree)
    moved = services.numbers_delegate(actor=tree.master_admin, numbers=made, to_account=tree.acme)
    assert moved == 3
    assert owners(*made) == [tree.acme] * 3
    assert {n.uploaded_by for n in Number.objects.all()} == {tree.master}
    events = Event.objects.filter(action="number.delegated").order_by("number_e164")
    assert [ev.number_e164 for ev in events] == [e(0), e(1), e(2)]
    assert events[0].account_id == tree.acme.pk  # the deepest account concerned
    assert events[0].before == {"owner": {"id": tree.master.pk, "name": "Master Reseller"}}
    assert events[0].after == {"owner": {"id": tree.acme.pk, "name": "Acme Corp"}}
    assert outbox[-1]["action"] == "delegated"
    assert sorted(outbox[-1]["number_ids"]) == sorted(n.pk for n in made)


def test_delegate_takes_a_queryset_or_e164_texts(tree):
    master_numbers(tree, 4)
    queryset = Number.objects.filter(e164__in=[e(0), e(1)])
    assert services.numbers_delegate(actor=tree.master_admin, numbers=queryset, to_account=tree.sub)
    assert services.numbers_delegate(
        actor=tree.master_admin, numbers=["1 212 555 0102", e(3)], to_account=tree.globex
    )
    assert [n.owner.name for n in Number.objects.order_by("e164")] == [
        "Sub Reseller",
        "Sub Reseller",
        "Globex",
        "Globex",
    ]


def test_delegate_further_down_and_already_there_is_left_alone(tree):
    made = master_numbers(tree, 2)
    services.numbers_delegate(actor=tree.master_admin, numbers=made[:1], to_account=tree.sub)
    # Sub's number goes on to Acme; Master's number goes straight to Acme.
    assert services.numbers_delegate(actor=tree.sub_admin, numbers=made[:1], to_account=tree.acme)
    assert (
        services.numbers_delegate(actor=tree.master_admin, numbers=made, to_account=tree.acme) == 1
    )
    assert owners(*made) == [tree.acme, tree.acme]


def test_delegate_refuses_sideways_moves_and_own_account(tree):
    made = master_numbers(tree, 1)
    services.numbers_delegate(actor=tree.master_admin, numbers=made, to_account=tree.globex)
    with pytest.raises(ValidationFailed) as error:
        services.numbers_delegate(actor=tree.master_admin, numbers=made, to_account=tree.acme)
    item = error.value.errors[0]
    assert (item.row, item.code) == (e(0), "wrong_direction")
    assert "held by Globex, which is not above Acme Corp; reclaim it first" in item.message
    with pytest.raises(ValidationFailed) as error:
        services.numbers_delegate(actor=tree.master_admin, numbers=made, to_account=tree.master)
    assert error.value.errors[0].field == "to_account"


def test_delegate_is_all_or_nothing_with_a_row_per_refused_number(tree, targets, acme_numbers):
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[0], target=targets.pbx_user)
    free = upload(tree.master_admin, tree.master, 60)
    foreign = upload(tree.foreign_admin, tree.foreign, 61)
    with pytest.raises(NotVisible) as error:
        services.numbers_reclaim(
            actor=tree.master_admin,
            numbers=[acme_numbers[0], acme_numbers[1], free, foreign, "+19999999999"],
        )
    rows = {item.row: item for item in error.value.errors}
    assert set(rows) == {e(0), e(61), "+19999999999"}
    assert rows[e(0)].code == "assigned"
    assert "assigned to Acme pbx_user (a PBX user, voice)" in rows[e(0)].message
    # The foreign owner is not disclosed.
    assert "Foreign" not in rows[e(61)].message
    assert owners(acme_numbers[1])[0] == tree.acme  # nothing moved
    assert not Event.objects.filter(action="number.reclaimed").exists()


def test_assigned_numbers_stay_with_a_conflict_naming_the_target(tree, targets, acme_numbers):
    services.number_assign(
        actor=tree.acme_admin, number=acme_numbers[3], target=targets.external_trunk
    )
    with pytest.raises(Conflict, match="assigned to Acme external_trunk"):
        services.numbers_reclaim(actor=tree.sub_admin, numbers=[acme_numbers[3]])


def test_reserved_aging_and_external_numbers_do_not_move(tree, acme_numbers):
    from datetime import timedelta

    from django.utils import timezone

    services.number_reserve(
        actor=tree.acme_admin, number=acme_numbers[0], until=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(Conflict, match="reserved"):
        services.numbers_reclaim(actor=tree.sub_admin, numbers=[acme_numbers[0]])
    services.number_release(actor=tree.acme_admin, number=acme_numbers[1])
    with pytest.raises(Conflict, match="aging"):
        services.numbers_reclaim(actor=tree.master_admin, numbers=[acme_numbers[1]])
    external = upload(tree.globex_admin, tree.globex, 70)
    with pytest.raises(Conflict, match="Globex's own number"):
        services.numbers_reclaim(actor=tree.master_admin, numbers=[external])


def test_reclaim_takes_numbers_back_up(tree, acme_numbers, outbox):
    moved = services.numbers_reclaim(
        actor=tree.master_admin, numbers=[acme_numbers[0], acme_numbers[1]]
    )
    assert moved == 2
    assert owners(acme_numbers[0], acme_numbers[1]) == [tree.master, tree.master]
    event = Event.objects.filter(action="number.reclaimed").first()
    assert event.account_id == tree.acme.pk  # the account it left
    assert event.after == {"owner": {"id": tree.master.pk, "name": "Master Reseller"}}
    assert {r["e164"] for r in outbox[-1]["removed"]} == {e(0), e(1)}
    assert {r["owner_id"] for r in outbox[-1]["removed"]} == {tree.acme.pk}


def test_reclaim_to_an_intermediate_account(tree, acme_numbers):
    services.numbers_reclaim(
        actor=tree.master_admin, numbers=[acme_numbers[0]], to_account=tree.sub
    )
    assert owners(acme_numbers[0]) == [tree.sub]
    with pytest.raises(ValidationFailed, match="not below Globex"):
        services.numbers_reclaim(
            actor=tree.master_admin, numbers=[acme_numbers[1]], to_account=tree.globex
        )


def test_only_resellers_move_numbers(tree, acme_numbers):
    with pytest.raises(PolicyDenied, match="Only resellers reclaim"):
        services.numbers_reclaim(actor=tree.acme_admin, numbers=[acme_numbers[0]])
    with pytest.raises(PolicyDenied):
        services.numbers_delegate(
            actor=tree.platform_viewer, numbers=[acme_numbers[0]], to_account=tree.acme
        )
    with pytest.raises(NotVisible):
        services.numbers_delegate(
            actor=tree.foreign_admin, numbers=[acme_numbers[0]], to_account=tree.initech
        )
    with pytest.raises(NotVisible):  # a destination outside the subtree
        services.numbers_delegate(
            actor=tree.sub_admin, numbers=[acme_numbers[0]], to_account=tree.globex
        )
