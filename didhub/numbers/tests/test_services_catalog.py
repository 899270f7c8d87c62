"""Targets, carriers, profiles and blocks."""

import pytest

from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.numbers import services
from didhub.numbers.models import Block, Carrier, Target


def test_target_lifecycle_with_events(tree):
    target = services.target_create(
        actor=tree.acme_admin,
        enterprise=tree.acme,
        kind="pbx_user",
        name=" Alice ",
        email="alice@acme.test",
    )
    assert target.name == "Alice"
    created = Event.objects.get(action="target.created")
    assert (created.account_id, created.after["kind"]) == (tree.acme.pk, "pbx_user")
    services.target_update(actor=tree.acme_admin, target=target, name="Alice B")
    updated = Event.objects.get(action="target.updated")
    assert (updated.before, updated.after) == ({"name": "Alice"}, {"name": "Alice B"})
    services.target_delete(actor=tree.acme_admin, target=target)
    assert not Target.objects.exists()
    assert Event.objects.get(action="target.deleted").before["name"] == "Alice B"


def test_target_rules(tree, targets, acme_number):
    with pytest.raises(ValidationFailed) as error:
        services.target_create(actor=tree.acme_admin, enterprise=tree.acme, kind="robot", name="x")
    assert error.value.errors[0].field == "kind"
    with pytest.raises(Conflict):
        services.target_create(
            actor=tree.acme_admin, enterprise=tree.acme, kind="pbx_user", name="Acme pbx_user"
        )
    with pytest.raises(PolicyDenied, match="belong to enterprises"):
        services.target_create(actor=tree.sub_admin, enterprise=tree.sub, kind="trunk", name="t")
    with pytest.raises(NotVisible):
        services.target_create(
            actor=tree.acme_admin, enterprise=tree.globex, kind="trunk", name="t"
        )
    with pytest.raises(PolicyDenied):
        services.target_create(actor=tree.acme_viewer, enterprise=tree.acme, kind="trunk", name="t")
    with pytest.raises(ValidationFailed, match="kind cannot change"):
        services.target_update(actor=tree.acme_admin, target=targets.trunk, kind="pbx_user")
    services.number_assign(actor=tree.acme_admin, number=acme_number, target=targets.trunk)
    with pytest.raises(Conflict, match="still uses numbers"):
        services.target_delete(actor=tree.acme_admin, target=targets.trunk)


def test_carriers_and_profiles(tree, catalog, acme_number):
    assert str(catalog.profile) == "Bandwidth(BW for Testing) - (Master Reseller)"
    assert Event.objects.filter(action="carrier.created").count() == 3
    services.carrier_update(actor=tree.master_admin, carrier=catalog.other_carrier, name="Lumen 2")
    assert Carrier.objects.get(pk=catalog.other_carrier.pk).name == "Lumen 2"
    with pytest.raises(Conflict, match="Numbers still use TeamMate"):
        services.carrier_delete(actor=tree.master_admin, carrier=catalog.carrier)
    services.carrier_delete(actor=tree.master_admin, carrier=catalog.other_carrier)
    with pytest.raises(PolicyDenied, match="Only resellers manage carriers"):
        services.carrier_create(actor=tree.acme_admin, owner=tree.acme, name="Mine")
    with pytest.raises(NotVisible):
        services.carrier_update(actor=tree.master_admin, carrier=catalog.foreign_carrier, name="x")
    with pytest.raises(Conflict):
        services.sms_profile_create(
            actor=tree.master_admin,
            owner=tree.master,
            carrier_name="Bandwidth",
            name="BW for Testing",
        )
    services.calling_profile_update(
        actor=tree.master_admin, calling_profile=catalog.calling, sbc_device="sbc-2"
    )
    assert Event.objects.get(action="calling_profile.updated").after == {"sbc_device": "sbc-2"}
    services.sms_profile_update(actor=tree.master_admin, sms_profile=catalog.profile, name="BW 2")
    with pytest.raises(Conflict):
        services.sms_profile_delete(actor=tree.master_admin, sms_profile=catalog.profile)


def test_blocks(tree):
    block = services.block_create(
        actor=tree.master_admin, owner=tree.master, start="+1 212 555 0100", end="+12125550199"
    )
    assert (block.start, block.end, block.size) == ("+12125550100", "+12125550199", 100)
    assert Event.objects.get(action="block.created").after["size"] == 100
    with pytest.raises(ValidationFailed, match="Overlaps"):
        services.block_create(
            actor=tree.sub_admin, owner=tree.sub, start="+12125550150", end="+12125550250"
        )
    with pytest.raises(ValidationFailed) as error:
        services.block_create(
            actor=tree.master_admin, owner=tree.master, start="+12125550300", end="+12125550200"
        )
    assert error.value.errors[0].field == "end"
    with pytest.raises(PolicyDenied):
        services.block_create(
            actor=tree.acme_admin, owner=tree.acme, start="+12125551000", end="+12125551009"
        )
    services.block_delete(actor=tree.master_admin, block=block)
    assert not Block.objects.exists()
