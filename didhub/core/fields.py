"""The column type of every stored E.164 number, and the migration step that moves to it."""

from django.db import migrations, models

from didhub.core.db import is_postgresql


class E164Field(models.CharField):
    """An E.164 number ("+" and up to 15 digits), compared byte by byte.

    Digits need no linguistic collation, yet on PostgreSQL a column in the database's
    collation (``en_US.UTF-8``, or even ``C.UTF-8`` before PostgreSQL 17) pays a call into
    the C library for every comparison: each unique check, index descent, join and sort
    over millions of numbers. ``COLLATE "C"`` compares with ``memcmp``, sorts with
    abbreviated keys and lets a plain B-tree serve ``LIKE '+1212%'``. The order does not
    change: every value starts with the same "+", and digits sort alike in every
    collation. SQLite compares bytes already, so the column keeps its default there.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if is_postgresql(connection):
            parameters["collation"] = "C"
        return parameters


class AlterToE164Field(migrations.AlterField):
    """``AlterField`` to an :class:`E164Field`, applied to the database on PostgreSQL only.

    On PostgreSQL it is one ``ALTER COLUMN … COLLATE "C"`` (the table's indexes on the
    column are rebuilt). On SQLite nothing in the column changes, and Django's way of
    altering a field there, copying the table into a new one, would also drop the
    triggers that keep the history append-only.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if is_postgresql(schema_editor.connection):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if is_postgresql(schema_editor.connection):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
