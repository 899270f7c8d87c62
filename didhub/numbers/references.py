"""On PostgreSQL, the numbers table's foreign keys are checked once per statement.

A foreign key guarantees that every reference of a number (its owner, voice carrier,
SMS and calling profiles, reservation) points at a row that exists, and that such a row
is not deleted, re-keyed or truncated while a number points at it. PostgreSQL checks a
declared foreign key one inserted row at a time: it queues an event for every key of
every row, empty or not, and runs one query per event at COMMIT. For the million rows of
one upload that came to 4.8 to 6.9 s, about as long as reading and validating the file
(docs/performance.md).

Migration ``numbers/0006`` replaces those constraints with triggers that keep the same
guarantee, set-based where the rows come in bulk:

* **rows inserted** (an upload, a bulk add, a single number): one trigger per statement
  reads the statement's new rows once, collects the distinct values of every reference,
  locks the rows they point at ``FOR KEY SHARE`` as a foreign key does, and raises
  ``foreign_key_violation`` (an ``IntegrityError`` in Django) for a value that is
  missing;
* **references changed** by an UPDATE (since migration ``numbers/0012``): one trigger per
  statement reads its old and new rows once, and checks and locks the same way the
  values that the new rows hold and the old ones did not. A value that some old row
  held needs no check: until this transaction commits, the committed version of that
  row still points at it, so the row it names exists and no delete of it can pass. A
  row trigger (a foreign key's way, one changed row at a time) cost 7 s of a bulk
  release that moves a million numbers; ``bench/bulk.py`` prints what this one costs a
  raw move of the same million (within one run's noise when measured);
* **a referenced row deleted or re-keyed**, or its table truncated, while a number
  points at it: a trigger on the referenced table raises. Django's ``on_delete``
  (PROTECT, SET_NULL) still runs first, in Python, as with any foreign key.

The lock makes it safe under concurrency at READ COMMITTED, Django's level: a delete of
the referenced row waits for the inserting transaction and then finds its numbers, and an
insert that waited for a delete finds the row gone. The checks run at the end of each
statement instead of at COMMIT (Django declares its keys deferred); didhub always writes
a referenced row before the numbers that point at it.

SQLite keeps the declared foreign keys: it checks them without queuing anything, and a
table that SQLite rebuilds to alter it would lose its triggers.
"""

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """A column of the referencing table holding the ``id`` of a row of ``table``."""

    column: str
    table: str


# What migration numbers/0006 installed for ``numbers_number``: every foreign key the
# model declares with a database constraint (a test keeps the two in step).
NUMBER_REFERENCES = (
    Reference("owner_id", "accounts_account"),
    Reference("voice_carrier_id", "numbers_carrier"),
    Reference("sms_profile_id", "numbers_smsprofile"),
    Reference("calling_profile_id", "numbers_callingprofile"),
    Reference("reserved_for_id", "numbers_target"),
)


def _constraint(table: str, reference: Reference) -> str:
    return f"{table}_{reference.column}_reference"


def _violation(table: str, reference: Reference, value: str) -> str:
    """The error a foreign key would raise, naming the table, column and value."""
    constraint = _constraint(table, reference)
    message = f'insert or update on table "{table}" violates foreign key "{constraint}"'
    detail = f'Key ({reference.column})=(%s) is not present in table "{reference.table}".'
    return f"""RAISE foreign_key_violation USING
                MESSAGE = '{message}', DETAIL = format('{detail}', {value}),
                TABLE = '{table}', COLUMN = '{reference.column}', CONSTRAINT = '{constraint}';"""


def _still_referenced(table: str, reference: Reference, value: str, referenced: str) -> str:
    constraint = _constraint(table, reference)
    message = (
        f'update or delete on table "{referenced}" violates foreign key "{constraint}" '
        f'on table "{table}"'
    )
    detail = f'Key (id)=(%s) is still referenced from table "{table}".'
    return f"""RAISE foreign_key_violation USING
                MESSAGE = '{message}', DETAIL = format('{detail}', {value}),
                TABLE = '{referenced}', CONSTRAINT = '{constraint}';"""


def _function(name: str, body: str, declare: str = "") -> str:
    """A PL/pgSQL trigger function that runs ``body`` and returns nothing to the row."""
    declarations = f"DECLARE\n    {declare}\n" if declare else ""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql AS $body$
{declarations}BEGIN
{body}
    RETURN NULL;
END
$body$"""


def _distinct_values(rows: str, references: tuple[Reference, ...]) -> str:
    """``(reference, value)``: each reference's distinct values in the transition table
    ``rows``, read in one pass (the index of the reference in ``references``)."""
    columns = [reference.column for reference in references]
    which = " ".join(f"WHEN GROUPING({column}) = 0 THEN {i}" for i, column in enumerate(columns))
    return f"""
        SELECT CASE {which} END AS reference, COALESCE({", ".join(columns)}) AS value
          FROM {rows}
         GROUP BY GROUPING SETS ({", ".join(f"({column})" for column in columns)})"""


def _rows_function(name: str, table: str, references: tuple[Reference, ...], values: str) -> str:
    """A statement trigger's function: the ``(reference, value)`` pairs that ``values``
    selects are collected per reference, locked ``FOR KEY SHARE`` and checked."""
    keys = [f"keys_{index}" for index in range(len(references))]
    collected = ", ".join(
        f"array_agg(value) FILTER (WHERE reference = {i} AND value IS NOT NULL)"
        for i in range(len(references))
    )
    checks = "\n".join(
        f"""
    IF {key} IS NOT NULL THEN
        SELECT count(*) INTO present FROM (
            SELECT FROM ONLY {reference.table} r WHERE r.id = ANY ({key}) FOR KEY SHARE OF r
        ) locked;
        IF present < cardinality({key}) THEN
            SELECT min(value) INTO missing FROM unnest({key}) value
             WHERE NOT EXISTS (SELECT FROM ONLY {reference.table} r WHERE r.id = value);
            {_violation(table, reference, "missing")}
        END IF;
    END IF;"""
        for key, reference in zip(keys, references, strict=True)
    )
    collect = f"""
    SELECT {collected} INTO {", ".join(keys)} FROM ({values}) checked;"""
    declare = " ".join(f"{key} bigint[];" for key in keys) + " present bigint; missing bigint;"
    return _function(name, collect + checks, declare)


def _new_rows_function(table: str, references: tuple[Reference, ...]) -> str:
    """After an INSERT: every value of the new rows."""
    values = _distinct_values("new_rows", references)
    return _rows_function(f"{table}_new_references", table, references, values)


def _updated_rows_function(table: str, references: tuple[Reference, ...]) -> str:
    """After an UPDATE: the values the new rows hold and the old rows did not."""
    values = (
        f"{_distinct_values('new_rows', references)}\n        EXCEPT"
        f"{_distinct_values('old_rows', references)}"
    )
    return _rows_function(f"{table}_updated_references", table, references, values)


def _referenced_row_function(table: str, referenced: str, references: list[Reference]) -> str:
    """A row of ``referenced`` deleted or re-keyed: refused while a number points at it."""
    checks = "\n".join(
        f"""
    IF EXISTS (SELECT FROM {table} n WHERE n.{reference.column} = OLD.id) THEN
        {_still_referenced(table, reference, "OLD.id", referenced)}
    END IF;"""
        for reference in references
    )
    return _function(f"{referenced}_held_by_{table}", checks)


def _referenced_truncate_function(table: str, referenced: str, references: list[Reference]) -> str:
    """``referenced`` truncated: refused unless no number points into it any more.

    An AFTER TRUNCATE trigger runs once the whole statement is done, so truncating both
    tables together (as ``manage.py flush`` does) passes.
    """
    checks = "\n".join(
        f"""
    SELECT n.{reference.column} INTO held FROM {table} n
     WHERE n.{reference.column} IS NOT NULL LIMIT 1;
    IF FOUND THEN
        {_still_referenced(table, reference, "held", referenced)}
    END IF;"""
        for reference in references
    )
    return _function(f"{referenced}_truncated_under_{table}", checks, "held bigint;")


def _by_referenced_table(references: tuple[Reference, ...]) -> dict[str, list[Reference]]:
    grouped: dict[str, list[Reference]] = defaultdict(list)
    for reference in references:
        grouped[reference.table].append(reference)
    return grouped


def install_statements(
    table: str, references: tuple[Reference, ...], *, referenced_side: bool = True
) -> list[str]:
    """The SQL that checks ``references`` of ``table``; run again, it replaces them.

    ``referenced_side=False`` leaves out the triggers on the referenced tables, for a
    copy of the table that nothing else knows (``bench/number_table.py``).
    """
    statements = [
        _new_rows_function(table, references),
        f"""CREATE OR REPLACE TRIGGER {table}_new_references AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
            EXECUTE FUNCTION {table}_new_references()""",
        # Transition tables cannot go with ``UPDATE OF columns``: the trigger runs after
        # every UPDATE, and finds nothing to check when no reference changed.
        _updated_rows_function(table, references),
        f"""CREATE OR REPLACE TRIGGER {table}_updated_references AFTER UPDATE ON {table}
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
            EXECUTE FUNCTION {table}_updated_references()""",
    ]
    if not referenced_side:
        return statements
    for referenced, held_by in _by_referenced_table(references).items():
        statements += [
            _referenced_row_function(table, referenced, held_by),
            f"""CREATE OR REPLACE TRIGGER {referenced}_deleted_under_{table}
                AFTER DELETE ON {referenced}
                FOR EACH ROW EXECUTE FUNCTION {referenced}_held_by_{table}()""",
            f"""CREATE OR REPLACE TRIGGER {referenced}_rekeyed_under_{table}
                AFTER UPDATE OF id ON {referenced}
                FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id)
                EXECUTE FUNCTION {referenced}_held_by_{table}()""",
            _referenced_truncate_function(table, referenced, held_by),
            f"""CREATE OR REPLACE TRIGGER {referenced}_truncated_under_{table}
                AFTER TRUNCATE ON {referenced}
                FOR EACH STATEMENT EXECUTE FUNCTION {referenced}_truncated_under_{table}()""",
        ]
    return statements


def replaced_statements(table: str) -> list[str]:
    """Drop what an earlier ``install_statements`` created and this one no longer does:
    the row trigger that checked an UPDATE's changed references one row at a time."""
    return [f"DROP FUNCTION IF EXISTS {table}_changed_references() CASCADE"]


def uninstall_statements(table: str, references: tuple[Reference, ...]) -> list[str]:
    """Drop what ``install_statements`` created (triggers go with their functions)."""
    statements = [
        f"DROP FUNCTION IF EXISTS {table}_new_references() CASCADE",
        f"DROP FUNCTION IF EXISTS {table}_updated_references() CASCADE",
        *replaced_statements(table),
    ]
    for referenced in _by_referenced_table(references):
        statements += [
            f"DROP FUNCTION IF EXISTS {referenced}_held_by_{table}() CASCADE",
            f"DROP FUNCTION IF EXISTS {referenced}_truncated_under_{table}() CASCADE",
        ]
    return statements
