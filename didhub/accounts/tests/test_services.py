import pytest

from didhub.accounts import services
from didhub.accounts.choices import AccountKind, Role
from didhub.accounts.models import ApiToken, hash_token
from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import AppendOnlyError, Event


def test_tree_paths_nest(tree):
    assert tree.acme.path.startswith(tree.sub.path)
    assert tree.sub.path.startswith(tree.master.path)
    assert tree.acme.depth == 3


def test_account_create_writes_event(tree):
    account = services.account_create(
        actor=tree.master_admin, parent=tree.master, name="Hooli", kind=AccountKind.ENTERPRISE
    )
    event = Event.objects.get(action="account.created", object_id=account.pk)
    assert event.actor_label == "admin@master.test"
    assert event.after["name"] == "Hooli"
    assert event.account_path == account.path


def test_enterprise_cannot_have_children(tree):
    with pytest.raises(PolicyDenied, match="enterprise cannot have accounts"):
        services.account_create(
            actor=tree.platform_admin, parent=tree.acme, name="x", kind=AccountKind.ENTERPRISE
        )


def test_foreign_parent_is_not_visible(tree):
    with pytest.raises(NotVisible):
        services.account_create(
            actor=tree.master_admin, parent=tree.foreign, name="x", kind=AccountKind.ENTERPRISE
        )


def test_duplicate_name_in_parent_is_conflict(tree):
    with pytest.raises(Conflict):
        services.account_create(
            actor=tree.master_admin, parent=tree.master, name="Globex", kind=AccountKind.ENTERPRISE
        )


def test_reseller_grants_external_numbers_but_enterprise_cannot_grant_itself(tree):
    services.account_update(actor=tree.sub_admin, account=tree.acme, allow_external_numbers=True)
    tree.acme.refresh_from_db()
    assert tree.acme.allow_external_numbers
    with pytest.raises(PolicyDenied, match="set by your provider"):
        services.account_update(actor=tree.acme_admin, account=tree.acme, stations_purchased=1000)


def test_reseller_only_fields_refused_on_reseller(tree):
    with pytest.raises(ValidationFailed) as error:
        services.account_update(
            actor=tree.master_admin, account=tree.sub, allow_external_numbers=True
        )
    assert error.value.errors[0].field == "allow_external_numbers"


def test_viewer_changes_nothing(tree):
    with pytest.raises(PolicyDenied, match="Platform viewers"):
        services.account_update(actor=tree.platform_viewer, account=tree.master, name="x")


def test_role_must_fit_account_kind(tree):
    with pytest.raises(ValidationFailed):
        services.user_create(
            actor=tree.master_admin,
            account=tree.acme,
            email="x@acme.test",
            role=Role.RESELLER_ADMIN,
        )


def test_token_is_hashed_and_revocable(tree):
    token, key = services.token_create(actor=tree.acme_admin, name="ci", scope="write")
    assert key not in {token.key_hash, token.prefix}
    assert ApiToken.objects.usable().get(key_hash=hash_token(key)) == token
    services.token_revoke(actor=tree.acme_admin, token=token)
    assert not ApiToken.objects.usable().filter(pk=token.pk).exists()
    with pytest.raises(NotVisible):
        services.token_revoke(actor=tree.acme_viewer, token=token)


def test_viewer_gets_only_read_tokens(tree):
    with pytest.raises(ValidationFailed):
        services.token_create(actor=tree.acme_viewer, name="x", scope="write")


def test_events_are_append_only(tree):
    event = Event.objects.first()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().update(action="x")
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()


@pytest.mark.django_db
def test_database_refuses_to_rewrite_history(tree):
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_event SET action = 'x'")


def test_account_that_uploaded_numbers_held_elsewhere_is_not_deleted(tree):
    from didhub.accounts.tests.factories import AccountFactory, UserFactory
    from didhub.imports.tests.factories import NumberFactory
    from didhub.numbers.services import numbers_reclaim

    reseller = AccountFactory(
        actor=tree.master_admin, parent=tree.master, name="Hooli", kind=AccountKind.RESELLER
    )
    admin = UserFactory(actor=tree.master_admin, account=reseller, email="admin@hooli.test")
    number = NumberFactory(actor=admin, account=reseller, e164="+12125550199")
    numbers_reclaim(actor=tree.master_admin, numbers=[number])

    with pytest.raises(Conflict, match="numbers it uploaded"):
        services.account_delete(actor=tree.master_admin, account=reseller)
