"""Bulk actions: all or nothing, one error item per failing number."""

import pytest

from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.numbers import services
from didhub.numbers.models import Assignment, Number
from didhub.numbers.tests.conftest import e, upload


def test_bulk_assign_one_target_for_all(tree, targets, acme_numbers):
    result = services.numbers_bulk(
        actor=tree.acme_admin,
        action="assign",
        numbers=[acme_numbers[0], e(1), acme_numbers[6]],
        target=targets.sms_group,
    )
    assert result == {"action": "assign", "count": 3}
    assert Number.objects.filter(sms_target_kind="sms_group").count() == 3


def test_bulk_assign_per_item_targets_like_a_csv(tree, targets, acme_numbers):
    items = [
        {"number": e(0), "target": targets.pbx_user},
        {"number": e(3), "target": targets.external_trunk},
        {"number": e(6), "target": targets.sms_user, "channel": "sms"},
    ]
    assert (
        services.numbers_bulk(actor=tree.acme_admin, action="assign", numbers=items)["count"] == 3
    )
    kinds = dict(Assignment.objects.values_list("number__e164", "target_kind"))
    assert kinds == {e(0): "pbx_user", e(3): "external_trunk", e(6): "sms_user"}


def test_bulk_failure_changes_nothing_and_names_every_failing_number(tree, targets, acme_numbers):
    with pytest.raises(ValidationFailed) as error:
        services.numbers_bulk(
            actor=tree.acme_admin,
            action="assign",
            numbers=[acme_numbers[0], acme_numbers[3], acme_numbers[7]],
            target=targets.pbx_user,
        )
    assert [item.row for item in error.value.errors] == [e(3), e(7)]
    assert all(item.field is None for item in error.value.errors)
    assert not Assignment.objects.exists()
    assert not Event.objects.filter(action="number.assigned").exists()


def test_most_serious_refusal_decides_the_answer(tree, targets, acme_numbers):
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[0], target=targets.pbx_user)
    foreign = upload(tree.foreign_admin, tree.foreign, 80)
    with pytest.raises(Conflict) as error:
        services.numbers_bulk(
            actor=tree.acme_admin,
            action="assign",
            numbers=[acme_numbers[0], acme_numbers[7]],
            target=targets.callapp_user,
        )
    assert {item.code for item in error.value.errors} == {"assigned", "does_not_fit"}
    with pytest.raises(NotVisible) as error:
        services.numbers_bulk(actor=tree.acme_admin, action="release", numbers=[e(1), foreign])
    assert [item.row for item in error.value.errors] == [e(80)]
    assert Number.objects.get(e164=e(1)).owner == tree.acme


def test_bulk_unassign_release_update_delete(tree, targets, acme_numbers):
    services.numbers_bulk(
        actor=tree.acme_admin, action="assign", numbers=[e(0), e(1)], target=targets.sms_user
    )
    assert services.numbers_bulk(
        actor=tree.acme_admin, action="unassign", numbers=[e(0), e(1)]
    ) == {
        "action": "unassign",
        "count": 2,
        "channels_freed": 2,
    }
    assert services.numbers_bulk(actor=tree.acme_admin, action="release", numbers=[e(8)])["count"]
    assert Number.objects.get(e164=e(8)).state == "aging"
    result = services.numbers_bulk(
        actor=tree.sub_admin, action="update", numbers=[e(0), e(1)], service_info="lobby"
    )
    assert result["count"] == 2
    assert set(Number.objects.filter(service_info="lobby").values_list("e164", flat=True)) == {
        e(0),
        e(1),
    }
    services.numbers_bulk(actor=tree.master_admin, action="reclaim", numbers=[e(0), e(1)])
    assert (
        services.numbers_bulk(actor=tree.master_admin, action="delete", numbers=[e(0), e(1)])[
            "count"
        ]
        == 2
    )
    assert not Number.objects.filter(e164__in=[e(0), e(1)]).exists()


def test_bulk_delegate_and_reclaim_use_the_set_based_services(tree):
    made = [upload(tree.master_admin, tree.master, n) for n in range(3)]
    queryset = Number.objects.filter(pk__in=[n.pk for n in made])
    result = services.numbers_bulk(
        actor=tree.master_admin, action="delegate", numbers=queryset, to_account=tree.globex
    )
    assert result == {"action": "delegate", "count": 3}
    result = services.numbers_bulk(actor=tree.master_admin, action="reclaim", numbers=queryset)
    assert result == {"action": "reclaim", "count": 3}


def test_bulk_input_errors(tree, acme_numbers):
    with pytest.raises(ValidationFailed) as error:
        services.numbers_bulk(actor=tree.master_admin, action="paint", numbers=[e(0)])
    assert error.value.errors[0].field == "action"
    with pytest.raises(ValidationFailed) as error:
        services.numbers_bulk(actor=tree.master_admin, action="delegate", numbers=[e(0)])
    assert error.value.errors[0].field == "to_account"
    with pytest.raises(ValidationFailed) as error:
        services.numbers_bulk(actor=tree.acme_admin, action="assign", numbers=[e(0)])
    assert error.value.errors[0].field == "target"
    with pytest.raises(PolicyDenied):
        services.numbers_bulk(actor=tree.acme_viewer, action="unassign", numbers=[e(0)])
