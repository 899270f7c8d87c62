"""Assigning numbers to targets and freeing them: rules, quota, state columns, events."""

import re
import threading

import pytest
from django.conf import settings
from django.db import connection

from didhub.accounts import services as account_services
from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.imports import adding
from didhub.numbers import services
from didhub.numbers.choices import Channel, NumberState
from didhub.numbers.models import Assignment, Number

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def test_assign_sets_state_kind_column_event_and_outbox(tree, targets, acme_number, outbox):
    assignment = services.number_assign(
        actor=tree.acme_admin, number=acme_number, target=targets.pbx_user
    )
    assert (assignment.channel, assignment.target_kind) == ("voice", "pbx_user")
    number = Number.objects.get(pk=acme_number.pk)
    assert number.state == NumberState.ASSIGNED
    assert (number.voice_target_kind, number.sms_target_kind) == ("pbx_user", "")
    assert number.updated_at > acme_number.updated_at
    event = Event.objects.get(action="number.assigned")
    assert event.number_e164 == number.e164 and event.account_id == tree.acme.pk
    assert event.before == {"state": "available"}
    assert event.after == {
        "state": "assigned",
        "channel": "voice",
        "target": {"id": targets.pbx_user.pk, "name": "Acme pbx_user", "kind": "pbx_user"},
    }
    assert outbox[-1] == {"action": "assigned", "number_ids": [number.pk], "removed": []}


def test_voice_and_sms_assignments_coexist(tree, targets, acme_number):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    sms = services.number_assign(
        actor=tree.acme_admin, number=acme_number, target=targets.sms_group
    )
    assert sms.channel == Channel.SMS  # the channel comes from the target's kind
    number = Number.objects.get(pk=acme_number.pk)
    assert (number.voice_target_kind, number.sms_target_kind) == ("pbx_user", "sms_group")


def test_explicit_channel_must_match_the_kind(tree, targets, acme_number):
    with pytest.raises(ValidationFailed) as error:
        services.number_assign(
            actor=tree.acme_admin, number=acme_number, target=targets.pbx_user, channel="sms"
        )
    assert error.value.errors[0].field == "channel"


@pytest.mark.parametrize(
    ("n", "kind", "message"),
    [
        (0, "external_trunk", "takes only numbers with route External Trunk"),
        (3, "pbx_user", "takes only numbers with route Direct Routing"),
        (4, "trunk", "route Direct Routing; +12125550104 has route Operator Connect"),
        (5, "pbx_user", "go only to contact-center agents"),
        (2, "callapp_user", "usage User; +12125550102 has usage Service"),
        (7, "sms_user", "takes only SMS-capable numbers"),
        (6, "fax", "takes only fax-capable numbers"),
    ],
)
def test_mismatches_are_refused_naming_the_rule(tree, targets, acme_numbers, n, kind, message):
    with pytest.raises(ValidationFailed, match=re.escape(message)) as error:
        services.number_assign(
            actor=tree.acme_admin, number=acme_numbers[n], target=getattr(targets, kind)
        )
    assert error.value.errors[0].field == "target"
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    ("n", "kind"),
    [
        (0, "callapp_user"),
        (2, "trunk"),
        (2, "service"),
        (1, "group"),
        (3, "external_trunk"),
        (4, "operator_connect_trunk"),
        (5, "contact_center_agent"),
        (6, "sms_user"),
        (7, "fax"),
    ],
)
def test_fitting_numbers_are_assigned(tree, targets, acme_numbers, n, kind):
    services.number_assign(
        actor=tree.acme_admin, number=acme_numbers[n], target=getattr(targets, kind)
    )
    number = Number.objects.get(pk=acme_numbers[n].pk)
    assert number.state == NumberState.ASSIGNED and number.is_assigned


def test_target_must_belong_to_the_enterprise_holding_the_number(tree, targets, acme_number):
    with pytest.raises(ValidationFailed, match="held by Acme Corp") as error:
        services.number_assign(
            actor=tree.master_admin, number=acme_number, target=targets.globex_user
        )
    assert error.value.errors[0].code == "other_enterprise"
    # The number still held by the reseller cannot go to an enterprise's target.
    services.numbers_reclaim(actor=tree.sub_admin, numbers=[acme_number])
    with pytest.raises(ValidationFailed, match="held by Sub Reseller"):
        services.number_assign(actor=tree.sub_admin, number=acme_number, target=targets.pbx_user)


def test_resellers_assign_for_enterprises_below_them(tree, targets, acme_number):
    services.number_assign(actor=tree.master_admin, number=acme_number, target=targets.pbx_user)
    assert Number.objects.get(pk=acme_number.pk).state == NumberState.ASSIGNED


def test_foreign_target_and_foreign_actor_are_not_visible(tree, targets, acme_number):
    with pytest.raises(NotVisible):
        services.number_assign(
            actor=tree.acme_admin, number=acme_number, target=targets.initech_user
        )
    with pytest.raises(NotVisible):
        services.number_assign(
            actor=tree.initech_admin, number=acme_number, target=targets.initech_user
        )
    for viewer in (tree.acme_viewer, tree.platform_viewer):
        with pytest.raises(PolicyDenied):
            services.number_assign(actor=viewer, number=acme_number, target=targets.pbx_user)


def test_second_assignment_on_a_channel_is_a_conflict(tree, targets, acme_numbers):
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[0], target=targets.pbx_user)
    with pytest.raises(Conflict, match="already assigned to Acme pbx_user"):
        services.number_assign(
            actor=tree.acme_admin, number=acme_numbers[0], target=targets.callapp_user
        )


def test_station_quota_counts_station_kinds_on_voice_only(tree, targets, acme_numbers):
    acme = account_services.account_update(
        actor=tree.sub_admin, account=tree.acme, stations_purchased=1
    )
    assert acme.stations_purchased == 1
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[0], target=targets.pbx_user)
    # Not stations: an external trunk, a service, SMS.
    services.number_assign(
        actor=tree.acme_admin, number=acme_numbers[3], target=targets.external_trunk
    )
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[1], target=targets.service)
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[6], target=targets.sms_user)
    with pytest.raises(Conflict, match="uses all 1 purchased stations") as error:
        services.number_assign(
            actor=tree.acme_admin, number=acme_numbers[8], target=targets.callapp_user
        )
    assert error.value.code == "station_quota"
    # No quota at all when the reseller sets none.
    account_services.account_update(
        actor=tree.sub_admin, account=tree.acme, stations_purchased=None
    )
    services.number_assign(
        actor=tree.acme_admin, number=acme_numbers[8], target=targets.callapp_user
    )


def test_unassign_frees_channels_and_the_last_one_makes_it_available(
    tree, targets, acme_number, outbox
):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.sms_user)
    assert services.number_unassign(actor=tree.acme_admin, number=acme_number, channel="sms") == [
        "sms"
    ]
    number = Number.objects.get(pk=acme_number.pk)
    assert (number.state, number.voice_target_kind, number.sms_target_kind) == (
        "assigned",
        "pbx_user",
        "",
    )
    assert services.number_unassign(actor=tree.acme_admin, number=acme_number) == ["voice"]
    number = Number.objects.get(pk=acme_number.pk)
    assert (number.state, number.voice_target_kind) == ("available", "")
    event = Event.objects.filter(action="number.unassigned").first()
    assert event.before["assignments"] == [
        {
            "channel": "voice",
            "target": {"id": targets.pbx_user.pk, "name": "Acme pbx_user", "kind": "pbx_user"},
        }
    ]
    assert event.after == {"state": "available"}
    assert outbox[-1]["action"] == "unassigned"
    with pytest.raises(Conflict, match="not assigned"):
        services.number_unassign(actor=tree.acme_admin, number=acme_number)


def test_unassign_refuses_viewers_and_foreigners(tree, targets, acme_number):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    with pytest.raises(PolicyDenied):
        services.number_unassign(actor=tree.acme_viewer, number=acme_number)
    with pytest.raises(NotVisible):
        services.number_unassign(actor=tree.foreign_admin, number=acme_number)
    with pytest.raises(ValidationFailed):
        services.number_unassign(actor=tree.acme_admin, number=acme_number, channel="pager")


def test_porting_number_cannot_be_assigned(tree, targets):
    number = adding.number_add(
        actor=tree.sub_admin,
        account=tree.acme,
        e164="+12125550150",
        voice=True,
        route="direct_routing",
        porting=True,
    )
    with pytest.raises(Conflict, match="porting in"):
        services.number_assign(actor=tree.acme_admin, number=number, target=targets.pbx_user)


def test_stale_object_cannot_double_assign(tree, targets, acme_number):
    """The service decides on the locked row, not on the caller's copy."""
    stale = Number.objects.get(pk=acme_number.pk)
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    with pytest.raises(Conflict, match="already assigned"):
        services.number_assign(actor=tree.acme_admin, number=stale, target=targets.trunk)


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL: SQLite serializes writers, so no two race"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_exactly_one_wins(tree, targets, acme_number):
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(target):
        try:
            barrier.wait()
            services.number_assign(actor=tree.acme_admin, number=acme_number, target=target)
            outcomes.append("won")
        except Conflict as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=assign, args=(target,))
        for target in (targets.pbx_user, targets.callapp_user)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1
    assert "already assigned to Acme" in sorted(outcomes)[0]
    assert Assignment.objects.filter(number=acme_number).count() == 1
    assert Event.objects.filter(action="number.assigned").count() == 1
