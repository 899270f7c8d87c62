"""An account's default carrier and SMS profile, kept by numbers and set as the account's.

They live in ``numbers.AccountDefaults`` (accounts never imports numbers) and reach the
account services and API through ``didhub.accounts.parts``: same request, same answer,
same transaction and same event as the account's own settings. The migration moves the
values of an existing database and back.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from didhub.accounts import parts
from didhub.accounts import services as account_services
from didhub.accounts.choices import AccountKind
from didhub.core.errors import ValidationFailed
from didhub.core.models import Event
from didhub.numbers import account_defaults, services
from didhub.numbers.models import AccountDefaults

FIELDS = ("default_voice_carrier", "default_sms_profile")


def updates_of(account) -> list[Event]:
    return list(Event.objects.filter(action="account.updated", object_id=account.pk).order_by("id"))


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_numbers_registers_the_defaults_as_settings_of_the_account():
    assert parts.field_names() == FIELDS
    assert parts.own_editable() == set(FIELDS)


def test_a_default_change_is_recorded_in_the_account_event_of_its_transaction(tree, catalog):
    account_services.account_update(
        actor=tree.master_admin, account=tree.sub, default_voice_carrier=catalog.other_carrier
    )
    (event,) = updates_of(tree.sub)
    assert event.before == {"default_voice_carrier": None}
    assert event.after == {"default_voice_carrier": catalog.other_carrier.pk}
    assert account_defaults.stored(tree.sub) == {
        "default_voice_carrier": catalog.other_carrier.pk,
        "default_sms_profile": None,
    }

    # A name and a default in one change: one event with both.
    account_services.account_update(
        actor=tree.master_admin,
        account=tree.sub,
        name="Sub Reseller Two",
        default_voice_carrier=None,
        default_sms_profile=catalog.profile,
    )
    last = updates_of(tree.sub)[-1]
    assert last.before == {
        "name": "Sub Reseller",
        "default_voice_carrier": catalog.other_carrier.pk,
        "default_sms_profile": None,
    }
    assert last.after == {
        "name": "Sub Reseller Two",
        "default_voice_carrier": None,
        "default_sms_profile": catalog.profile.pk,
    }


def test_saving_unchanged_defaults_writes_and_records_nothing(tree, catalog):
    tree.master.refresh_from_db()
    recorded = updates_of(tree.master)  # the catalog's defaults, set by the platform
    account = account_services.account_update(
        actor=tree.master_admin,
        account=tree.master,
        name=tree.master.name,
        default_voice_carrier=catalog.carrier,
        default_sms_profile=catalog.profile,
    )
    assert updates_of(tree.master) == recorded
    assert account.updated_at == tree.master.updated_at


def test_a_refused_default_leaves_the_account_as_it_was(tree, catalog):
    with pytest.raises(ValidationFailed) as refused:
        account_services.account_update(
            actor=tree.platform_admin,
            account=tree.master,
            name="Renamed",
            default_voice_carrier=catalog.foreign_carrier,
        )
    assert [(item.field, item.code) for item in refused.value.errors] == [
        ("default_voice_carrier", "not_usable")
    ]
    tree.master.refresh_from_db()
    assert tree.master.name != "Renamed"
    assert account_defaults.stored(tree.master)["default_voice_carrier"] == catalog.carrier.pk
    assert len(updates_of(tree.master)) == 1  # the catalog's defaults, set by the platform


def test_a_default_of_the_wrong_kind_is_refused_by_name(tree, catalog):
    with pytest.raises(ValidationFailed) as refused:
        account_services.account_update(
            actor=tree.master_admin, account=tree.sub, default_voice_carrier=catalog.profile
        )
    assert [(item.field, item.code) for item in refused.value.errors] == [
        ("default_voice_carrier", "invalid")
    ]
    assert not AccountDefaults.objects.filter(account=tree.sub).exists()


def test_a_new_account_is_created_with_its_defaults_in_its_created_event(tree, catalog):
    account = account_services.account_create(
        actor=tree.master_admin,
        parent=tree.master,
        name="Tailspin",
        kind=AccountKind.ENTERPRISE,
        default_sms_profile=catalog.profile,
    )
    event = Event.objects.get(action="account.created", object_id=account.pk)
    assert event.after["default_voice_carrier"] is None
    assert event.after["default_sms_profile"] == catalog.profile.pk
    assert account_defaults.stored(account)["default_sms_profile"] == catalog.profile.pk


def test_uploads_inherit_each_default_from_the_nearest_account_that_has_one(tree, catalog):
    # Master has both; Sub sets only a voice carrier of its own.
    own = services.carrier_create(actor=tree.sub_admin, owner=tree.sub, name="Harbor Voice")
    account_services.account_update(
        actor=tree.sub_admin, account=tree.sub, default_voice_carrier=own
    )
    assert account_defaults.default_carriers(tree.sub) == (own.pk, catalog.profile.pk)
    master = (catalog.carrier.pk, catalog.profile.pk)
    assert account_defaults.default_carriers(tree.master) == master
    assert account_defaults.default_carriers(tree.foreign) == (None, None)


def test_deleting_a_default_carrier_empties_the_default(tree, catalog):
    spare = services.carrier_create(actor=tree.sub_admin, owner=tree.sub, name="Spare")
    account_services.account_update(
        actor=tree.sub_admin, account=tree.sub, default_voice_carrier=spare
    )
    services.carrier_delete(actor=tree.sub_admin, carrier=spare)
    assert account_defaults.stored(tree.sub)["default_voice_carrier"] is None


def test_deleting_an_account_deletes_its_defaults(tree, catalog):
    account = account_services.account_create(
        actor=tree.master_admin,
        parent=tree.master,
        name="Short Lived",
        kind=AccountKind.RESELLER,
        default_voice_carrier=catalog.carrier,
    )
    account_services.account_delete(actor=tree.master_admin, account=account)
    assert not AccountDefaults.objects.filter(account_id=account.pk).exists()


def test_the_api_shows_the_defaults_after_the_location_country(tree, catalog):
    answer = client_of(tree.master_admin).get(f"/api/v1/accounts/{tree.master.pk}/").json()
    keys = list(answer)
    assert keys[keys.index("location_country") + 1 : keys.index("aging_days")] == list(FIELDS)
    assert (answer["default_voice_carrier"], answer["default_sms_profile"]) == (
        catalog.carrier.pk,
        catalog.profile.pk,
    )
    sub = client_of(tree.master_admin).get(f"/api/v1/accounts/{tree.sub.pk}/").json()
    assert (sub["default_voice_carrier"], sub["default_sms_profile"]) == (None, None)


def test_a_page_of_accounts_reads_their_defaults_in_the_same_query(tree, catalog, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client = client_of(tree.platform_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/accounts/").status_code == 200
        return len(captured)

    few = queries()
    for index in range(3):
        account = account_services.account_create(
            actor=tree.master_admin,
            parent=tree.master,
            name=f"Extra {index}",
            kind=AccountKind.ENTERPRISE,
            default_voice_carrier=catalog.carrier,
        )
        assert account_defaults.stored(account)["default_voice_carrier"] == catalog.carrier.pk
    assert queries() == few


def test_the_api_sets_only_defaults_the_caller_sees_and_the_account_may_use(tree, catalog):
    client = client_of(tree.master_admin)
    url = f"/api/v1/accounts/{tree.sub.pk}/"
    # Another tenant's carrier does not exist for Master: the same answer as a missing id.
    response = client.patch(url, {"default_voice_carrier": catalog.foreign_carrier.pk}, "json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "default_voice_carrier"
    assert not AccountDefaults.objects.filter(account=tree.sub).exists()

    response = client.patch(url, {"default_sms_profile": catalog.profile.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["default_sms_profile"] == catalog.profile.pk
    response = client.patch(url, {"default_sms_profile": None}, format="json")
    assert response.json()["default_sms_profile"] is None
    assert [event.after for event in updates_of(tree.sub)] == [
        {"default_sms_profile": catalog.profile.pk},
        {"default_sms_profile": None},
    ]


# -- the migration, on a database holding accounts with defaults -----------------------

BEFORE = [("numbers", "0007_e164_bytewise"), ("accounts", "0003_professional_role")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_defaults_to_numbers_and_back():
    try:
        old = migrate(BEFORE)
        Account = old.get_model("accounts", "Account")
        Carrier = old.get_model("numbers", "Carrier")
        SmsProfile = old.get_model("numbers", "SmsProfile")
        root = Account.objects.create(name="Platform", kind="platform", path="/0/")
        Account.objects.filter(pk=root.pk).update(path=f"/{root.pk}/")

        def below(name, **defaults):
            account = Account.objects.create(
                name=name, kind="reseller", parent=root, path=f"/{root.pk}/{name}/", **defaults
            )
            Account.objects.filter(pk=account.pk).update(path=f"/{root.pk}/{account.pk}/")
            return account.pk

        carrier = Carrier.objects.create(owner_id=root.pk, name="TeamMate")
        profile = SmsProfile.objects.create(owner_id=root.pk, carrier_name="Bandwidth", name="BW")
        both = below("both", default_voice_carrier=carrier, default_sms_profile=profile)
        sms_only = below("sms", default_sms_profile=profile)
        neither = below("none")

        migrate(latest())
        rows = set(
            AccountDefaults.objects.values_list("account_id", "voice_carrier_id", "sms_profile_id")
        )
        assert rows == {(both, carrier.pk, profile.pk), (sms_only, None, profile.pk)}
        assert not AccountDefaults.objects.filter(account_id__in=[root.pk, neither]).exists()

        # The old columns no longer hold a carrier back from deletion.
        spare = Carrier.objects.create(owner_id=root.pk, name="Spare")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_account SET default_voice_carrier_id = %s WHERE id = %s",
                [spare.pk, neither],
            )
        from didhub.numbers.models import Carrier as CurrentCarrier

        CurrentCarrier.objects.filter(pk=spare.pk).delete()

        AccountDefaults.objects.filter(account_id=sms_only).update(voice_carrier_id=carrier.pk)
        old = migrate(BEFORE)
        restored = set(
            old.get_model("accounts", "Account").objects.values_list(
                "pk", "default_voice_carrier_id", "default_sms_profile_id"
            )
        )
        assert restored == {
            (root.pk, None, None),
            (both, carrier.pk, profile.pk),
            (sms_only, carrier.pk, profile.pk),
            (neither, None, None),
        }
    finally:
        migrate(latest())
