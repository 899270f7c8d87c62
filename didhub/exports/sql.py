"""The exports' SQL: the columns' cells as SQL, the CSV PostgreSQL writes, the reads.

``didhub.exports.columns`` says what each column's cell is (:class:`~didhub.exports.
columns.Cell`); this module says it in SQL, as an expression over ``n``, a chunk's rows
of ``FIELDS``, without joins, so that the rows keep the order they are read in (NULL
stands for ``None`` and for a missing name alike). Constants (labels, choice values)
travel as parameters: a statement is a text and its parameters, in order, and every
function here returns both. Tables are named by their models.

On PostgreSQL the CSV export is ``COPY (csv_select(...)) TO STDOUT`` (``copy_csv``), with
the formatting of the Python writer (``writers/csv.py``), byte for byte.
"""

import json
from collections.abc import Sequence

from django.db import connections, transaction

from didhub.accounts.models import Account
from didhub.core.db import is_postgresql
from didhub.core.db.sql import literal, table
from didhub.exports.columns import (
    CHANNEL_LABELS,
    CHANNEL_ORDER,
    COLUMNS,
    FIELDS,
    Cell,
    Column,
)
from didhub.exports.safety import E164_TEXT, FORMULA_STARTS
from didhub.numbers.models import Assignment, CallingProfile, Carrier, SmsProfile, Target

# SQL and its parameters, in the order of the SQL's placeholders.
Statement = tuple[str, list]

# The exporting user's account path, set for each statement that reads names
# (``copy_csv``). A statement run without it fails: no export can forget whose names it
# may write.
VIEWER_PATH = "didhub.viewer_path"


def lookup(labels: dict, expression: str, *, default: bool) -> Statement:
    """``labels[expression]`` in SQL; with ``default`` a missing key shows as itself.

    Text keys are looked up in the table as a JSON object, one parameter: a search by
    bytes, where ``CASE`` would compare the value with every key in turn.
    """
    if all(isinstance(key, str) for key in labels):
        found = f"(%s::jsonb ->> {expression})"
        params = [json.dumps({str(key): str(label) for key, label in labels.items()})]
        return (f"COALESCE({found}, {expression})" if default else found), params
    whens, params = [], []
    for key, label in labels.items():
        whens.append("WHEN %s THEN %s")
        params += [key, label]
    otherwise = f" ELSE {expression}" if default else ""
    return f"CASE {expression} {' '.join(whens)}{otherwise} END", params


def _on_viewer_line(alias: str) -> str:
    """The account ``alias`` is the viewer, above it or below it, in SQL.

    ``didhub.numbers.lineage.in_lineage``: the accounts whose names (and whose
    carriers' and profiles' names) the viewer may read.
    """
    viewer = f"current_setting({literal(VIEWER_PATH)})"
    return f"(starts_with({alias}.path, {viewer}) OR starts_with({viewer}, {alias}.path))"


NAMED_TABLES = {"sms_profiles": SmsProfile, "carriers": Carrier, "calling_profiles": CallingProfile}


def names_sql(kind: str) -> str:
    """A kind's names (see ``Names``) as one JSON object keyed by id, in SQL.

    An uncorrelated subquery: PostgreSQL computes it once per statement, and each row
    looks its name up in it. The tables of names are small beside the numbers, and a
    lookup keeps the rows in order where a join would not. Only names the viewer may
    read are in it; a number's other references show as an empty cell.
    """
    owners = table(Account)
    if kind == "accounts":
        return (
            f"(SELECT jsonb_object_agg(o.id, o.name) FROM {owners} o WHERE {_on_viewer_line('o')})"
        )
    # As columns.sms_profile_label writes it.
    label = (
        "e.carrier_name || '(' || e.name || ') - (' || o.name || ')'"
        if kind == "sms_profiles"
        else "e.name"
    )
    return (
        f"(SELECT jsonb_object_agg(e.id, {label}) FROM {table(NAMED_TABLES[kind])} e "
        f"JOIN {owners} o ON o.id = e.owner_id WHERE {_on_viewer_line('o')})"
    )


def assigned_to_sql() -> Statement:
    """``columns.assigned_to_text`` of a number's assignments, asked only of assigned ones."""
    assigned = " OR ".join(f"n.{kind} <> ''" for kind in FIELDS if kind.endswith("_target_kind"))
    # One assignment per channel at most: each channel's part, in channel order.
    channels = sorted(CHANNEL_ORDER, key=CHANNEL_ORDER.__getitem__)
    per_channel = ", ".join("max(CASE WHEN a.channel = %s THEN t.name || %s END)" for _ in channels)
    params = []
    for channel in channels:
        params += [channel, f" ({CHANNEL_LABELS[channel]})"]
    return (
        f"CASE WHEN {assigned} THEN ("
        f"SELECT CASE WHEN count(*) = 1 THEN min(t.name) ELSE concat_ws('; ', {per_channel}) END "
        f"FROM {table(Assignment)} a JOIN {table(Target)} t "
        "ON t.id = a.target_id WHERE a.number_id = n.id) END"
    ), params


def services_sql(cell: Cell) -> Statement:
    """``columns.services_of`` the number's target kinds: a channel's label is left out
    when an earlier channel already gave it."""
    labels, parts, params = [], [], []
    for name in cell.fields:
        label, label_params = lookup(cell.table, f"n.{name}", default=False)
        if labels:
            earlier = [(sql, found) for sql, found in labels]
            new = " AND ".join(f"{label} IS DISTINCT FROM {sql}" for sql, _ in earlier)
            parts.append(f"CASE WHEN {new} THEN {label} END")
            for _, found in earlier:
                params += label_params + found
            params += label_params
        else:
            parts.append(label)
            params += label_params
        labels.append((label, label_params))
    return f"concat_ws(', ', {', '.join(parts)})", params


def mapped_sql(cell: Cell) -> Statement:
    """The field, or the tuple of fields, looked up in the cell's table."""
    if len(cell.fields) == 1:
        return lookup(cell.table, f"n.{cell.fields[0]}", default=cell.default)
    whens, params = [], []
    for key, label in cell.table.items():
        whens.append("WHEN " + " AND ".join(f"n.{name} = %s" for name in cell.fields) + " THEN %s")
        params += [*key, label]
    return f"CASE {' '.join(whens)} END", params


def cell_sql(cell: Cell) -> Statement:
    """A column's cell as an SQL expression over ``n``, and its parameters."""
    if cell.how == "plain":
        return f"n.{cell.fields[0]}", []
    if cell.how == "mapped":
        return mapped_sql(cell)
    if cell.how == "named":
        return f"({names_sql(cell.names)} ->> n.{cell.fields[0]}::text)", []
    if cell.how == "assigned_to":
        return assigned_to_sql()
    if cell.how == "services":
        return services_sql(cell)
    if cell.how == "tags":
        return "btrim(n.tags, ';')", []
    raise ValueError(f"no SQL for a cell of kind {cell.how!r}")


def cells_sql(numbers: str) -> Statement:
    """The cells of the numbers that the query ``numbers`` selects, in SQL.

    ``numbers`` selects :data:`FIELDS` in that order; its own parameters follow the
    ones returned. The result has the number's ``e164`` and then ``c0``, ``c1``... in
    ``COLUMNS`` order.
    """
    cells, params = [], []
    for index, column in enumerate(COLUMNS):
        sql, cell_params = cell_sql(column.source.cell)
        cells.append(f"{sql} AS c{index}")
        params += cell_params
    # ORDER BY keeps the order ``numbers`` reads in (no sort: nothing is joined), and
    # OFFSET 0 keeps this a subquery of its own: every cell is computed once, however
    # many times the caller's expressions name it.
    return (
        f"SELECT n.e164, {', '.join(cells)} FROM ({numbers}) n ({', '.join(FIELDS)}) "
        "ORDER BY n.e164 OFFSET 0"
    ), params


def format_datetime_sql(expression: str, zone: str) -> Statement:
    """``columns.format_datetime`` in PostgreSQL, in the time zone named ``zone``."""
    return f"to_char({expression} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')", [zone]


def neutralize_sql(expression: str) -> Statement:
    """``safety.neutralize`` in PostgreSQL, for exports that the database writes.

    ``expression`` appears more than once, so it should be a column, not a subquery.
    """
    # ascii() is the first character's code point: integers compare cheaply.
    starts = ", ".join(str(ord(char)) for char in sorted(FORMULA_STARTS))
    return (
        f"CASE WHEN ascii({expression}) IN ({starts}) AND {expression} !~ %s "
        f"THEN '''' || {expression} ELSE {expression} END"
    ), [f"^{E164_TEXT.pattern}$"]


def csv_cell_sql(column: Column, cell: str, zone: str) -> Statement:
    """What the CSV writer (``csv_prepare`` and ``csv.writer``) makes of a cell, in SQL.

    COPY writes NULL as nothing and an empty text as ``""``; the Python writer writes
    both as nothing, so empty text becomes NULL.
    """
    if column.kind == "datetime":
        return format_datetime_sql(cell, zone)
    if column.kind == "int":
        return cell, []
    params = []
    if column.free_text:
        cell, params = neutralize_sql(cell)
    return f"NULLIF({cell}, '')", params


def csv_select(numbers: str, *, zone: str) -> Statement:
    """The SELECT of the CSV rows of the numbers that the query ``numbers`` selects.

    ``zone`` names the time zone of its dates and times; ``numbers``' own parameters
    follow the ones returned.
    """
    cells, params = [], []
    for index, column in enumerate(COLUMNS):
        sql, cell_params = csv_cell_sql(column, f"cells.c{index}", zone)
        cells.append(sql)
        params += cell_params
    inner, inner_params = cells_sql(numbers)
    return (
        f"SELECT {', '.join(cells)} FROM ({inner}) cells ORDER BY cells.e164",
        params + inner_params,
    )


def copy_csv(using: str, select: Statement, viewer_path: str) -> tuple[bytes, int, bytes]:
    """``COPY (select) TO STDOUT (FORMAT csv)`` for the viewer at ``viewer_path``.

    The bytes COPY wrote (each row ending in a newline), the number of rows and the last
    row. PostgreSQL only.
    """
    sql, params = select
    data, count, row = bytearray(), 0, b""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # The per-row subqueries look costly to the planner, which would then spend
        # longer compiling the statement (JIT) than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT set_config(%s, %s, true)", [VIEWER_PATH, viewer_path])
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for row in copy:  # one buffer per row
                data += row
                count += 1
    return bytes(data), count, bytes(row)


def assignments_of(number_ids: Sequence[int], using: str) -> list[tuple[int, str, str]]:
    """``(number_id, channel, target name)`` of the given numbers' assignments.

    On PostgreSQL the ids travel as one array parameter (``= ANY(%s)``): thousands of
    placeholders would cost more to build, send and plan than the lookup itself.
    """
    if not number_ids:
        return []
    if not is_postgresql(using):
        return list(
            Assignment.objects.using(using)
            .filter(number_id__in=number_ids)
            .values_list("number_id", "channel", "target__name")
        )
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT a.number_id, a.channel, t.name FROM {table(Assignment)} a "
            f"JOIN {table(Target)} t ON t.id = a.target_id WHERE a.number_id = ANY(%s)",
            [list(number_ids)],
        )
        return cursor.fetchall()


def fetch_records(sql: str, params: Sequence, using: str) -> list[tuple]:
    """The rows of a query, with PostgreSQL's timestamps read by psycopg's C loader.

    Django parses every timestamp with a Python loader (to attach its time zone); at
    100,000 rows a second that loader alone would take most of an export's time. The C
    loader yields the same aware datetimes (the connection's time zone is UTC).
    """
    from psycopg.types.datetime import TimestamptzLoader

    with connections[using].cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        return cursor.fetchall()
