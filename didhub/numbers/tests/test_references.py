"""Every reference of a number points at a row that exists, whoever writes the rows.

On PostgreSQL the guarantee comes from the set-based triggers of
``didhub.numbers.references``; on SQLite from the declared foreign keys. The tests write
raw SQL where they must get past Django's own ``on_delete`` handling, as a row written
by another program would.
"""

import importlib
from contextlib import contextmanager

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from didhub.numbers import services
from didhub.numbers.models import Number
from didhub.numbers.references import NUMBER_REFERENCES, Reference
from didhub.numbers.tests.conftest import e, upload

migration_0006 = importlib.import_module("didhub.numbers.migrations.0006_set_based_references")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers replace foreign keys on PostgreSQL"
)
MISSING = 987_654_321
# The referenced table, by column.
REFERENCES = {reference.column: reference.table for reference in NUMBER_REFERENCES}


@pytest.fixture
def referenced(tree):
    """A row for every reference of a number, and a number pointing at each."""
    master = tree.master_admin
    values = {
        "owner_id": tree.acme.pk,
        "voice_carrier_id": services.carrier_create(
            actor=master, owner=tree.master, name="Lumen"
        ).pk,
        "sms_profile_id": services.sms_profile_create(
            actor=master, owner=tree.master, carrier_name="Bandwidth", name="BW"
        ).pk,
        "calling_profile_id": services.calling_profile_create(
            actor=master, owner=tree.master, name="Default"
        ).pk,
        "reserved_for_id": services.target_create(
            actor=tree.acme_admin, enterprise=tree.acme, kind="pbx_user", name="Reception"
        ).pk,
    }
    number = upload(master, tree.acme, 1)
    Number.objects.filter(pk=number.pk).update(**values)
    return values


@contextmanager
def refused():
    """The writes inside must fail on an integrity error; none of them stays.

    SQLite checks its foreign keys at COMMIT, so they are checked here at the end.
    """
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        yield raised
        connection.check_constraints(table_names=["numbers_number"])


def copied_columns() -> list[str]:
    return [field.column for field in Number._meta.concrete_fields if field.column != "id"]


def copy_sql(*, e164: str, where: str, **expressions: str) -> str:
    """INSERT … SELECT copies of numbers, as an upload's commit writes numbers.

    ``e164``, ``where`` and ``expressions`` (by column) are SQL over the source row.
    """
    columns = copied_columns()
    values = [e164 if column == "e164" else expressions.get(column, column) for column in columns]
    return (
        f"INSERT INTO numbers_number ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM numbers_number WHERE {where}"
    )


def insert_copy(source: str, new: str, **overrides) -> None:
    """A copy of number ``source`` as ``new``, with ``overrides`` by column."""
    sql = copy_sql(e164="%s", where="e164 = %s", **dict.fromkeys(overrides, "%s"))
    # The placeholders come in the order of the columns, the WHERE last.
    values = [
        new if column == "e164" else overrides[column]
        for column in copied_columns()
        if column == "e164" or column in overrides
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, source])


def test_every_database_foreign_key_of_a_number_is_a_checked_reference():
    declared = {
        Reference(field.column, field.related_model._meta.db_table)
        for field in Number._meta.concrete_fields
        if field.is_relation and field.db_constraint
    }
    assert declared == set(NUMBER_REFERENCES) == set(migration_0006.REFERENCES)


def test_postgresql_checks_references_by_triggers_and_sqlite_by_foreign_keys(db):
    with connection.cursor() as cursor:
        declared = connection.introspection.get_relations(cursor, "numbers_number")
    if connection.vendor == "postgresql":
        assert set(declared).isdisjoint(REFERENCES)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid = 'numbers_number'::regclass AND tgname LIKE '%%references' "
                "ORDER BY tgname"
            )
            assert [name for (name,) in cursor.fetchall()] == [
                "numbers_number_new_references",
                "numbers_number_updated_references",
            ]
    else:
        assert set(REFERENCES) <= set(declared)


@pytest.mark.parametrize("column", REFERENCES)
def test_inserted_rows_with_a_missing_reference_are_refused(referenced, column):
    with refused() as raised:
        insert_copy(e(1), e(2), **{column: MISSING})
    assert column in str(raised.value)
    assert str(MISSING) in str(raised.value)
    assert not Number.objects.filter(e164=e(2)).exists()


@pytest.mark.parametrize("column", REFERENCES)
def test_inserted_rows_with_existing_references_go_in(referenced, column):
    insert_copy(e(1), e(2))
    assert Number.objects.filter(e164=e(2), **{column: referenced[column]}).exists()


def test_one_bad_reference_among_many_refuses_the_whole_statement(tree, referenced):
    for n in range(2, 6):
        upload(tree.master_admin, tree.acme, n)
    Number.objects.filter(e164=e(4)).update(voice_carrier_id=None)
    with refused(), connection.cursor() as cursor:
        # Every number copied once, one of them pointing at a carrier that is not there.
        cursor.execute(
            copy_sql(
                e164="'+1646555' || substr(e164, 9)",
                where="true",
                voice_carrier_id="CASE WHEN e164 = %s THEN %s ELSE voice_carrier_id END",
            ),
            [e(3), MISSING],
        )
    assert not Number.objects.filter(e164__startswith="+1646555").exists()


@pytest.mark.parametrize("column", REFERENCES)
def test_a_reference_changed_to_a_missing_row_is_refused(referenced, column):
    with refused() as raised:
        Number.objects.filter(e164=e(1)).update(**{column: MISSING})
    assert column in str(raised.value)
    assert Number.objects.filter(e164=e(1), **{column: referenced[column]}).exists()


def test_one_bad_reference_among_many_refuses_the_whole_update(tree, referenced):
    for n in range(2, 6):
        upload(tree.master_admin, tree.acme, n)
    with refused() as raised, connection.cursor() as cursor:
        cursor.execute(
            "UPDATE numbers_number SET voice_carrier_id = "
            "CASE WHEN e164 = %s THEN %s ELSE voice_carrier_id END",
            [e(3), MISSING],
        )
    assert str(MISSING) in str(raised.value)
    assert not Number.objects.filter(voice_carrier_id=MISSING).exists()


def test_an_update_that_swaps_references_between_numbers_passes(tree, referenced):
    """Values some number held before the statement stay referenced until it commits."""
    other = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Zayo")
    upload(tree.master_admin, tree.acme, 2)
    Number.objects.filter(e164=e(2)).update(voice_carrier_id=other.pk)
    first = referenced["voice_carrier_id"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE numbers_number SET voice_carrier_id = "
            "CASE voice_carrier_id WHEN %s THEN %s ELSE %s END WHERE e164 IN (%s, %s)",
            [first, other.pk, first, e(1), e(2)],
        )
    carriers = dict(
        Number.objects.filter(e164__in=[e(1), e(2)]).values_list("e164", "voice_carrier_id")
    )
    assert carriers == {e(1): other.pk, e(2): first}


def test_updates_that_keep_the_references_pass(referenced):
    Number.objects.filter(e164=e(1)).update(service_info="Front desk")
    Number.objects.filter(e164=e(1)).update(calling_profile_id=None, reserved_for_id=None)
    assert Number.objects.get(e164=e(1)).service_info == "Front desk"


def assert_held_by_a_number(error: IntegrityError, column: str) -> None:
    """The refusal comes from the number's reference, not from another table's key."""
    assert "numbers_number" in str(error)
    assert column in str(error)


@pytest.mark.parametrize("column", REFERENCES)
def test_a_referenced_row_cannot_be_deleted_under_a_number(referenced, column):
    table = REFERENCES[column]
    with refused() as raised, connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [referenced[column]])
    assert_held_by_a_number(raised.value, column)


@pytest.mark.parametrize("column", REFERENCES)
def test_a_referenced_row_cannot_change_its_key_under_a_number(referenced, column):
    table = REFERENCES[column]
    with refused() as raised, connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [MISSING, referenced[column]])
    assert_held_by_a_number(raised.value, column)


def test_a_row_no_number_points_at_any_more_can_be_deleted(referenced):
    Number.objects.filter(e164=e(1)).update(voice_carrier_id=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM numbers_carrier WHERE id = %s", [referenced["voice_carrier_id"]]
        )
        assert cursor.rowcount == 1


@postgresql_only
def test_a_referenced_table_is_truncated_only_with_the_numbers(referenced):
    # TRUNCATE needs the test transaction's deferred checks done first.
    connection.check_constraints()
    with refused(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE numbers_carrier CASCADE")
    with transaction.atomic(), connection.cursor() as cursor:
        # Both in one statement, as ``manage.py flush`` does: the check runs after both.
        cursor.execute("TRUNCATE numbers_carrier, numbers_assignment, numbers_number CASCADE")
        cursor.execute("SELECT count(*) FROM numbers_carrier")
        assert cursor.fetchone() == (0,)
        transaction.set_rollback(True)


def other_connection() -> psycopg.Connection:
    """A second session on the test database, outside Django's transaction."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        autocommit=True,
    )


def pointing_at(carrier_id: int, how: str) -> tuple[str, list]:
    """A statement that makes a number point at the carrier: a new one, or e(1) changed."""
    if how == "insert":
        copy = copy_sql(e164="%s", where="e164 = %s", voice_carrier_id="%s")
        return copy, [e(2), carrier_id, e(1)]
    return "UPDATE numbers_number SET voice_carrier_id = %s WHERE e164 = %s", [carrier_id, e(1)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["insert", "update"])
def test_a_delete_waits_for_numbers_pointing_at_the_row_and_then_fails(tree, how):
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Lumen")
    upload(tree.master_admin, tree.acme, 1)
    with other_connection() as writing, other_connection() as deleting:
        writing.execute("BEGIN")
        writing.execute(*pointing_at(carrier.pk, how))
        deleting.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            deleting.execute("DELETE FROM numbers_carrier WHERE id = %s", [carrier.pk])
        writing.execute("COMMIT")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            deleting.execute("DELETE FROM numbers_carrier WHERE id = %s", [carrier.pk])


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["insert", "update"])
def test_a_write_waits_for_a_delete_of_the_row_it_points_at_and_then_fails(tree, how):
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Lumen")
    upload(tree.master_admin, tree.acme, 1)
    with other_connection() as writing, other_connection() as deleting:
        deleting.execute("BEGIN")
        deleting.execute("DELETE FROM numbers_carrier WHERE id = %s", [carrier.pk])
        writing.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            writing.execute(*pointing_at(carrier.pk, how))
        deleting.execute("COMMIT")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            writing.execute(*pointing_at(carrier.pk, how))
    assert not Number.objects.filter(voice_carrier_id=carrier.pk).exists()
