"""didhub.exports.sql: the columns' cells in SQL and the exports' reads, on this database.

The CSV that PostgreSQL writes is compared byte for byte with the Python writer's in
``test_csv_copy.py``; these tests hold the pieces: every cell has SQL whose parameters
match its placeholders, labels travel as parameters (a quote or a percent sign in a
label cannot break a statement), and the reads give what the ORM gives.
"""

from pathlib import Path

import pytest
from django.db import connection

from didhub.core.db import is_postgresql
from didhub.exports import columns, sql
from didhub.exports.columns import COLUMNS, Cell, Labels
from didhub.numbers.models import Assignment, Number

postgresql_only = pytest.mark.skipif(not is_postgresql(), reason="the CSV COPY is PostgreSQL's")


def test_every_cell_has_sql_with_as_many_parameters_as_placeholders():
    for column in COLUMNS:
        expression, params = sql.cell_sql(column.source.cell)
        assert expression.count("%s") == len(params), column.header
    statement, params = sql.csv_select("SELECT 1", zone="Europe/Paris")
    assert statement.count("%s") == len(params)
    assert params.count("Europe/Paris") == sum(column.kind == "datetime" for column in COLUMNS)


def test_a_cell_of_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="'sideways'"):
        sql.cell_sql(Cell("sideways", ("e164",)))


def test_the_columns_module_holds_no_sql():
    source = Path(columns.__file__).read_text()
    for word in ("SELECT ", "CASE ", "jsonb", "COALESCE", "%s"):
        assert word not in source, word


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize("default", [True, False])
def test_labels_with_quotes_and_percent_signs_travel_as_parameters(default):
    labels = Labels({"a": "it's 100%", "b": "%s"})
    cell = Cell("mapped", ("route",), labels, default=default)
    expression, params = sql.cell_sql(cell)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {expression} FROM (VALUES (%s), (%s), (%s)) n (route)",
            [*params, "a", "b", "c"],
        )
        found = [row[0] for row in cursor.fetchall()]
    assert found == ["it's 100%", "%s", "c" if default else None]


@postgresql_only
@pytest.mark.django_db
def test_labels_keyed_by_several_fields_are_one_case():
    cell = Cell("mapped", ("voice", "sms", "fax"), columns.CAPABILITIES)
    expression, params = sql.cell_sql(cell)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {expression} FROM (VALUES (true, false, true)) n (voice, sms, fax)", params
        )
        assert cursor.fetchone()[0] == "Voice, Fax"


@pytest.mark.django_db
def test_assignments_of_are_the_assignments_the_orm_reads(inventory):
    ids = [number.pk for number in inventory.acme] + [inventory.globex.pk]
    expected = Assignment.objects.filter(number_id__in=ids).values_list(
        "number_id", "channel", "target__name"
    )
    found = sql.assignments_of(ids, Number.objects.db)
    assert sorted(found) == sorted(expected) and len(found) == 3
    assert sql.assignments_of([], Number.objects.db) == []


@postgresql_only
@pytest.mark.django_db
def test_records_read_with_the_c_loader_equal_the_orms(inventory):
    queryset = Number.objects.order_by("e164").values_list(*columns.FIELDS)
    statement, params = queryset.query.sql_with_params()
    assert sql.fetch_records(statement, params, queryset.db) == list(queryset)
