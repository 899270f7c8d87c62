"""Inventory tallies: kept by the database on every write, folded by housekeeping, exact.

Every test of the suite that uses the database ends by checking that the tallies count
exactly the numbers there are (``tallies_agree_with_numbers`` in the root conftest), so
each write path the suite walks (upload, bulk actions, API, portal, transfer) is
checked; these tests hold what that check cannot see: how the rows are kept.
"""

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from didhub.accounts.models import Account, User
from didhub.core import housekeeping
from didhub.core.db import is_postgresql
from didhub.imports import adding
from didhub.numbers import selectors, services
from didhub.numbers.choices import Activity, NumberState, TargetKind
from didhub.numbers.models import TALLY_KEY, Number, Tally
from didhub.numbers.rules import STATION_KINDS
from didhub.numbers.testing import tally_mismatches
from didhub.numbers.tests.conftest import e

BEFORE = [("numbers", "0010_sqlite_upload_moments")]


def add_ten(tree) -> list[Number]:
    return adding.numbers_add_range(
        actor=tree.master_admin, account=tree.master, start=e(0), end=e(9)
    )


def rows_per_combination() -> int:
    combinations = Tally.objects.values(*TALLY_KEY).distinct().count()
    return Tally.objects.count() / combinations


def compact() -> dict:
    (outcome,) = housekeeping.run(only={"numbers.tallies"})
    return outcome.result


def test_each_write_adds_its_change_and_housekeeping_folds_them(tree):
    numbers = add_ten(tree)
    for number in numbers[:3]:
        services.number_update(actor=tree.master_admin, number=number, sms=True)
    services.number_delete(actor=tree.master_admin, number=numbers[9])
    before = selectors.account_inventory(user=tree.master_admin, account=tree.master)
    rows_before = Tally.objects.count()

    removed = compact()["removed"]

    assert selectors.account_inventory(user=tree.master_admin, account=tree.master) == before
    assert before["numbers"]["all"]["owned"] == 9
    assert before["numbers"]["sms"]["owned"] == 3
    assert rows_per_combination() == 1
    assert not Tally.objects.filter(numbers=0).exists()
    assert removed == rows_before - Tally.objects.count()
    if is_postgresql():
        # For the master and the platform above it, each: the upload's row, two per
        # update (-1 and +1), the delete's: 16 rows become 4.
        assert removed == 12
    assert compact()["removed"] == 0


def test_a_write_that_changes_no_counted_column_adds_no_row(tree):
    numbers = add_ten(tree)
    compact()
    rows = Tally.objects.count()
    services.number_update(actor=tree.master_admin, number=numbers[0], service_info="Lobby")
    assert Tally.objects.count() == rows


def test_an_account_without_numbers_left_keeps_no_row_after_folding(tree):
    numbers = add_ten(tree)
    for number in numbers:
        services.number_delete(actor=tree.master_admin, number=number)
    compact()
    assert not Tally.objects.filter(account=tree.master).exists()


def test_a_number_counts_towards_its_owner_and_every_account_above_it(tree):
    adding.numbers_add_range(actor=tree.sub_admin, account=tree.sub, start=e(0), end=e(3))
    held = {
        account.name: Tally.objects.filter(account=account).aggregate(n=Sum("numbers"))["n"]
        for account in (tree.root, tree.master, tree.sub, tree.acme, tree.foreign)
    }
    assert held == {
        "Platform": 4,
        "Master Reseller": 4,
        "Sub Reseller": 4,
        "Acme Corp": None,
        "Foreign Reseller": None,
    }


def test_the_triggers_know_the_target_kinds_that_use_a_station(tree):
    """``voice_station`` follows ``rules.STATION_KINDS``, which the triggers write out:
    a kind added to the rule without a migration that rewrites them fails here."""
    (number,) = adding.numbers_add_range(
        actor=tree.master_admin, account=tree.master, start=e(0), end=e(0)
    )
    for kind in TargetKind.values:
        Number.objects.filter(pk=number.pk).update(
            state=NumberState.ASSIGNED, voice_target_kind=kind
        )
        assert Tally.objects.stations_in_use(tree.master.pk) == (kind in STATION_KINDS), kind


@pytest.mark.skipif(not is_postgresql(), reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_folding_while_another_transaction_writes_counts_that_write_once(tree):
    numbers = add_ten(tree)
    services.number_update(actor=tree.master_admin, number=numbers[0], sms=True)
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = False
        other.execute(
            "UPDATE numbers_number SET activity = %s WHERE id = %s",
            [Activity.ACTIVE, numbers[1].pk],
        )
        compact()  # cannot see the other transaction's row, and must not wait for it
        other.commit()
    finally:
        other.close()
    assert not tally_mismatches()
    compact()
    assert rows_per_combination() == 1
    assert not tally_mismatches()


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_numbers_already_there():
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        executor.loader.build_graph()
        old = executor.loader.project_state(BEFORE).apps
        root = old.get_model("accounts", "Account").objects.create(
            name="Platform", kind="platform", path=""
        )
        root.path = f"/{root.pk}/"
        root.save()
        user = old.get_model("accounts", "User").objects.create(
            email="ops@tallies.test", account_id=root.pk, role="platform_admin"
        )
        held = {"country_code": 1, "owner_id": root.pk, "uploaded_by_id": user.pk}
        OldNumber = old.get_model("numbers", "Number")
        OldNumber.objects.create(e164=e(0), **held)
        OldNumber.objects.create(e164=e(1), activity="active", **held)
        OldNumber.objects.create(
            e164=e(2), sms=True, state="assigned", sms_target_kind="sms_user", **held
        )

        MigrationExecutor(connection).migrate(leaf)

        assert not tally_mismatches()
        assert sum(Tally.objects.filter(account=root.pk).values_list("numbers", flat=True)) == 3
    finally:
        MigrationExecutor(connection).migrate(leaf)
        Number.objects.all().delete()
        User.objects.all().delete()
        Account.objects.all().delete()


def test_flush_leaves_no_count_behind_whatever_order_it_empties_the_tables(tree):
    """``flush`` on SQLite empties the tables in no fixed order; emptied tallies first,
    the numbers' delete trigger would count every number again as minus one."""
    add_ten(tree)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Tally._meta.db_table}")
        cursor.execute(f"DELETE FROM {Number._meta.db_table}")
    if not is_postgresql():
        assert Tally.objects.aggregate(n=Sum("numbers"))["n"] == -20  # master and platform

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert not Tally.objects.exists()
