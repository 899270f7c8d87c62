import os
from types import SimpleNamespace

import pytest

from didhub.accounts.testing import build_tree

# Browser journeys start a live server; Django refuses that inside an event loop check.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The tests' webhook receivers and fake platforms listen on loopback, which a webhook may
# reach only with this setting (didhub.sync.targets); the SSRF tests turn it off. The
# environment carries it to the worker processes that some tests start.
os.environ.setdefault("DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS", "true")


def pytest_configure(config):
    from django.conf import settings

    settings.DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; a deliberately slow password hash only slows them down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tallies_agree_with_numbers(request):
    """After every test that used the database: the inventory tallies, kept by triggers,
    still count exactly the numbers there are, whatever path the test wrote them by."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif "db" in request.fixturenames or marker:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    from didhub.numbers.testing import tally_mismatches

    mismatches = tally_mismatches()
    assert not mismatches, f"tallies differ from the numbers (counted, tallied): {mismatches}"


@pytest.fixture
def tree(db):
    """The shared account tree (see didhub/accounts/testing.py)."""
    return build_tree()


@pytest.fixture
def catalog(tree):
    """Master's carriers and profiles; Master's defaults are its first carrier and profile."""
    from didhub.accounts import services as account_services
    from didhub.numbers.tests.factories import (
        CallingProfileFactory,
        CarrierFactory,
        SmsProfileFactory,
    )

    master = {"actor": tree.master_admin, "owner": tree.master}
    carrier = CarrierFactory(**master, name="TeamMate")
    other_carrier = CarrierFactory(**master, name="Lumen")
    profile = SmsProfileFactory(**master, carrier_name="Bandwidth", name="BW for Testing")
    calling = CallingProfileFactory(**master, name="Contact Centre", sbc_device="sbc-1")
    foreign_carrier = CarrierFactory(
        actor=tree.foreign_admin, owner=tree.foreign, name="Foreign Carrier"
    )
    account_services.account_update(
        actor=tree.platform_admin,
        account=tree.master,
        default_voice_carrier=carrier,
        default_sms_profile=profile,
    )
    return SimpleNamespace(
        carrier=carrier,
        other_carrier=other_carrier,
        profile=profile,
        calling=calling,
        foreign_carrier=foreign_carrier,
    )
