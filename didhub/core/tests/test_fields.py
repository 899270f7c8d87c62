"""E.164 columns: byte order on PostgreSQL, the same order as before everywhere."""

import phonenumbers
import pytest
from django.apps import apps
from django.db import connection

from didhub.core.fields import E164Field
from didhub.imports import adding
from didhub.numbers.models import Number

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="collations are PostgreSQL's"
)


def e164_columns() -> list[tuple[str, str]]:
    return [
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.local_fields
        if isinstance(field, E164Field)
    ]


def test_the_numbers_history_and_sync_state_store_e164_fields():
    assert {
        ("numbers_number", "e164"),
        ("numbers_block", "start"),
        ("numbers_block", "end"),
        ("imports_importrow", "e164"),
        ("core_event", "number_e164"),
        ("sync_syncchange", "e164"),
        ("sync_syncednumber", "e164"),
    } <= set(e164_columns())


@postgresql_only
@pytest.mark.django_db
def test_every_e164_column_is_collated_c_after_migrating():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        collations = {(table, column): collation for table, column, collation in cursor}
    assert {column: collations[column] for column in e164_columns()} == {
        column: "C" for column in e164_columns()
    }


@postgresql_only
@pytest.mark.django_db
def test_a_number_prefix_is_read_from_the_unique_index():
    """Only a "C" column lets a B-tree serve LIKE; the trigram index is kept out."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN SELECT id FROM numbers_number WHERE e164 LIKE '+1212%%'")
        plan = "\n".join(row for (row,) in cursor)
    assert "number_e164_unique" in plan, plan


def test_numbers_are_ordered_as_their_strings(tree):
    """Countries of every length, sorted by the database as Python sorts the strings."""
    examples = {
        phonenumbers.format_number(
            phonenumbers.example_number_for_type(region, kind), phonenumbers.PhoneNumberFormat.E164
        )
        for region in ("US", "GB", "DE", "AT", "SE", "NZ", "IN", "BR", "SG", "JP")
        for kind in (
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.MOBILE,
        )
    }
    adding.numbers_add(
        actor=tree.master_admin, account=tree.master, entries=[{"e164": n} for n in examples]
    )
    stored = list(Number.objects.order_by("e164").values_list("e164", flat=True))
    assert stored == sorted(examples)
