"""Portal fixtures: an inventory on the shared tree, built through the services."""

from dataclasses import dataclass

import pytest

from didhub.imports import adding
from didhub.numbers import services
from didhub.numbers.models import Number, Target
from didhub.sync import services as sync_services
from didhub.sync.choices import Connector, LinkMode


@dataclass
class Inventory:
    """Numbers of the master reseller, some delegated to Acme, and Acme's targets.

    ``+12125550100``..``+12125550109``: voice, direct routing, uploaded by Master;
    ``…0100``..``…0104`` delegated to Acme, ``…0100`` assigned to Alice (PBX user) and
    ``…0101`` (also SMS) to the Sales SMS group. ``+13125550100`` belongs to Initech
    (the foreign tenant).
    """

    master_numbers: list[Number]
    acme_numbers: list[Number]
    foreign_number: Number
    alice: Target
    sales: Target
    trunk: Target
    foreign_target: Target


@pytest.fixture
def inventory(tree) -> Inventory:
    master_numbers = adding.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12125550100",
        end="+12125550109",
        voice=True,
        sms=True,
        route="direct_routing",
    )
    acme_numbers = master_numbers[:5]
    services.numbers_delegate(actor=tree.master_admin, numbers=acme_numbers, to_account=tree.sub)
    services.numbers_delegate(actor=tree.sub_admin, numbers=acme_numbers, to_account=tree.acme)
    alice = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="pbx_user", name="Alice Adams"
    )
    sales = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="sms_group", name="Sales SMS"
    )
    trunk = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="trunk", name="Main trunk"
    )
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[0], target=alice)
    services.number_assign(actor=tree.acme_admin, number=acme_numbers[1], target=sales)
    foreign_number = adding.number_add(
        actor=tree.foreign_admin,
        account=tree.foreign,
        e164="+13125550100",
        voice=True,
        route="direct_routing",
    )
    services.numbers_delegate(
        actor=tree.foreign_admin, numbers=[foreign_number], to_account=tree.initech
    )
    foreign_target = services.target_create(
        actor=tree.initech_admin, enterprise=tree.initech, kind="pbx_user", name="Ivan"
    )
    return Inventory(
        master_numbers=[Number.objects.get(pk=n.pk) for n in master_numbers],
        acme_numbers=[Number.objects.get(pk=n.pk) for n in acme_numbers],
        foreign_number=Number.objects.get(pk=foreign_number.pk),
        alice=alice,
        sales=sales,
        trunk=trunk,
        foreign_target=foreign_target,
    )


@pytest.fixture
def acme_link(tree):
    """Acme's webhook link, made by its reseller, waiting for Acme's consent (non-integrated)."""
    link, _ = sync_services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.NON_INTEGRATED,
        name="Acme provisioning",
        endpoint="http://127.0.0.1:9/hook",
    )
    return link


@pytest.fixture(autouse=True)
def private_data_dir(settings, tmp_path):
    """Uploads and their work locks in this test's own folder, not the shared ./var."""
    settings.DATA_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
