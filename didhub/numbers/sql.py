"""The numbers' SQL: set-based statements over a selection of numbers, for both databases.

A bulk action (``didhub.numbers.services.bulk``) works on a *selection*: a temporary
table ``numbers_bulk_selected`` holding the id, E.164 text and holder of every chosen
number as they were when chosen. It is filled by one ``INSERT ... SELECT`` from the
list's filter (``NumberFilterSet``), or from the E.164 texts of a list, which are
first written to ``numbers_bulk_named`` (COPY on PostgreSQL, batched inserts on
SQLite). Everything after that is a statement joining the selection: the refusal
groups, ``UPDATE ... WHERE id IN (selection)``, the history rows and the sync outbox
rows by ``INSERT ... SELECT``. No statement carries a list of a million ids and
nothing loads a million model instances.

PostgreSQL and SQLite differ in their JSON functions and in how booleans become JSON;
the helpers below write the one or the other, so the statements read the same.
"""

import json
from collections.abc import Iterable

from django.db import connection

from didhub.accounts.models import Account
from didhub.core.db import is_postgresql
from didhub.core.db.copy import write_rows
from didhub.core.db.sql import execute, fetch_all, fetch_value
from didhub.core.models import Event
from didhub.numbers.choices import NumberState
from didhub.numbers.models import TALLY_KEY, Assignment, Number, Tally, Target

SELECTED = "numbers_bulk_selected"
NAMED = "numbers_bulk_named"
NUMBERS = Number._meta.db_table
ACCOUNTS = Account._meta.db_table
ASSIGNMENTS = Assignment._meta.db_table
TARGETS = Target._meta.db_table
EVENTS = Event._meta.db_table
TALLIES = Tally._meta.db_table


def fetch(sql: str, params: Iterable = ()) -> list[tuple]:
    return fetch_all(sql, list(params))


def moment(value):
    """A datetime as the database's cursor takes it in a raw statement."""
    return connection.ops.adapt_datetimefield_value(value)


# JSON, written per database ------------------------------------------------------------


def json_object(*pairs) -> str:
    """SQL building a JSON object of ``(key, sql expression)`` pairs."""
    if not pairs:
        return json_value({})
    function = "json_build_object" if is_postgresql() else "json_object"
    arguments = ", ".join(f"'{key}', {expression}" for key, expression in pairs)
    return f"{function}({arguments})"


def json_bool(expression: str) -> str:
    """A boolean column as JSON ``true``/``false`` (SQLite stores 1 and 0)."""
    if is_postgresql():
        return expression
    return f"json(CASE WHEN {expression} THEN 'true' ELSE 'false' END)"


def json_text(value) -> str:
    """A constant (already JSON-able) as a quoted SQL literal of its JSON text.
    Statements always run with parameters, so a literal % is written %%."""
    text = json.dumps(value).replace("'", "''").replace("%", "%%")
    return f"'{text}'"


def as_json(text_expression: str) -> str:
    """JSON text (or NULL) as a JSON value: SQLite keeps JSON apart from text only for
    the result of a JSON function, so every value is passed through ``json()``."""
    if is_postgresql():
        return f"CAST({text_expression} AS json)"
    return f"json({text_expression})"


def json_value(value) -> str:
    """A constant (already JSON-able) embedded as JSON in a statement; no parameters."""
    return as_json(json_text(value))


def json_sub(subquery: str) -> str:
    """A scalar subquery returning JSON, as a JSON value."""
    return subquery if is_postgresql() else f"json({subquery})"


def json_column(expression: str) -> str:
    """A JSON expression as the JSON columns store it (``jsonb`` on PostgreSQL)."""
    return f"CAST({expression} AS jsonb)" if is_postgresql() else expression


def json_stored(column: str) -> str:
    """A stored JSON column read back as JSON inside a new object."""
    return f"CAST({column} AS json)" if is_postgresql() else f"json({column})"


def iso_moment(column: str) -> str:
    """A timestamp column as ISO 8601 text in UTC (``2026-01-05T10:00:00.000001+00:00``)."""
    if is_postgresql():
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    return f"replace({column}, ' ', 'T') || '+00:00'"


def ref_case(column: str, refs: dict[int, dict]) -> str:
    """``{"id", "name"}`` of a catalog entry or target per id in ``column``, from the few
    distinct values a selection holds (names formatted in Python, as events show them)."""
    if not refs:
        return "NULL"
    branches = " ".join(f"WHEN {int(pk)} THEN {json_text(ref)}" for pk, ref in refs.items())
    return as_json(f"CASE {column} {branches} END")


def distinct_from(column: str, placeholder: str = "%s") -> str:
    """``column`` differs from a parameter, NULLs compared as values."""
    operator = "IS DISTINCT FROM" if is_postgresql() else "IS NOT"
    return f"{column} {operator} {placeholder}"


def row_in(columns: list[str], rows: list[tuple]) -> tuple[str, list]:
    """``(columns) IN ((...), ...)`` for a few rows of values (refused groups)."""
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    values = ", ".join([marks] * len(rows))
    params = [value for row in rows for value in row]
    return f"({', '.join(columns)}) IN (VALUES {values})", params


# The selection ----------------------------------------------------------------------------


def create_selection() -> None:
    """An empty selection table for this transaction (dropped again by ``drop_selection``;
    a rolled-back transaction takes it with it on both databases)."""
    drop_selection()
    kind = "bigint" if is_postgresql() else "integer"
    execute(
        f"CREATE TEMPORARY TABLE {SELECTED} ("
        f"id {kind} PRIMARY KEY, e164 varchar(16) NOT NULL, owner_id {kind} NOT NULL)"
    )
    execute(f"CREATE TEMPORARY TABLE {NAMED} (e164 varchar(64) PRIMARY KEY)")


def drop_selection() -> None:
    execute(f"DROP TABLE IF EXISTS {TAGS_MAP}")
    execute(f"DROP TABLE IF EXISTS {SELECTED}")
    execute(f"DROP TABLE IF EXISTS {NAMED}")


def select_queryset(queryset) -> int:
    """Every number of ``queryset`` (the visibility gate and the list's filters applied)
    into the selection: one ``INSERT ... SELECT``."""
    rows = queryset.order_by().values_list("id", "e164", "owner_id")
    sql, params = rows.query.sql_with_params()
    return execute(f"INSERT INTO {SELECTED} (id, e164, owner_id) {sql}", params)


def select_named(texts: list[str], visible) -> list[str]:
    """The numbers named by E.164 ``texts`` among ``visible`` (the actor's numbers, a
    queryset) into the selection; returns the texts that name none of them (absent, or
    outside the actor's subtree: one answer for both)."""
    write_rows(NAMED, ["e164"], ((text,) for text in dict.fromkeys(texts)))
    named = visible.extra(where=[f"{NUMBERS}.e164 IN (SELECT e164 FROM {NAMED})"])
    select_queryset(named)
    missing = fetch(
        f"SELECT m.e164 FROM {NAMED} m WHERE NOT EXISTS "
        f"(SELECT 1 FROM {SELECTED} s WHERE s.e164 = m.e164) ORDER BY m.e164"
    )
    return [row[0] for row in missing]


def lock_selection() -> None:
    """Lock the selected rows until the transaction ends (PostgreSQL; SQLite has one
    writer), so that what the checks read is what the statements change."""
    if is_postgresql():
        fetch(
            f"SELECT count(*) FROM (SELECT 1 FROM {NUMBERS} n JOIN {SELECTED} s ON s.id = n.id "
            "FOR UPDATE OF n) locked"
        )
        # The planner knows nothing of a temporary table until it is analysed.
        execute(f"ANALYZE {SELECTED}")


def selection_size() -> int:
    return fetch(f"SELECT count(*) FROM {SELECTED}")[0][0]


SELECTED_ROWS = (
    f"FROM {SELECTED} s JOIN {NUMBERS} n ON n.id = s.id JOIN {ACCOUNTS} o ON o.id = n.owner_id"
)
# The same, with ``o`` the account that held each number when it was selected (after a
# statement that moved the numbers).
SELECTED_FROM_HOLDERS = (
    f"FROM {SELECTED} s JOIN {NUMBERS} n ON n.id = s.id JOIN {ACCOUNTS} o ON o.id = s.owner_id"
)


def groups(columns: list[str]) -> list[tuple]:
    """``(values..., count, first E.164)`` of every distinct combination of ``columns``
    among the selected numbers (``n``, with its holder ``o``): what a rule is asked
    once about."""
    listed = ", ".join(columns)
    return fetch(f"SELECT {listed}, count(*), min(n.e164) {SELECTED_ROWS} GROUP BY {listed}")


def first_ids(condition: str, params: list, limit: int, offset: int = 0) -> list[int]:
    """The ids of the first selected numbers (E.164 order) meeting ``condition``."""
    return [
        row[0]
        for row in fetch(
            f"SELECT n.id {SELECTED_ROWS} WHERE {condition} ORDER BY n.e164 LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
    ]


def ids_after(count: int) -> str:
    """SQL of the selected ids after the first ``count`` in E.164 order."""
    limit = "" if is_postgresql() else "LIMIT -1 "
    return f"SELECT id FROM {SELECTED} ORDER BY e164 {limit}OFFSET {int(count)}"


def distinct_values(expression: str) -> list[tuple]:
    """The distinct values of ``expression`` over the selected numbers (catalog entries,
    reservation targets, tag strings: the few values events name)."""
    return fetch(f"SELECT DISTINCT {expression} {SELECTED_ROWS} WHERE {expression} IS NOT NULL")


def distinct_rows(expressions: list[str]) -> list[tuple]:
    """The distinct combinations of ``expressions`` over the selected numbers."""
    return fetch(f"SELECT DISTINCT {', '.join(expressions)} {SELECTED_ROWS}")


def json_only_changed(expression: str, changed: list[tuple[str, str]]) -> str:
    """``expression`` (an object) without the keys whose condition (one parameter each,
    ``distinct_from``) is false: an update's event names what changed on that number."""
    if is_postgresql():
        keys = ", ".join(
            f"CASE WHEN {condition} THEN NULL ELSE '{key}' END" for key, condition in changed
        )
        return f"(CAST({expression} AS jsonb) - array_remove(ARRAY[{keys}]::text[], NULL))"
    paths = ", ".join(
        f"CASE WHEN {condition} THEN '$.unchanged' ELSE '$.{key}' END" for key, condition in changed
    )
    return f"json_remove({expression}, {paths})"


def case_of(column: str, values: dict) -> str:
    """A JSON value per value of ``column``, from a few known ones."""
    return ref_case(column, values)


def iso_moment_or_null(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE {iso_moment(column)} END"


def keep_selected(condition: str, params: list) -> int:
    """Leave in the selection only the numbers ``n`` that meet ``condition`` (those an
    action changes); returns how many stay. A change that changes nothing writes
    nothing: no ``updated_at``, no event, no outbox row, as for one number."""
    execute(
        f"DELETE FROM {SELECTED} WHERE id IN (SELECT n.id FROM {NUMBERS} n "
        f"WHERE n.id IN (SELECT id FROM {SELECTED}) AND NOT ({condition}))",
        params,
    )
    return selection_size()


def update_selected(values: dict, updated_at) -> int:
    """Set the same ``values`` (column -> value) on every selected number."""
    assignments = ", ".join(f"{column} = %s" for column in values)
    return execute(
        f"UPDATE {NUMBERS} SET {assignments}, updated_at = %s "
        f"WHERE id IN (SELECT id FROM {SELECTED})",
        [*values.values(), moment(updated_at)],
    )


TAGS_MAP = "numbers_bulk_tags"
TAGS_MAP_JOIN = f" JOIN {TAGS_MAP} m ON m.old = n.tags"


def create_tags_map(pairs: list[tuple[str, str]]) -> None:
    """Old tag string -> new one, for the tag strings a tags action changes."""
    execute(f"DROP TABLE IF EXISTS {TAGS_MAP}")
    execute(f"CREATE TEMPORARY TABLE {TAGS_MAP} (old text PRIMARY KEY, new text)")
    write_rows(TAGS_MAP, ["old", "new"], pairs)


def keep_retagged() -> int:
    """Leave in the selection only the numbers whose tags the tags map changes."""
    return keep_selected(f"n.tags IN (SELECT old FROM {TAGS_MAP})", [])


def update_tags(updated_at) -> int:
    changed = execute(
        f"UPDATE {NUMBERS} SET tags = "
        f"(SELECT m.new FROM {TAGS_MAP} m WHERE m.old = {NUMBERS}.tags), "
        f"updated_at = %s WHERE id IN (SELECT id FROM {SELECTED}) "
        f"AND tags IN (SELECT old FROM {TAGS_MAP})",
        [moment(updated_at)],
    )
    execute(f"DROP TABLE {TAGS_MAP}")
    return changed


def assignments_join(
    target_json: str, channel: str | None = None, number: str = "n.id"
) -> tuple[str, list]:
    """A join adding ``g.items``: each selected number's assignments (on ``channel``) as
    events list them, ``[{channel, target}]`` by channel; aggregated once for the whole
    selection (a hash join), not looked up per number; ``assigned_items`` reads it.
    ``number`` is the column the join matches (``s.id`` where ``n`` is the row an
    UPDATE changes, which its FROM cannot name)."""
    element = json_object(("channel", "a.channel"), ("target", target_json))
    only = "" if channel is None else " AND a.channel = %s"
    rows = (
        f"FROM {ASSIGNMENTS} a JOIN {TARGETS} t ON t.id = a.target_id "
        f"WHERE a.number_id IN (SELECT id FROM {SELECTED}){only}"
    )
    if is_postgresql():
        grouped = (
            f"SELECT a.number_id, json_agg({element} ORDER BY a.channel) AS items "
            f"{rows} GROUP BY a.number_id"
        )
    else:
        grouped = (
            "SELECT number_id, json_group_array(json(item)) AS items FROM "
            f"(SELECT a.number_id, {element} AS item {rows} ORDER BY a.number_id, a.channel) "
            "GROUP BY number_id"
        )
    params = [] if channel is None else [channel]
    return f" LEFT JOIN ({grouped}) g ON g.number_id = {number}", params


def assigned_items() -> str:
    """The ``g.items`` of ``assignments_join`` as a JSON array (empty when none)."""
    if is_postgresql():
        return "COALESCE(g.items, CAST('[]' AS json))"
    return "json(COALESCE(g.items, '[]'))"


def released_from(owner_json: str, target_json: str) -> str:
    """What a release takes away from the number ``n`` that ``o`` holds (owner, state,
    reservation, assignments from ``g`` of ``assignments_join``), as JSON: kept on the
    number for a restore, and its event's ``before``."""
    reserved_for = json_sub(
        f"(SELECT {target_json} FROM {TARGETS} t WHERE t.id = n.reserved_for_id)"
    )
    return json_object(
        ("owner", owner_json),
        ("state", "n.state"),
        ("reserved_until", iso_moment_or_null("n.reserved_until")),
        ("reserved_for", reserved_for),
        ("assignments", assigned_items()),
    )


PARENT_JOIN = f" JOIN {ACCOUNTS} p ON p.id = o.parent_id"


def released_parents() -> list[int]:
    return [row[0] for row in distinct_values("o.parent_id")]


def release_selected(aging_until: dict, updated_at, owner_json: str, target_json: str) -> int:
    """Every selected number goes to the parent of the enterprise that holds it, aging
    until ``aging_until[parent id]``, with what the release took away
    (``released_from``) kept on it.

    One statement, which reads each number's old row as it writes the new one: the
    assignments it lists are ended after it (``delete_selected_assignments``), and the
    events read what it kept (``SELECTED_FROM_HOLDERS``).
    """
    if not aging_until:  # nothing selected
        return 0
    join, params = assignments_join(target_json, number="s.id")
    until = " ".join("WHEN %s THEN %s" for _ in aging_until)
    until_params = [value for pk, at in aging_until.items() for value in (pk, moment(at))]
    return execute(
        f"UPDATE {NUMBERS} AS n SET owner_id = o.parent_id, state = 'aging', "
        f"aging_until = CASE o.parent_id {until} END, "
        f"released_from = {json_column(released_from(owner_json, target_json))}, "
        "reserved_until = NULL, reserved_for_id = NULL, "
        "voice_target_kind = '', sms_target_kind = '', fax_target_kind = '', updated_at = %s "
        f"FROM {SELECTED} s JOIN {ACCOUNTS} o ON o.id = s.owner_id{join} "
        "WHERE n.id = s.id",
        [*until_params, moment(updated_at), *params],
    )


def delete_selected_assignments(channel: str | None = None) -> int:
    only = "" if channel is None else " AND channel = %s"
    return execute(
        f"DELETE FROM {ASSIGNMENTS} WHERE number_id IN (SELECT id FROM {SELECTED}){only}",
        [] if channel is None else [channel],
    )


def state_after_unassign(channel: str | None) -> str:
    """A number's state once ``channel`` (None: every channel) is freed, as SQL over n."""
    if channel is None:
        return "'available'"
    others = [f"n.{c}_target_kind = ''" for c in ("voice", "sms", "fax") if c != channel]
    return f"CASE WHEN {' AND '.join(others)} THEN 'available' ELSE 'assigned' END"


def clear_channels(channel: str | None, updated_at) -> int:
    channels = ("voice", "sms", "fax") if channel is None else (channel,)
    cleared = ", ".join(f"{c}_target_kind = ''" for c in channels)
    state = state_after_unassign(channel).replace("n.", "")
    return execute(
        f"UPDATE {NUMBERS} SET state = {state}, {cleared}, updated_at = %s "
        f"WHERE id IN (SELECT id FROM {SELECTED})",
        [moment(updated_at)],
    )


def insert_assignments(target, channel: str, created_at) -> int:
    return execute(
        f"INSERT INTO {ASSIGNMENTS} (number_id, channel, target_id, target_kind, created_at) "
        f"SELECT id, %s, %s, %s, %s FROM {SELECTED} ORDER BY id",
        [channel, target.pk, target.kind, moment(created_at)],
    )


def mark_assigned(channel: str, kind: str, updated_at) -> int:
    return execute(
        f"UPDATE {NUMBERS} SET {channel}_target_kind = %s, state = 'assigned', "
        "reserved_until = NULL, reserved_for_id = NULL, updated_at = %s "
        f"WHERE id IN (SELECT id FROM {SELECTED})",
        [kind, moment(updated_at)],
    )


def delete_selected() -> int:
    return execute(f"DELETE FROM {NUMBERS} WHERE id IN (SELECT id FROM {SELECTED})")


# History ----------------------------------------------------------------------------------


def insert_events(
    *,
    actor_fields: dict,
    action: str,
    at,
    request_id: str,
    account: str,
    before: tuple[str, list],
    after: tuple[str, list],
    source: str = SELECTED_ROWS,
    where: str = "1=1",
    params: Iterable = (),
    import_id: str = "NULL",
) -> int:
    """One event per selected number, written by ``INSERT ... SELECT`` (the rows
    ``record_many`` would write, without building them in Python). ``account`` is the
    alias of the account the event concerns; ``before``/``after``: a JSON expression
    and its parameters; ``where`` narrows the numbers (``params``)."""
    columns = (
        "at, action, actor_user_id, actor_label, actor_account_id, account_id, account_path, "
        "object_type, object_id, number_e164, import_id, before, after, request_id"
    )
    (before_sql, before_params), (after_sql, after_params) = before, after
    sql = (
        f"INSERT INTO {EVENTS} ({columns}) "
        f"SELECT %s, %s, %s, %s, %s, {account}.id, {account}.path, 'number', n.id, n.e164, "
        f"{import_id}, {json_column(before_sql)}, {json_column(after_sql)}, %s "
        f"{source} WHERE {where} ORDER BY n.e164"
    )
    head = [
        moment(at),
        action,
        actor_fields["actor_user_id"],
        actor_fields["actor_label"],
        actor_fields["actor_account_id"],
    ]
    return execute(sql, [*head, *before_params, *after_params, request_id, *params])


DESTINATION_JOIN = f" JOIN {ACCOUNTS} d ON d.id = %s"


def leave_out_holder(account_id: int) -> int:
    """Numbers already held by a move's destination stay as they are: out of the selection."""
    return execute(f"DELETE FROM {SELECTED} WHERE owner_id = %s", [account_id])


def clear_reference(column: str, condition: str) -> int:
    """Clear a catalog reference of the selected numbers that meet ``condition``."""
    return execute(
        f"UPDATE {NUMBERS} SET {column} = NULL "
        f"WHERE id IN (SELECT id FROM {SELECTED}) AND {condition}"
    )


# What a bulk action hands the sync outbox: the selected numbers that exist after it,
# and those that left an enterprise (as they were when selected).
SELECTED_IDS = f"SELECT id FROM {SELECTED}"
SELECTED_LEFT = f"SELECT id AS number_id, e164, owner_id FROM {SELECTED}"
# Those of them that an enterprise held (a move from a reseller leaves no enterprise).
LEFT_ENTERPRISES = (
    f"SELECT s.id AS number_id, s.e164, s.owner_id FROM {SELECTED} s "
    f"JOIN {ACCOUNTS} o ON o.id = s.owner_id WHERE o.kind = 'enterprise'"
)


# Account reports ----------------------------------------------------------------------------


def children_utilization(parent_id: int, using: str = "default") -> list[tuple]:
    """Per child of the account: ``(id, name, kind, owned, assigned, available)`` over
    the child's whole subtree, children without numbers with zeros, by name.

    A child's tallies count its whole subtree (``didhub.numbers.models.tallies``), so
    each figure is a sum over the child's few rows, read by their index (a join would
    have the planner read every tally of the platform for a reseller of 100 children).
    """
    held = f"SELECT COALESCE(SUM(tally.numbers), 0) FROM {TALLIES} AS tally"
    return fetch_all(
        f"""
        SELECT child.id, child.name, child.kind,
               ({held} WHERE tally.account_id = child.id),
               ({held} WHERE tally.account_id = child.id AND tally.state = %s),
               ({held} WHERE tally.account_id = child.id AND tally.state = %s)
        FROM {ACCOUNTS} AS child
        WHERE child.parent_id = %s
        ORDER BY child.name, child.id
        """,
        [NumberState.ASSIGNED, NumberState.AVAILABLE, parent_id],
        using,
    )


# Tallies ------------------------------------------------------------------------------------

TALLY_COLUMNS = ", ".join(TALLY_KEY)


def compact_tallies() -> int:
    """Fold each account's tally rows into one per combination; answers the rows removed.

    On PostgreSQL every statement that changes numbers adds rows (its changes); this
    replaces the rows of the accounts that have more than one per combination, or a row
    that sums to nothing, by their sums, in one statement. Rows added meanwhile by other
    transactions are not visible to it and stay as they are, so the sums never change.
    SQLite changes its rows in place and only drops those that came to zero.
    """
    if not is_postgresql():
        return execute(f"DELETE FROM {TALLIES} WHERE numbers = 0")
    return fetch_value(
        f"""
        WITH spread AS (
            SELECT DISTINCT account_id FROM {TALLIES}
            GROUP BY {TALLY_COLUMNS} HAVING count(*) > 1 OR sum(numbers) = 0
        ), removed AS (
            DELETE FROM {TALLIES} WHERE account_id IN (SELECT account_id FROM spread)
            RETURNING {TALLY_COLUMNS}, numbers
        ), folded AS (
            INSERT INTO {TALLIES} ({TALLY_COLUMNS}, numbers)
            SELECT {TALLY_COLUMNS}, sum(numbers) FROM removed
            GROUP BY {TALLY_COLUMNS} HAVING sum(numbers) <> 0
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM removed) - (SELECT count(*) FROM folded)
        """
    )
