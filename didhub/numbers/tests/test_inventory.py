"""Inventory figures: stations, numbers by state and capability, children, blocks."""

import pytest

from didhub.core.errors import NotVisible
from didhub.imports import adding
from didhub.numbers import selectors, services
from didhub.numbers.choices import NumberState, Route
from didhub.numbers.models import Number
from didhub.numbers.tests import test_selectors_inventory as shared

# One inventory for the whole module, rolled back after it (see shared_inventory).
shared_inventory = shared.shared_inventory


@pytest.fixture
def inventory(shared_inventory, db):
    return shared_inventory


def counts(owned, assigned, available, aging=0, reserved=0, porting_in=0) -> dict:
    return {
        "owned": owned,
        "assigned": assigned,
        "available": available,
        "aging": aging,
        "reserved": reserved,
        "porting_in": porting_in,
    }


def test_enterprise_inventory_by_capability_and_stations(inventory, django_assert_num_queries):
    tree = inventory.tree
    with django_assert_num_queries(3):
        figures = selectors.account_inventory(user=tree.acme_viewer, account=tree.acme)
    assert figures["account"] == {"id": tree.acme.pk, "name": "Acme Corp", "kind": "enterprise"}
    assert figures["numbers"] == {
        "all": counts(17, 12, 4, reserved=1),
        # sms_only_used is voice-capable and free for voice although SMS uses it.
        "voice": counts(14, 9, 4, reserved=1),
        "sms": counts(4, 3, 1),
        "fax": counts(1, 1, 0),
    }
    # In use: voice assignments to PBX/CallApp users, trunks and contact-center agents.
    assert figures["stations"] == {"purchased": 10, "in_use": 5, "available": 5}


def test_reseller_inventory_covers_its_subtree(inventory, django_assert_num_queries):
    tree = inventory.tree
    with django_assert_num_queries(2):
        figures = selectors.account_inventory(user=tree.sub_admin, account=tree.sub.pk)
    assert figures["stations"] is None
    assert figures["numbers"]["all"] == counts(19, 12, 5, aging=1, reserved=1)
    assert figures["numbers"]["sms"] == counts(5, 3, 1, aging=1)
    master = selectors.account_inventory(user=tree.platform_viewer, account=tree.master)
    assert master["numbers"]["all"] == counts(24, 13, 8, aging=1, reserved=1, porting_in=1)


def test_stations_without_quota_and_over_quota(inventory):
    tree = inventory.tree
    figures = selectors.account_inventory(user=tree.globex_admin, account=tree.globex)
    assert figures["stations"] == {"purchased": None, "in_use": 1, "available": None}
    from didhub.accounts import services as account_services

    account_services.account_update(actor=tree.sub_admin, account=tree.acme, stations_purchased=3)
    figures = selectors.account_inventory(user=tree.acme_admin, account=tree.acme)
    assert figures["stations"] == {"purchased": 3, "in_use": 5, "available": 0}


def test_inventory_of_a_parent_or_foreign_account_is_not_visible(inventory):
    tree = inventory.tree
    for user, account in (
        (tree.acme_admin, tree.sub),
        (tree.master_admin, tree.foreign),
        (tree.globex_admin, tree.acme),
        (tree.acme_admin, 999_999),
    ):
        with pytest.raises(NotVisible):
            selectors.account_inventory(user=user, account=account)


def summary(row) -> tuple:
    return (row["account"]["name"], row["owned"], row["assigned"], row["free"])


def test_children_utilization_in_one_grouped_query(inventory, django_assert_num_queries):
    tree = inventory.tree
    with django_assert_num_queries(2):
        rows = selectors.account_children_utilization(user=tree.master_admin, account=tree.master)
    assert [
        (row["account"]["name"], row["owned"], row["assigned"], row["free"]) for row in rows
    ] == [
        ("Globex", 2, 1, 1),
        ("Sub Reseller", 19, 12, 5),
    ]
    assert rows[1]["utilization"] == pytest.approx(12 / 19)
    top = selectors.account_children_utilization(user=tree.platform_viewer, account=tree.root)
    assert [
        (row["account"]["name"], row["owned"], row["assigned"], row["free"]) for row in top
    ] == [
        ("Foreign Reseller", 2, 1, 1),
        ("Master Reseller", 24, 13, 8),
    ]


def test_children_without_numbers_are_listed_with_zeros(inventory):
    tree = inventory.tree
    from didhub.accounts import services as account_services

    account_services.account_create(
        actor=tree.master_admin, parent=tree.sub, name="Empty Co", kind="enterprise"
    )
    rows = selectors.account_children_utilization(user=tree.sub_admin, account=tree.sub)
    assert [(row["account"]["name"], row["owned"], row["utilization"]) for row in rows] == [
        ("Acme Corp", 17, pytest.approx(12 / 17)),
        ("Empty Co", 0, 0.0),
    ]
    with pytest.raises(NotVisible):
        selectors.account_children_utilization(user=tree.acme_admin, account=tree.sub)


def test_block_utilization_by_owner(inventory, django_assert_max_num_queries):
    tree = inventory.tree
    block = services.block_create(
        actor=tree.master_admin, owner=tree.master, start="+12125550100", end="+12125550199"
    )
    # A longer number sorts between the block's ends as text; it is not part of it.
    longer = Number.objects.get(pk=inventory.numbers["free_dr"].pk)
    longer.pk, longer.e164 = None, "+121255501005"
    longer.save()
    with django_assert_max_num_queries(2):
        figures = selectors.block_utilization(user=tree.master_admin, block=block)
    assert figures["block"]["size"] == 100
    assert (figures["present"], figures["absent"]) == (18, 82)
    assert figures[NumberState.ASSIGNED] == 12
    assert figures[NumberState.AVAILABLE] == 4
    assert (figures[NumberState.RESERVED], figures[NumberState.AGING]) == (1, 1)
    assert figures["utilization"] == pytest.approx(0.12)
    assert [(o["account"]["name"], o["numbers"], o["assigned"]) for o in figures["by_owner"]] == [
        ("Acme Corp", 17, 12),
        ("Sub Reseller", 1, 0),
    ]
    with pytest.raises(NotVisible):
        selectors.block_utilization(user=tree.acme_admin, block=block)


def test_block_counts_only_numbers_the_user_may_see(inventory):
    tree = inventory.tree
    adding.number_add(
        actor=tree.foreign_admin,
        account=tree.foreign,
        e164="+13125550199",
        voice=True,
        route=Route.DIRECT_ROUTING,
    )
    block = services.block_create(
        actor=tree.master_admin, owner=tree.master, start="+13125550100", end="+13125550199"
    )
    figures = selectors.block_utilization(user=tree.master_admin, block=block)
    names = {owner["account"]["name"] for owner in figures["by_owner"]}
    assert names == {"Master Reseller", "Sub Reseller", "Globex"}
    assert figures["present"] == 6
