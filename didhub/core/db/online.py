"""The rules a migration follows so that didhub keeps serving while it runs.

``didhub migrate`` runs while the previous version still serves (docs/operations.md,
*Upgrade*). On PostgreSQL an operation that rewrites or scans a large table under an
ACCESS EXCLUSIVE lock stops every request that reads it, for minutes at ten million
numbers; one that changes what the old code reads or writes makes the old code fail.
:func:`refusals` reads each operation of each migration, with the schema as it was before
it, and names every one that breaks a rule and what to write instead.

The rules are about what PostgreSQL does; SQLite installations are migrated while
stopped. ``tests/test_migrations_online.py`` applies them to every migration of didhub,
with the migrations written before the rules listed there with their reasons.
"""

import re
from dataclasses import dataclass

from django.db import migrations
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.models import Value
from django.db.models.functions import Now

# The tables that hold millions of rows, or bytes by the megabyte: (app label, model).
LARGE_MODELS = {
    ("numbers", "number"),
    ("numbers", "assignment"),
    ("core", "event"),
    ("imports", "importrow"),
    ("imports", "importrowerror"),
    ("imports", "uploadchunk"),
    ("sync", "syncchange"),
    ("sync", "outboxmessage"),
    ("sync", "syncednumber"),
}

ADVICE = {
    "index-concurrently": (
        "build or drop the index with didhub.core.db.operations.AddIndexOnline / "
        "RemoveIndexOnline (CREATE/DROP INDEX CONCURRENTLY) in a migration with atomic = False"
    ),
    "constraint-not-valid": (
        "add a check with didhub.core.db.operations.AddCheckNotValid, then ValidateCheck in "
        "a later migration; for a unique constraint build a unique index with AddIndexOnline"
    ),
    "no-rewrite": (
        "add a new column (nullable, or with a constant db_default), fill it in batches, "
        "switch the code to it in one release and drop the old column in a later one"
    ),
    "not-null": (
        "add a CHECK (column IS NOT NULL) with AddCheckNotValid, validate it with "
        "ValidateCheck, and keep the column nullable in the model"
    ),
    "add-column": (
        "make the column nullable, or give it a constant db_default (not a volatile "
        "function), so that adding it rewrites nothing and the old code's inserts still work"
    ),
    "old-code": (
        "the version still serving reads that name: stop using it in one release and "
        "rename or drop it in a later one (list the migration in the grandfathered "
        "migrations with the release that stopped using it)"
    ),
    "batches": (
        "move data in a RunPython function marked @online_safe('...'), in batches of a "
        "few thousand rows, each its own transaction (atomic = False on the migration)"
    ),
    "exclusive-lock": "do not lock or rewrite the whole table; copy it in batches instead",
}

RULE_TEXT = {
    "index-concurrently": "an index on a large table is built or dropped under a write lock",
    "constraint-not-valid": "a constraint on a large table is checked under an exclusive lock",
    "no-rewrite": "a column of a large table changes type: the table is rewritten",
    "not-null": "SET NOT NULL on a large table scans it under an exclusive lock",
    "add-column": "a NOT NULL column without a constant database default",
    "old-code": "a table or column the serving version uses is renamed or removed",
    "batches": "data is rewritten in one statement, or by code the rules cannot read",
    "exclusive-lock": "the statement locks or rewrites a whole table",
}


@dataclass(frozen=True)
class Refusal:
    migration: str  # "numbers.0008_owner_index"
    index: int  # the operation's place in the migration, from 1
    operation: str  # the operation's describe()
    rule: str  # a key of RULE_TEXT

    def __str__(self) -> str:
        return (
            f"{self.migration}, operation {self.index} ({self.operation}): "
            f"{RULE_TEXT[self.rule]} [{self.rule}]. Instead: {ADVICE[self.rule]}."
        )


def _table(app_label: str, model_name: str, state: ProjectState) -> str:
    model = state.models.get((app_label, model_name.lower()))
    if model and model.options.get("db_table"):
        return model.options["db_table"]
    return f"{app_label}_{model_name.lower()}"


def large_tables(state: ProjectState) -> set[str]:
    return {_table(app, model, state) for app, model in LARGE_MODELS}


def _postgresql():
    """A PostgreSQL connection object, never connected: to read column types."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    return DatabaseWrapper(
        {
            "NAME": "",
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "OPTIONS": {},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        },
        "migration-rules",
    )


def _column(field, connection) -> tuple:
    parameters = field.db_parameters(connection)
    return parameters["type"], parameters.get("collation")


_VARCHAR = re.compile(r"varchar\((\d+)\)")


def _target(field) -> str | None:
    if not field.remote_field:
        return None
    model = field.remote_field.model
    return (model if isinstance(model, str) else model._meta.label).lower()


def _retyped(old, new, connection) -> bool:
    """Whether PostgreSQL rewrites the table to go from ``old`` to ``new``."""
    if old.remote_field or new.remote_field:  # a key's type is its target's key's
        return _target(old) != _target(new)
    (old_type, old_collation), (new_type, new_collation) = (
        _column(old, connection),
        _column(new, connection),
    )
    if old_type is None or new_type is None:  # a reverse relation or m2m: no column
        return False
    if old_collation != new_collation:
        return True  # every index on the column is rebuilt
    if old_type == new_type:
        return False
    old_length, new_length = _VARCHAR.fullmatch(old_type), _VARCHAR.fullmatch(new_type)
    # Widening a varchar is a catalog change; anything else rewrites.
    widened = new_type == "text" or (new_length and int(new_length[1]) >= int(old_length[1]))
    return not (old_length and widened)


def _indexed(field) -> bool:
    return bool(field.db_index or field.unique or (field.remote_field and field.db_constraint))


def _constant_default(field) -> bool:
    """A database default PostgreSQL stores once in the catalog: a constant, or now()
    (stable: one value per statement). A volatile one (random(), a sequence) rewrites."""
    return isinstance(field.db_default, Value | Now)


def _field_rules(operation, app_label, state, connection) -> list[str]:
    model_key = (app_label, operation.model_name_lower)
    large = model_key in LARGE_MODELS
    if isinstance(operation, migrations.RenameField | migrations.RemoveField):
        return ["old-code"]
    if not large:
        return []
    field = operation.field
    if isinstance(operation, migrations.AddField):
        found = []
        if not field.null and not _constant_default(field):
            found.append("add-column")
        if _indexed(field):
            found.append("index-concurrently")
        return found
    if isinstance(operation, migrations.AlterField):
        old = state.models[model_key].fields[operation.name_lower]
        found = []
        if _retyped(old, field, connection):
            found.append("no-rewrite")
        if old.null and not field.null:
            found.append("not-null")
        if _indexed(field) and not _indexed(old):
            found.append("index-concurrently")
        return found
    return []


def _sql_text(sql) -> str:
    if isinstance(sql, list | tuple):
        return "; ".join(
            _sql_text(item[0] if isinstance(item, list | tuple) else item) for item in sql
        )
    return str(sql)


_NOT_VALID = r"(?!.*\bnot\s+valid\b)(?!.*\busing\s+index\b)"
_STATEMENT_RULES = [
    (re.compile(r"\bcreate\s+(unique\s+)?index\s+(?!concurrently\b)"), "index-concurrently", True),
    (re.compile(r"\bdrop\s+index\s+(?!concurrently\b)"), "index-concurrently", False),
    (re.compile(r"\breindex\s+(?!.*\bconcurrently\b)"), "index-concurrently", True),
    (re.compile(r"\badd\s+constraint\b" + _NOT_VALID), "constraint-not-valid", True),
    (re.compile(r"\balter\s+column\s+\S+\s+(set\s+data\s+)?type\b"), "no-rewrite", True),
    (re.compile(r"\bset\s+not\s+null\b"), "not-null", True),
    (re.compile(r"\badd\s+column\b(?=.*\bnot\s+null\b)(?!.*\bdefault\b)"), "add-column", True),
    (re.compile(r"\b(vacuum\s+full|cluster|lock\s+table)\b"), "exclusive-lock", True),
    (re.compile(r"\b(update|delete\s+from|insert\s+into)\s+"), "batches", True),
    (re.compile(r"\b(rename\s+(column\s+)?\S+\s+to|drop\s+(column|table))\b"), "old-code", False),
]  # fmt: skip
_NAMED = re.compile(r"\b(?:table|on|update|from|into)\s+(?:only\s+)?\"?(\w+)\"?")


def sql_rules(sql: str, large: set[str]) -> list[str]:
    """The rules one ``RunSQL`` breaks: statement by statement, by the tables it names."""
    found = []
    for statement in sql.lower().split(";"):
        statement = " ".join(statement.split())
        tables = set(_NAMED.findall(statement))
        for pattern, rule, large_only in _STATEMENT_RULES:
            if pattern.search(statement) and (not large_only or tables & large):
                found.append(rule)
    return list(dict.fromkeys(found))


def operation_rules(
    operation: Operation, app_label: str, state: ProjectState, connection
) -> list[str]:
    """The rules ``operation`` breaks, read against ``state``, the schema before it."""
    if isinstance(operation, migrations.SeparateDatabaseAndState):
        found = []
        inner = state.clone()
        for database_operation in operation.database_operations:
            found += operation_rules(database_operation, app_label, inner, connection)
            database_operation.state_forwards(app_label, inner)
        return found
    if isinstance(operation, migrations.RunSQL):
        return sql_rules(_sql_text(operation.sql), large_tables(state))
    if isinstance(operation, migrations.RunPython):
        return [] if getattr(operation.code, "online_safe", "") else ["batches"]
    if isinstance(operation, migrations.RenameModel | migrations.DeleteModel):
        return ["old-code"]
    if isinstance(operation, migrations.AlterModelTable):
        return ["old-code"]
    model_name = getattr(operation, "model_name_lower", None) or getattr(
        operation, "name_lower", ""
    )
    large = (app_label, model_name) in LARGE_MODELS
    # Checked by name first: the online operations subclass the plain ones.
    name = type(operation).__name__
    if name in {
        "AddIndexOnline",
        "RemoveIndexOnline",
        "AddIndexConcurrently",
        "RemoveIndexConcurrently",
    }:
        return []
    if name in {"AddCheckNotValid", "ValidateCheck", "AddConstraintNotValid", "ValidateConstraint"}:
        return []
    if isinstance(operation, migrations.AddIndex | migrations.RemoveIndex | migrations.RenameIndex):
        return ["index-concurrently"] if large else []
    if isinstance(operation, migrations.AlterUniqueTogether | migrations.AlterIndexTogether):
        return ["index-concurrently"] if large and operation.option_value else []
    if isinstance(operation, migrations.AddConstraint):
        return ["constraint-not-valid"] if large else []
    if isinstance(
        operation,
        migrations.AddField
        | migrations.AlterField
        | migrations.RemoveField
        | migrations.RenameField,
    ):
        return _field_rules(operation, app_label, state, connection)
    return []  # CreateModel, RemoveConstraint, AlterModelOptions...: no table-wide lock


def refusals(migrations_in_order, apps: set[str], exempt=lambda key, rule: False) -> list[Refusal]:
    """Every rule broken by the migrations of ``apps`` among ``migrations_in_order``
    (``Migration`` objects in the order they apply to an empty database, every app's, so
    that the schema before each is known), except those ``exempt(key, rule)`` allows.

    An operation on a table created by the same migration, or by an ``initial``
    migration, is on an empty table and breaks nothing.
    """
    connection = _postgresql()
    state = ProjectState()
    found = []
    for migration in migrations_in_order:
        key = f"{migration.app_label}.{migration.name}"
        created = set()
        for index, operation in enumerate(migration.operations, start=1):
            if isinstance(operation, migrations.CreateModel):
                created.add((migration.app_label, operation.name_lower))
            model = getattr(operation, "model_name_lower", None)
            fresh = migration.initial or (migration.app_label, model) in created
            if not fresh and migration.app_label in apps:
                for rule in operation_rules(operation, migration.app_label, state, connection):
                    if not exempt(key, rule):
                        found.append(Refusal(key, index, operation.describe(), rule))
            operation.state_forwards(migration.app_label, state)
    return found
