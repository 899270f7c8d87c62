"""The test factories build what production builds: through the services, numbers
through an upload (a batch as one upload), with the events each writes."""

import pytest

from didhub.accounts.choices import AccountKind, Role
from didhub.accounts.tests.factories import AccountFactory, UserFactory
from didhub.core.errors import PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.imports.models import Import
from didhub.imports.tests.factories import NumberFactory
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Number
from didhub.numbers.tests.factories import CallingProfileFactory, TargetFactory


def test_accounts_and_users_come_with_their_events_and_fitting_roles(tree):
    reseller = AccountFactory(actor=tree.master_admin, parent=tree.master, kind="reseller")
    enterprise = AccountFactory(actor=tree.master_admin, parent=reseller)
    assert (reseller.parent, reseller.kind) == (tree.master, AccountKind.RESELLER)
    assert (enterprise.parent, enterprise.kind) == (reseller, AccountKind.ENTERPRISE)
    assert Event.objects.filter(action="account.created", object_id=str(enterprise.pk)).exists()
    assert UserFactory(account=reseller).role == Role.RESELLER_ADMIN
    assert UserFactory(account=enterprise).role == Role.ENTERPRISE_ADMIN
    viewer = UserFactory(account=enterprise, role=Role.ENTERPRISE_VIEWER)
    assert viewer.role == Role.ENTERPRISE_VIEWER
    with pytest.raises(PolicyDenied):
        AccountFactory(actor=tree.acme_viewer, parent=tree.acme)


def test_a_number_comes_through_an_upload(tree):
    number = NumberFactory(actor=tree.master_admin, account=tree.master)
    assert (number.voice, number.sms, number.route) == (True, True, "direct_routing")
    assert number.source_import == Import.objects.get()
    assert not Event.objects.filter(number_e164=number.e164).exists()
    sms_only = NumberFactory(actor=tree.master_admin, account=tree.master, voice=False)
    assert (sms_only.voice, sms_only.route) == (False, "")
    with pytest.raises(ValidationFailed):
        NumberFactory(actor=tree.master_admin, account=tree.master, e164=number.e164)


def test_a_batch_is_one_upload_with_its_choices(tree, catalog):
    calling = CallingProfileFactory(actor=tree.master_admin, owner=tree.master)
    batch = NumberFactory.create_batch(
        4,
        actor=tree.master_admin,
        account=tree.acme,
        porting=True,
        voice_carrier=catalog.other_carrier,
        calling_profile=calling,
    )
    assert len({number.e164 for number in batch}) == 4
    run = Import.objects.get()
    assert (run.committed, run.account) == (4, tree.acme)
    assert set(Number.objects.values_list("state", "voice_carrier", "calling_profile")) == {
        (NumberState.PORTING_IN, catalog.other_carrier.pk, calling.pk)
    }
    assert Event.objects.filter(action="import.committed").count() == 1


def test_targets_are_made_by_the_enterprise(tree):
    alice = TargetFactory(actor=tree.acme_admin, enterprise=tree.acme, name="Alice")
    assert (alice.enterprise, alice.kind, alice.name) == (tree.acme, "pbx_user", "Alice")
    with pytest.raises(PolicyDenied):
        TargetFactory(actor=tree.acme_viewer, enterprise=tree.acme)
