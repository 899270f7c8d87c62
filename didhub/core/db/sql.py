"""Running hand-written statements, and building their pieces, on either database.

Every app's ``sql.py`` builds its statements from these helpers, so that the rules are
kept once:

* **Tables and columns by their model.** A table is named by ``table(Model)``
  (``_meta.db_table``, quoted by the connection), never by a literal name that a
  renamed model would leave behind.
* **Values as parameters.** A value travels as a parameter (``%s``); where a constant
  must be SQL text (a label inside a statement that PostgreSQL's COPY runs), it is
  written by ``literal``, the one place that quotes.
* **Lists as one parameter on PostgreSQL.** ``member_of`` sends thousands of ids or
  E.164 texts as one comma-joined text (``= ANY(string_to_array(%s, ','))``), which
  keeps a big statement cheap to send and to plan; SQLite gets one placeholder each.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from didhub.core.db.vendor import is_postgresql, is_sqlite


def quote(name: str, using: str = DEFAULT_DB_ALIAS) -> str:
    """An identifier (table, column, index) quoted as the connection quotes it."""
    return connections[using].ops.quote_name(name)


def table(model: type[Model], using: str = DEFAULT_DB_ALIAS) -> str:
    """The model's table, quoted: the one way a statement names a table."""
    return quote(model._meta.db_table, using)


def columns(names: Iterable[str], using: str = DEFAULT_DB_ALIAS) -> str:
    """``"a", "b", "c"``: a list of column names, quoted."""
    return ", ".join(quote(name, using) for name in names)


def placeholders(count: int) -> str:
    """``%s, %s, %s``: ``count`` parameters."""
    return ", ".join(["%s"] * count)


def literal(value) -> str:
    """A constant as SQL text: NULL, a boolean, a whole number or a quoted text.

    For constants that cannot be parameters, in statements whose parameters are
    merged with ``%s`` (the ``%`` of a text is doubled). Values read from users travel
    as parameters, never through here.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if "\x00" in text:
        raise ValueError("an SQL text literal cannot hold a NUL character")
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def json_literal(mapping: dict) -> str:
    """A constant JSON object as PostgreSQL ``jsonb``, for lookups inside a statement."""
    return f"{literal(json.dumps(mapping, separators=(',', ':')))}::jsonb"


def joined(values: Sequence) -> str:
    """``values`` as one comma-joined text, for ``string_to_array``.

    The values sent so are ids and E.164 texts (digits and ``+``), so a comma never
    occurs inside one; one string instead of a list of thousands spares the client
    quoting each element.
    """
    text = ",".join(map(str, values))
    if len(text) - text.count(",") != sum(len(str(value)) for value in values):
        raise ValueError("values of a member test must not contain commas")
    return text


def as_array(values: Sequence) -> str:
    """SQL that turns one comma-joined parameter into a PostgreSQL array of ``values``."""
    if all(isinstance(value, int) for value in values):
        return "string_to_array(%s, ',')::bigint[]"
    return "string_to_array(%s, ',')"


def member_of(column: str, values: Sequence, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list]:
    """``column`` is one of ``values``: the SQL and its parameters.

    ``values`` must not be empty: ``IN ()`` is not SQL, and a caller with nothing to
    look for has no statement to run.
    """
    if not values:
        raise ValueError("a member test needs at least one value")
    if is_postgresql(using):
        return f"{column} = ANY({as_array(values)})", [joined(values)]
    return f"{column} IN ({placeholders(len(values))})", list(values)


def values_table(alias: str, names: Sequence[str], rows: int) -> tuple[str, list[str]]:
    """A ``VALUES`` list of ``rows`` rows as a table ``alias``, and its columns in SQL.

    SQLite cannot name the columns of a ``VALUES`` list (they are ``column1``,
    ``column2``...); PostgreSQL names them after the alias.
    """
    row = f"({placeholders(len(names))})"
    listed = ", ".join([row] * rows)
    if is_sqlite():
        return f"(VALUES {listed}) AS {alias}", [
            f"{alias}.column{index}" for index in range(1, len(names) + 1)
        ]
    return f"(VALUES {listed}) AS {alias} ({', '.join(names)})", [
        f"{alias}.{name}" for name in names
    ]


def execute(sql: str, params: Sequence | dict = (), using: str = DEFAULT_DB_ALIAS) -> int:
    """Run one statement; returns the rows it changed (0 when the driver cannot say)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def execute_many(sql: str, rows: Sequence[Sequence], using: str = DEFAULT_DB_ALIAS) -> int:
    """Run one statement once per row of parameters; returns how many rows were given."""
    if rows:
        with connections[using].cursor() as cursor:
            cursor.executemany(sql, rows)
    return len(rows)


def fetch_all(sql: str, params: Sequence | dict = (), using: str = DEFAULT_DB_ALIAS) -> list:
    """The rows of one query, as tuples."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_value(sql: str, params: Sequence | dict = (), using: str = DEFAULT_DB_ALIAS):
    """The first column of the first row of one query (None when there is no row)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def count_of(sql: str, params: Sequence, using: str = DEFAULT_DB_ALIAS) -> int:
    """How many rows the query ``sql`` returns, counted by the database."""
    return fetch_value(f"SELECT COUNT(*) FROM ({sql}) counted", params, using)


def planner_rows(sql: str, params: Sequence, using: str = DEFAULT_DB_ALIAS) -> int:
    """PostgreSQL's estimate of the rows ``sql`` returns: ``EXPLAIN``, nothing is run."""
    plan = fetch_value(f"EXPLAIN (FORMAT JSON) {sql}", params, using)
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def server_version(using: str = DEFAULT_DB_ALIAS) -> str:
    """The database server's version as it reports it (``16.4``; SQLite's library)."""
    if is_postgresql(using):
        return fetch_value("SHOW server_version", using=using)
    return fetch_value("SELECT sqlite_version()", using=using)
