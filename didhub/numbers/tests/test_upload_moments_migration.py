"""numbers/0010: moments an older upload wrote on SQLite with an offset are found again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from didhub.accounts.models import Account, User
from didhub.core.db import is_postgresql
from didhub.numbers.models import Number

BEFORE = [("numbers", "0009_released_by_index")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def stored(pk: int) -> tuple[str, str]:
    """The moments as text, as SQLite holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT created_at || '', updated_at || '' FROM numbers_number WHERE id = %s", [pk]
        )
        return cursor.fetchone()


@pytest.mark.skipif(is_postgresql(), reason="PostgreSQL stores moments as timestamptz")
@pytest.mark.django_db(transaction=True)
def test_an_older_uploads_moments_lose_their_offset_and_lookups_find_them():
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        OldAccount = old.get_model("accounts", "Account")
        OldNumber = old.get_model("numbers", "Number")
        root = OldAccount.objects.create(name="Platform", kind="platform", path="/0/")
        OldAccount.objects.filter(pk=root.pk).update(path=f"/{root.pk}/")
        user = old.get_model("accounts", "User").objects.create(
            email="ops@moments.test", account_id=root.pk, role="platform_admin"
        )
        held = {"country_code": 1, "owner_id": root.pk, "uploaded_by_id": user.pk}
        uploaded = OldNumber.objects.create(e164="+12125550100", **held)
        added = OldNumber.objects.create(e164="+12125550101", **held)
        # As an upload before this release stored them: Python's text of an aware moment.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE numbers_number SET created_at = (created_at || '+00:00'), "
                "updated_at = (updated_at || '+00:00') WHERE id = %s",
                [uploaded.pk],
            )
        assert stored(uploaded.pk)[0].endswith("+00:00")
        assert not Number.objects.filter(created_at=uploaded.created_at).exists()

        migrate(leaf)

        assert not any(text.endswith("+00:00") for text in stored(uploaded.pk))
        assert Number.objects.get(created_at=uploaded.created_at).pk == uploaded.pk
        assert Number.objects.get(created_at=added.created_at).pk == added.pk
    finally:
        migrate(leaf)
        Number.objects.all().delete()
        User.objects.all().delete()
        Account.objects.all().delete()
