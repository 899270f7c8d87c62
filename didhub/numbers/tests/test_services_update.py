"""Changing a number's attributes, and deleting numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.numbers import services
from didhub.numbers.models import Number
from didhub.numbers.tests.conftest import e, upload


def test_update_records_only_what_changed(tree, catalog, acme_number, outbox):
    number = services.number_update(
        actor=tree.sub_admin,
        number=acme_number,
        usage="service",
        cac_limit=8,
        voice_carrier=catalog.other_carrier,
        calling_profile=catalog.calling,
        tags="x;y",
        sip_connection="sip.acme.test",
    )
    assert (number.usage, number.cac_limit, number.tags) == ("service", 8, ";x;y;")
    event = Event.objects.get(action="number.updated")
    assert event.account_id == tree.acme.pk
    assert event.before["voice_carrier"] == {"id": catalog.carrier.pk, "name": "TeamMate"}
    assert event.after["voice_carrier"] == {"id": catalog.other_carrier.pk, "name": "Lumen"}
    assert set(event.after) == {
        "usage",
        "cac_limit",
        "voice_carrier",
        "calling_profile",
        "tags",
        "sip_connection",
    }
    assert outbox[-1] == {"action": "updated", "number_ids": [number.pk], "removed": []}


def test_turning_voice_off_clears_the_route_and_back_on_needs_one(tree, acme_number):
    number = services.number_update(actor=tree.sub_admin, number=acme_number, voice=False)
    assert (number.voice, number.route) == (False, "")
    with pytest.raises(ValidationFailed) as error:
        services.number_update(actor=tree.sub_admin, number=acme_number, voice=True)
    assert error.value.errors[0].field == "route"
    number = services.number_update(
        actor=tree.sub_admin, number=acme_number, voice=True, route="operator_connect"
    )
    assert number.route == "operator_connect"


def test_update_validation_is_field_keyed(tree, acme_number):
    cases = [
        ({"cac_limit": 5}, "cac_limit"),  # usage user: fixed at 2
        ({"usage": "vip"}, "usage"),
        ({"route": "pigeon"}, "route"),
        ({"owner": tree.master}, "owner"),
        ({"sip_connection": "x" * 201}, "sip_connection"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationFailed) as error:
            services.number_update(actor=tree.sub_admin, number=acme_number, **changes)
        assert error.value.errors[0].field == field, changes
    assert not Event.objects.filter(action="number.updated").exists()


def test_changing_usage_to_user_resets_the_cac(tree, acme_numbers):
    number = services.number_update(actor=tree.sub_admin, number=acme_numbers[2], usage="user")
    assert number.cac_limit == 2


def test_only_resellers_update(tree, acme_number):
    with pytest.raises(PolicyDenied, match="Only resellers change capabilities"):
        services.number_update(actor=tree.acme_admin, number=acme_number, sms=False)
    with pytest.raises(PolicyDenied, match="change nothing"):
        services.number_update(actor=tree.platform_viewer, number=acme_number, sms=False)
    with pytest.raises(NotVisible):
        services.number_update(actor=tree.foreign_admin, number=acme_number, sms=False)


def test_carrier_change_refused_while_assigned(tree, catalog, targets, acme_number):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.sms_user)
    with pytest.raises(PolicyDenied, match="carrier cannot change while the number is assigned"):
        services.number_update(
            actor=tree.sub_admin, number=acme_number, voice_carrier=catalog.other_carrier
        )
    # Other attributes still change.
    services.number_update(actor=tree.sub_admin, number=acme_number, service_info="desk 4")


def test_change_that_unfits_an_assignment_is_refused(tree, targets, acme_number):
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.pbx_user)
    with pytest.raises(Conflict, match=r"assigned to Acme pbx_user.*Unassign it first"):
        services.number_update(actor=tree.sub_admin, number=acme_number, route="external_trunk")
    with pytest.raises(Conflict, match="voice"):
        services.number_update(actor=tree.sub_admin, number=acme_number, voice=False)
    assert Number.objects.get(pk=acme_number.pk).route == "direct_routing"


def test_foreign_catalog_entry_is_refused(tree, catalog, acme_number):
    with pytest.raises(ValidationFailed) as error:
        services.number_update(
            actor=tree.sub_admin, number=acme_number, voice_carrier=catalog.foreign_carrier
        )
    assert error.value.errors[0].field == "voice_carrier"


def test_uploader_deletes_an_unused_number_and_its_history_stays(tree, outbox):
    number = upload(tree.master_admin, tree.master, 0)
    services.number_delete(actor=tree.master_admin, number=number)
    assert not Number.objects.exists()
    # Its arrival is its upload's (one event for the upload); its deletion is its own,
    # and keeps the upload it came from.
    [deleted] = Event.objects.filter(number_e164=e(0))
    assert deleted.action == "number.deleted"
    assert deleted.import_id == number.source_import_id is not None
    assert deleted.before["owner"] == {"id": tree.master.pk, "name": "Master Reseller"}
    assert outbox[-1]["removed"] == [
        {"number_id": number.pk, "e164": e(0), "owner_id": tree.master.pk}
    ]


def test_delete_refusals(tree, targets, acme_number):
    # Another reseller above or below the uploader may not delete (docs/domain.md,
    # "Deleting a number").
    sub_number = upload(tree.sub_admin, tree.sub, 40)
    with pytest.raises(PolicyDenied, match="Only the account that uploaded"):
        services.number_delete(actor=tree.master_admin, number=sub_number)
    # Delegated below the uploader: reclaim first.
    with pytest.raises(PolicyDenied, match="delegated to Acme Corp; reclaim it first"):
        services.number_delete(actor=tree.master_admin, number=acme_number)
    services.numbers_reclaim(actor=tree.master_admin, numbers=[acme_number])
    services.number_reserve(
        actor=tree.master_admin,
        number=acme_number,
        until=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(PolicyDenied, match="this one is reserved"):
        services.number_delete(actor=tree.master_admin, number=acme_number)
    with pytest.raises(NotVisible):
        services.number_delete(actor=tree.foreign_admin, number=sub_number)


def test_assigned_number_cannot_be_deleted_even_by_its_uploader(tree, targets):
    own = upload(tree.globex_admin, tree.globex, 41)
    services.number_assign(actor=tree.globex_admin, number=own, target=targets.globex_user)
    with pytest.raises(PolicyDenied, match="this one is assigned"):
        services.number_delete(actor=tree.globex_admin, number=own)
    services.number_unassign(actor=tree.globex_admin, number=own)
    services.number_delete(actor=tree.globex_admin, number=own)
