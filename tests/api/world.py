"""The API tests' inventory: numbers, targets and catalog in two tenants."""

from types import SimpleNamespace

from didhub.imports import adding
from didhub.numbers import services


def build_world(tree):
    """Numbers, targets and catalog in both tenants, built through the services (the
    numbers through an upload each, as the API adds them).

    Master uploads ``+12125550100..09`` (voice, direct routing); 00-04 go to Acme, 00 is
    assigned to Acme's PBX user. Foreign uploads ``+12125550190..91`` to Initech; 90 is
    assigned to Initech's PBX user.
    """
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="TeamMate")
    sms_profile = services.sms_profile_create(
        actor=tree.master_admin, owner=tree.master, carrier_name="Bandwidth", name="BW"
    )
    calling_profile = services.calling_profile_create(
        actor=tree.master_admin, owner=tree.master, name="Default", sbc_device="sbc-1"
    )
    foreign_carrier = services.carrier_create(
        actor=tree.foreign_admin, owner=tree.foreign, name="Foreign carrier"
    )
    ours = adding.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12125550100",
        end="+12125550109",
        voice=True,
        route="direct_routing",
        voice_carrier=carrier,
    )
    theirs = adding.numbers_add_range(
        actor=tree.foreign_admin,
        account=tree.foreign,
        start="+12125550190",
        end="+12125550191",
        voice=True,
        route="direct_routing",
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=ours[:5], to_account=tree.acme)
    services.numbers_delegate(actor=tree.foreign_admin, numbers=theirs, to_account=tree.initech)
    acme_user = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="pbx_user", name="Ada Lovelace"
    )
    acme_sms = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="sms_group", name="Support SMS"
    )
    initech_user = services.target_create(
        actor=tree.initech_admin, enterprise=tree.initech, kind="pbx_user", name="Peter Gibbons"
    )
    services.number_assign(actor=tree.acme_admin, number=ours[0], target=acme_user)
    services.number_assign(actor=tree.initech_admin, number=theirs[0], target=initech_user)
    return SimpleNamespace(
        carrier=carrier,
        sms_profile=sms_profile,
        calling_profile=calling_profile,
        foreign_carrier=foreign_carrier,
        ours=ours,
        theirs=theirs,
        acme_user=acme_user,
        acme_sms=acme_sms,
        initech_user=initech_user,
    )
