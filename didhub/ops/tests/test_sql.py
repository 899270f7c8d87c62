"""didhub.ops.sql: the transfer's statements. The move itself, with every statement on
a real PostgreSQL target, is ``test_transfer.py`` (PostgreSQL run); here the SQLite side
runs on an in-memory database in every run."""

import sqlite3

from didhub.numbers.models import Carrier
from didhub.ops import sql
from didhub.ops.transfer import Table


def test_an_identifier_is_quoted_with_its_quotes_doubled():
    assert sql.quoted("numbers_number") == '"numbers_number"'
    assert sql.quoted('odd"name') == '"odd""name"'


def test_the_copy_names_every_column_plain_then_json():
    table = Table.of(Carrier)
    statement = sql.copy_in(table)
    assert statement.startswith(f'COPY "{Carrier._meta.db_table}" (')
    assert statement.endswith("FROM STDIN (FORMAT csv, FREEZE)")
    for column, _, _ in table.plain + table.json:
        assert f'"{column}"' in statement


def test_sqlite_writes_each_row_as_the_csv_line_copy_reads():
    source = sqlite3.connect(":memory:", isolation_level=None)  # as the transfer opens it
    source.execute('CREATE TABLE "t" ("id" integer PRIMARY KEY, "name" text NOT NULL, "note" text)')
    source.executemany(
        'INSERT INTO "t" VALUES (?, ?, ?)',
        [(2, 'say "hi", 100%', None), (1, "", "x")],
    )
    table = Table(
        model=None,
        name="t",
        plain=[("id", sql.INTEGER, False), ("name", sql.TEXT, False), ("note", sql.TEXT, True)],
        json=[],
        primary_key="id",
        key_kind=sql.INTEGER,
    )
    lines = [row[0] for rows in sql.source_lines(source, table) for row in rows]
    assert lines == ['1,"","x"', '2,"say ""hi"", 100%",']
    sql.hold_source(source)
    assert source.in_transaction
    sql.release_source(source)
    assert not source.in_transaction
