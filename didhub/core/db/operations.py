"""Migration operations that keep didhub serving while they run on PostgreSQL.

Each one does on PostgreSQL what takes no long exclusive lock (``CREATE INDEX
CONCURRENTLY``, a constraint added ``NOT VALID`` and validated after) and on SQLite what
SQLite can do: SQLite has one writer and no concurrent build, and an embedded
installation is migrated while stopped (docs/operations.md, *Upgrade*). The rules that
ask for them are in :mod:`didhub.core.db.online`.

A migration holding ``AddIndexOnline`` or ``RemoveIndexOnline`` declares
``atomic = False``: PostgreSQL builds an index concurrently only outside a transaction.
"""

from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    RemoveIndexConcurrently,
    ValidateConstraint,
)
from django.db.migrations.operations import AddConstraint, AddIndex, RemoveIndex

from didhub.core.db.vendor import is_postgresql


class OnPostgreSQL:
    """The operation itself on PostgreSQL; elsewhere the plain operation ``elsewhere``
    does it (``None``: nothing to do there)."""

    elsewhere: type | None = None

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if is_postgresql(schema_editor.connection):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        elif self.elsewhere is not None:
            self.elsewhere.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if is_postgresql(schema_editor.connection):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        elif self.elsewhere is not None:
            self.elsewhere.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexOnline(OnPostgreSQL, AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL: writers keep writing while it builds."""

    elsewhere = AddIndex


class RemoveIndexOnline(OnPostgreSQL, RemoveIndexConcurrently):
    """``DROP INDEX CONCURRENTLY`` on PostgreSQL: no lock that queues the table's readers."""

    elsewhere = RemoveIndex


class AddCheckNotValid(OnPostgreSQL, AddConstraintNotValid):
    """A check constraint added ``NOT VALID`` on PostgreSQL: new rows are checked at once,
    the existing ones by :class:`ValidateCheck` (in a later migration), which reads the
    table without blocking its writers. SQLite adds it as a plain constraint."""

    elsewhere = AddConstraint


class ValidateCheck(OnPostgreSQL, ValidateConstraint):
    """``VALIDATE CONSTRAINT`` on PostgreSQL (a SHARE UPDATE EXCLUSIVE lock: reads and
    writes go on); nothing on SQLite, where :class:`AddCheckNotValid` checked every row."""


def online_safe(reason: str):
    """Mark a ``RunPython`` function as reviewed for a serving installation.

    The rules cannot read Python: a function that moves data must do it in batches (a
    few thousand rows per statement, each batch its own transaction in a migration with
    ``atomic = False``), and says how in ``reason``, which the migration check shows.
    """
    if not reason.strip():
        raise ValueError("online_safe needs the reason the function keeps didhub serving.")

    def mark(function):
        function.online_safe = reason
        return function

    return mark
