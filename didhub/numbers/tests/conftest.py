"""Fixtures of the numbers app, all built through the services (numbers: through an upload)."""

from types import SimpleNamespace

import pytest

from didhub.core import audit
from didhub.imports import adding
from didhub.imports.tests.factories import NumberFactory
from didhub.numbers import services
from didhub.numbers.choices import Route, TargetKind, Usage
from didhub.numbers.models import Number
from didhub.numbers.tests.factories import TargetFactory

# A NANP block that libphonenumber accepts: +1 212 555 01xx.
NYC = "+121255501"


def e(n: int) -> str:
    """The n-th number of the test block: e(7) == '+12125550107'."""
    return f"{NYC}{n:02d}"


@pytest.fixture
def outbox(monkeypatch):
    """Records every hand-off to the sync outbox (and still makes it)."""
    calls = []
    original = audit.numbers_changed

    def recorder(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(audit, "numbers_changed", recorder)
    return calls


@pytest.fixture
def targets(tree):
    """One target of every kind in Acme, plus a PBX user in Globex and one in Initech."""
    acme = {"actor": tree.acme_admin, "enterprise": tree.acme}
    made = {
        kind: TargetFactory(**acme, kind=kind, name=f"Acme {kind}") for kind in TargetKind.values
    }
    made["globex_user"] = TargetFactory(
        actor=tree.globex_admin, enterprise=tree.globex, name="Globex user"
    )
    made["initech_user"] = TargetFactory(
        actor=tree.initech_admin, enterprise=tree.initech, name="Initech user"
    )
    return SimpleNamespace(**made)


def upload(actor, account, n: int, **attributes) -> Number:
    """Number e(n) uploaded by ``actor`` into ``account``: voice+SMS on direct routing
    unless ``attributes`` say otherwise (see ``NumberFactory``)."""
    return NumberFactory(actor=actor, account=account, e164=e(n), **attributes)


@pytest.fixture
def acme_number(tree):
    """+12125550100: uploaded by Master, delegated to Acme; voice+SMS, direct routing."""
    number = upload(tree.master_admin, tree.master, 0)
    services.numbers_delegate(actor=tree.master_admin, numbers=[number], to_account=tree.acme)
    number.refresh_from_db()
    return number


# Shapes of the numbers of ``acme_numbers``, by their last two digits.
SHAPES = {
    0: {},
    1: {},
    2: {"usage": Usage.SERVICE, "cac_limit": 5},
    3: {"route": Route.EXTERNAL_TRUNK},
    4: {"route": Route.OPERATOR_CONNECT},
    5: {"usage": Usage.CONTACT_CENTER, "cac_limit": 1},
    6: {"voice": False, "sms": True},
    7: {"voice": False, "sms": False, "fax": True},
    8: {},
    9: {},
}


@pytest.fixture
def acme_numbers(tree):
    """Ten numbers uploaded by Master and delegated to Acme, keyed by last two digits:

    0, 1, 8, 9 user on direct routing; 2 service; 3 external trunk; 4 Operator Connect;
    5 contact center; 6 SMS only; 7 fax only. All but 6 and 7 are voice+SMS.
    """
    master = tree.master_admin
    entries = []
    for n, shape in SHAPES.items():
        entry = {"e164": e(n), "voice": True, "sms": True, **shape}
        if entry["voice"]:
            entry.setdefault("route", Route.DIRECT_ROUTING)
        entries.append(entry)
    # One upload, as a reseller's file of ten rows.
    made = adding.numbers_add(actor=master, account=tree.master, entries=entries)
    services.numbers_delegate(actor=master, numbers=made, to_account=tree.acme)
    return {int(number.e164[-2:]): Number.objects.get(pk=number.pk) for number in made}
