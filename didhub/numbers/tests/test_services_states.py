"""Reservations, release through aging, restore and the expiry sweep."""

from datetime import timedelta

import pytest
from django.utils import timezone

from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.numbers import services
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Assignment, Number
from didhub.numbers.tests.conftest import upload


def fresh(number) -> Number:
    return Number.objects.get(pk=number.pk)


def test_reserve_for_a_target_then_only_that_target_gets_it(tree, targets, acme_number, outbox):
    until = timezone.now() + timedelta(days=7)
    services.number_reserve(
        actor=tree.acme_admin, number=acme_number, until=until, target=targets.pbx_user
    )
    number = fresh(acme_number)
    assert (number.state, number.reserved_until, number.reserved_for_id) == (
        "reserved",
        until,
        targets.pbx_user.pk,
    )
    event = Event.objects.get(action="number.reserved")
    assert event.after["reserved_for"]["name"] == "Acme pbx_user"
    assert outbox[-1]["action"] == "reserved"
    with pytest.raises(Conflict, match="reserved for Acme pbx_user"):
        services.number_assign(actor=tree.acme_admin, number=number, target=targets.callapp_user)
    services.number_assign(actor=tree.acme_admin, number=number, target=targets.pbx_user)
    number = fresh(acme_number)
    assert (number.state, number.reserved_until, number.reserved_for_id) == ("assigned", None, None)


def test_reservation_without_target_lets_anyone_assign(tree, targets, acme_number):
    services.number_reserve(
        actor=tree.sub_admin, number=acme_number, until=timezone.now() + timedelta(hours=1)
    )
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.trunk)
    assert fresh(acme_number).state == NumberState.ASSIGNED


def test_reserve_refusals(tree, targets, acme_numbers):
    later = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as error:
        services.number_reserve(
            actor=tree.acme_admin, number=acme_numbers[0], until=timezone.now() - timedelta(1)
        )
    assert error.value.errors[0].field == "until"
    with pytest.raises(ValidationFailed, match="route External Trunk"):
        services.number_reserve(
            actor=tree.acme_admin,
            number=acme_numbers[0],
            until=later,
            target=targets.external_trunk,
        )
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[1], target=targets.pbx_user)
    with pytest.raises(Conflict, match="only available numbers"):
        services.number_reserve(actor=tree.acme_admin, number=acme_numbers[1], until=later)
    with pytest.raises(PolicyDenied):
        services.number_reserve(actor=tree.acme_viewer, number=acme_numbers[0], until=later)
    with pytest.raises(NotVisible):
        services.number_reserve(actor=tree.foreign_admin, number=acme_numbers[0], until=later)


def test_unreserve(tree, acme_number):
    services.number_reserve(
        actor=tree.acme_admin, number=acme_number, until=timezone.now() + timedelta(days=1)
    )
    number = services.number_unreserve(actor=tree.acme_admin, number=acme_number)
    assert (number.state, number.reserved_until) == ("available", None)
    assert Event.objects.filter(action="number.unreserved").count() == 1
    with pytest.raises(Conflict, match="not reserved"):
        services.number_unreserve(actor=tree.acme_admin, number=acme_number)


def test_release_returns_the_number_to_the_reseller_aging(tree, targets, acme_number, outbox):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.sms_group)
    before = timezone.now()
    number = services.number_release(actor=tree.acme_admin, number=acme_number)
    number = fresh(number)
    assert number.owner == tree.sub  # Acme's parent reseller
    assert number.state == NumberState.AGING
    assert (number.voice_target_kind, number.sms_target_kind) == ("", "")
    assert not Assignment.objects.filter(number=number).exists()
    assert before + timedelta(days=90) <= number.aging_until <= timezone.now() + timedelta(days=90)
    assert number.released_from["owner"] == {"id": tree.acme.pk, "name": "Acme Corp"}
    assert [a["target"]["name"] for a in number.released_from["assignments"]] == [
        "Acme sms_group",
        "Acme pbx_user",
    ]
    event = Event.objects.get(action="number.released")
    assert event.account_id == tree.acme.pk
    assert event.after["owner"] == {"id": tree.sub.pk, "name": "Sub Reseller"}
    assert outbox[-1]["removed"] == [
        {"number_id": number.pk, "e164": number.e164, "owner_id": tree.acme.pk}
    ]


def test_aging_period_is_the_resellers(tree, acme_number):
    from didhub.accounts import services as account_services

    account_services.account_update(actor=tree.sub_admin, account=tree.sub, aging_days=30)
    number = services.number_release(actor=tree.acme_admin, number=acme_number)
    assert number.aging_until - timezone.now() < timedelta(days=30, minutes=1)


def test_release_refusals(tree, targets, acme_number):
    with pytest.raises(PolicyDenied):
        services.number_release(actor=tree.acme_viewer, number=acme_number)
    reseller_number = upload(tree.master_admin, tree.master, 50)
    with pytest.raises(Conflict, match="reclaim"):
        services.number_release(actor=tree.master_admin, number=reseller_number)
    external = upload(tree.globex_admin, tree.globex, 51)
    with pytest.raises(Conflict, match="own number"):
        services.number_release(actor=tree.globex_admin, number=external)
    services.number_release(actor=tree.acme_admin, number=acme_number)
    with pytest.raises(NotVisible):  # it is the reseller's now
        services.number_release(actor=tree.acme_admin, number=acme_number)
    with pytest.raises(Conflict, match="not by an enterprise"):
        services.number_release(actor=tree.sub_admin, number=acme_number)


def test_restore_gives_the_number_back_with_its_targets(tree, targets, acme_number, outbox):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.sms_user)
    services.number_release(actor=tree.acme_admin, number=acme_number)
    number = services.number_restore(actor=tree.acme_admin, number=acme_number)
    number = fresh(number)
    assert number.owner == tree.acme and number.state == NumberState.ASSIGNED
    assert (number.voice_target_kind, number.sms_target_kind) == ("pbx_user", "sms_user")
    assert (number.aging_until, number.released_from) == (None, None)
    event = Event.objects.get(action="number.restored")
    assert event.account_id == tree.acme.pk and event.after["not_restored"] == []
    assert outbox[-1]["action"] == "restored"
    with pytest.raises(Conflict, match="not aging"):
        services.number_restore(actor=tree.acme_admin, number=number)


def test_restore_skips_targets_deleted_meanwhile(tree, targets, acme_number):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    services.number_release(actor=tree.acme_admin, number=acme_number)
    services.target_delete(actor=tree.acme_admin, target=targets.pbx_user)
    number = fresh(services.number_restore(actor=tree.sub_admin, number=acme_number))
    assert (number.owner, number.state) == (tree.acme, NumberState.AVAILABLE)
    event = Event.objects.get(action="number.restored")
    assert event.after["not_restored"][0]["target"]["name"] == "Acme pbx_user"


def test_restore_is_refused_to_others(tree, acme_number):
    services.number_release(actor=tree.acme_admin, number=acme_number)
    with pytest.raises(NotVisible):
        services.number_restore(actor=tree.globex_admin, number=acme_number)
    with pytest.raises(PolicyDenied):
        services.number_restore(actor=tree.acme_viewer, number=acme_number)


def test_expire_sweeps_reservations_and_aging(tree, acme_numbers, outbox):
    now = timezone.now()
    services.number_reserve(actor=tree.acme_admin, number=acme_numbers[0], until=now + timedelta(1))
    services.number_reserve(actor=tree.acme_admin, number=acme_numbers[1], until=now + timedelta(9))
    services.number_release(actor=tree.acme_admin, number=acme_numbers[2])
    result = services.numbers_expire(now=now + timedelta(days=2))
    assert result == {"reservation_expired": 1, "aged_out": 0}
    assert fresh(acme_numbers[0]).state == NumberState.AVAILABLE
    assert fresh(acme_numbers[1]).state == NumberState.RESERVED
    result = services.numbers_expire(now=now + timedelta(days=91))
    assert result == {"reservation_expired": 1, "aged_out": 1}
    aged = fresh(acme_numbers[2])
    assert (aged.state, aged.owner, aged.aging_until, aged.released_from) == (
        "available",
        tree.sub,
        None,
        None,
    )
    event = Event.objects.get(action="number.aged_out")
    assert (event.actor_label, event.number_e164, event.account_id) == (
        "system",
        aged.e164,
        tree.sub.pk,
    )
    assert outbox[-1] == {"action": "aged_out", "number_ids": [aged.pk], "removed": []}
    with pytest.raises(Conflict, match="not aging"):
        services.number_restore(actor=tree.sub_admin, number=aged)
    with pytest.raises(NotVisible):  # no longer Acme's to restore
        services.number_restore(actor=tree.acme_admin, number=aged)
