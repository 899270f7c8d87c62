"""The hand-built inventory the selector tests share, and the checks of its shape.

Other selector test modules import ``build_inventory``; it is built through the
services, so every state and denormalized column is what production writes.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from didhub.accounts.testing import build_tree
from didhub.imports import adding
from didhub.numbers import services
from didhub.numbers.choices import NumberState, Route, TargetKind, Usage
from didhub.numbers.models import Number, Target


@dataclass
class Inventory:
    """A hand-built inventory on the shared tree (see ``inventory`` below)."""

    tree: object
    numbers: dict[str, Number]
    targets: dict[str, Target]

    def e164s(self, *labels: str) -> set[str]:
        return {self.numbers[label].e164 for label in labels}

    def number(self, label: str) -> Number:
        return Number.objects.get(pk=self.numbers[label].pk)


# label -> (e164, owner, attributes). Resellers' and "acme" numbers are uploaded by the
# master reseller and delegated down; "globex" uploads its own (external) numbers.
NUMBERS = {
    "pbx": ("+12125550101", "acme", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "trunk": ("+12125550102", "acme", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "callapp": ("+12125550103", "acme", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "et": ("+12125550104", "acme", {"voice": True, "route": Route.EXTERNAL_TRUNK}),
    "oc": ("+12125550105", "acme", {"voice": True, "route": Route.OPERATOR_CONNECT}),
    "sms_user": ("+12125550106", "acme", {"sms": True}),
    "pbx_and_sms": (
        "+12125550107",
        "acme",
        {"voice": True, "sms": True, "route": Route.DIRECT_ROUTING},
    ),
    "sms_only_used": (
        "+12125550108",
        "acme",
        {"voice": True, "sms": True, "route": Route.DIRECT_ROUTING},
    ),
    "fax": ("+12125550109", "acme", {"fax": True}),
    "agent": (
        "+12125550110",
        "acme",
        {
            "voice": True,
            "route": Route.DIRECT_ROUTING,
            "usage": Usage.CONTACT_CENTER,
            "cac_limit": 4,
        },
    ),
    "service": ("+12125550111", "acme", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "group": ("+12125550112", "acme", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "free_dr": ("+12125550113", "acme", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "free_et": ("+12125550114", "acme", {"voice": True, "route": Route.EXTERNAL_TRUNK}),
    "free_oc": ("+12125550115", "acme", {"voice": True, "route": Route.OPERATOR_CONNECT}),
    "free_sms": ("+12125550116", "acme", {"sms": True}),
    "reserved": ("+12125550117", "acme", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "aging": (
        "+12125550118",
        "acme",
        {"voice": True, "sms": True, "route": Route.DIRECT_ROUTING},
    ),
    "porting": (
        "+13125550119",
        "master",
        {"voice": True, "route": Route.DIRECT_ROUTING, "porting": True},
    ),
    "globex_external": ("+13125550120", "globex", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "globex_pbx": (
        "+13125550121",
        "globex_via_master",
        {"voice": True, "route": Route.DIRECT_ROUTING},
    ),
    "master_voice": ("+13125550122", "master", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "master_sms": ("+13125550123", "master", {"sms": True}),
    "sub_voice": ("+13125550124", "sub", {"voice": True, "route": Route.EXTERNAL_TRUNK}),
    "initech_free": ("+442071234501", "initech", {"voice": True, "route": Route.DIRECT_ROUTING}),
    "initech_pbx": ("+442071234502", "initech", {"voice": True, "route": Route.DIRECT_ROUTING}),
}

# label -> (target name, kind) used for the number of the same label, per channel.
ASSIGNMENTS = {
    "pbx": [("Alice", TargetKind.PBX_USER)],
    "trunk": [("Main trunk", TargetKind.TRUNK)],
    "callapp": [("Carol", TargetKind.CALLAPP_USER)],
    "et": [("Carrier ET", TargetKind.EXTERNAL_TRUNK)],
    "oc": [("Teams OC", TargetKind.OPERATOR_CONNECT_TRUNK)],
    "sms_user": [("Dave texts", TargetKind.SMS_USER)],
    "pbx_and_sms": [("Bob", TargetKind.PBX_USER), ("Support texts", TargetKind.SMS_GROUP)],
    "sms_only_used": [("Support texts", TargetKind.SMS_GROUP)],
    "fax": [("Office fax", TargetKind.FAX)],
    "agent": [("Agent Erin", TargetKind.CONTACT_CENTER_AGENT)],
    "service": [("Voicemail", TargetKind.SERVICE)],
    "group": [("Sales hunt group", TargetKind.GROUP)],
}


def build_inventory(tree) -> Inventory:
    """Numbers in every state, assigned on every channel to every target kind, held by
    several owners on both sides of the tenant boundary, all through the services."""
    uploader = {
        "acme": (tree.master_admin, tree.master),
        "sub": (tree.master_admin, tree.master),
        "master": (tree.master_admin, tree.master),
        "globex": (tree.globex_admin, tree.globex),
        "globex_via_master": (tree.master_admin, tree.master),
        "initech": (tree.foreign_admin, tree.foreign),
    }
    # owner -> the steps down the tree: (acting user, account the numbers go to).
    delegate = {
        "acme": [(tree.master_admin, tree.sub), (tree.sub_admin, tree.acme)],
        "sub": [(tree.master_admin, tree.sub)],
        "globex_via_master": [(tree.master_admin, tree.globex)],
        "initech": [(tree.foreign_admin, tree.initech)],
    }
    numbers = {}
    for owner, (actor, account) in uploader.items():
        labels = [label for label, (_, held_by, _) in NUMBERS.items() if held_by == owner]
        # Porting is a choice of the whole upload: numbers still porting come in apart.
        for porting in (False, True):
            batch = [
                label for label in labels if NUMBERS[label][2].get("porting", False) is porting
            ]
            if not batch:
                continue
            entries = [{"e164": NUMBERS[label][0], **NUMBERS[label][2]} for label in batch]
            for entry in entries:
                entry.pop("porting", None)
            added = adding.numbers_add(
                actor=actor, account=account, entries=entries, porting=porting
            )
            by_e164 = {number.e164: number for number in added}
            numbers.update((label, by_e164[NUMBERS[label][0]]) for label in batch)
        for step_actor, to_account in delegate.get(owner, []):
            services.numbers_delegate(
                actor=step_actor,
                numbers=[numbers[label] for label in labels],
                to_account=to_account,
            )
    targets = {}

    def target(enterprise, actor, name, kind):
        key = (enterprise.pk, name, kind)
        if key not in targets:
            targets[key] = services.target_create(
                actor=actor, enterprise=enterprise, kind=kind, name=name
            )
        return targets[key]

    for label, uses in ASSIGNMENTS.items():
        for name, kind in uses:
            services.number_assign(
                actor=tree.acme_admin,
                number=numbers[label],
                target=target(tree.acme, tree.acme_admin, name, kind),
            )
    services.number_assign(
        actor=tree.globex_admin,
        number=numbers["globex_pbx"],
        target=target(tree.globex, tree.globex_admin, "Gus", TargetKind.PBX_USER),
    )
    services.number_assign(
        actor=tree.initech_admin,
        number=numbers["initech_pbx"],
        target=target(tree.initech, tree.initech_admin, "Peter", TargetKind.PBX_USER),
    )
    services.number_reserve(
        actor=tree.acme_admin,
        number=numbers["reserved"],
        until=timezone.now() + timedelta(days=7),
    )
    services.number_release(actor=tree.acme_admin, number=numbers["aging"])
    return Inventory(
        tree=tree,
        numbers={label: Number.objects.get(pk=number.pk) for label, number in numbers.items()},
        targets={name: value for (_, name, _), value in targets.items()},
    )


@pytest.fixture(scope="module")
def shared_inventory(django_db_setup, django_db_blocker):
    """One inventory per test module, rolled back after the module.

    Each test's own ``db`` transaction nests inside as a savepoint, so a test that
    changes something leaves the next one the same inventory, built once.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_inventory(build_tree())
        transaction.set_rollback(True)


@pytest.fixture
def inventory(shared_inventory, db):
    return shared_inventory


def test_inventory_has_every_state_and_channel(inventory):
    numbers = {label: inventory.number(label) for label in inventory.numbers}
    assert numbers["reserved"].state == NumberState.RESERVED
    assert numbers["aging"].state == NumberState.AGING
    assert numbers["aging"].owner == inventory.tree.sub
    assert numbers["porting"].state == NumberState.PORTING_IN
    assert numbers["pbx_and_sms"].voice_target_kind == TargetKind.PBX_USER
    assert numbers["pbx_and_sms"].sms_target_kind == TargetKind.SMS_GROUP
    assert numbers["sms_only_used"].voice_target_kind == ""
    assert numbers["fax"].fax_target_kind == TargetKind.FAX
    assert numbers["globex_external"].external
    assert not numbers["globex_pbx"].external
    assert numbers["globex_pbx"].owner == inventory.tree.globex
    assert not numbers["pbx"].external
    assert numbers["pbx"].owner == inventory.tree.acme
    assert numbers["initech_pbx"].owner == inventory.tree.initech
    kinds = {kind for uses in ASSIGNMENTS.values() for _, kind in uses}
    assert kinds == set(TargetKind.values)
