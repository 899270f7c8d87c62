"""Writing many rows at once: COPY on PostgreSQL, ``executemany`` on SQLite.

An upload stages a million rows and may refuse half a million; one ORM object per row
would cost more than the rest of the upload. PostgreSQL takes them by ``COPY ... FROM
STDIN``; SQLite (one writer, in-process) by ``executemany`` inside one transaction per
batch, since in autocommit it would commit every row.

``copy_lines`` takes rows already written in COPY's text format (``copy_text``), for
callers that encode each distinct combination of values once; ``write_rows`` takes
plain tuples and picks the way of the connection.
"""

from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from didhub.core.db.sql import columns as quoted_columns
from didhub.core.db.sql import placeholders
from didhub.core.db.vendor import is_postgresql

# Lines sent to the server in one write: fewer, larger writes cost less per row.
BUFFER_ROWS = 10_000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in COPY's text format: NULL, a boolean, or escaped text."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).translate(_ESCAPES)


def copy_from_statement(table: str, columns: Sequence[str], using: str = DEFAULT_DB_ALIAS) -> str:
    """``COPY table (columns) FROM STDIN``; ``table`` is quoted already (``sql.table``)."""
    return f"COPY {table} ({quoted_columns(columns, using)}) FROM STDIN"


def copy_lines(
    cursor, table: str, columns: Sequence[str], lines: Iterable[str], using=DEFAULT_DB_ALIAS
) -> int:
    """COPY lines of text format (each ending in a newline) through a psycopg cursor.

    ``cursor`` is the driver's cursor (a helper process has no Django connection).
    Returns how many lines were sent.
    """
    count = 0
    with cursor.copy(copy_from_statement(table, columns, using)) as copy:
        buffer = []
        for line in lines:
            buffer.append(line)
            if len(buffer) == BUFFER_ROWS:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        copy.write("".join(buffer))
        count += len(buffer)
    return count


def write_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence], using: str = DEFAULT_DB_ALIAS
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; returns how many.

    PostgreSQL: one COPY. SQLite: one ``executemany`` in one transaction.
    """
    connection = connections[using]
    if is_postgresql(connection):
        count = 0
        connection.ensure_connection()
        statement = copy_from_statement(table, columns, using)
        # psycopg's own cursor, under Django's: COPY is the driver's.
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    values = list(rows)
    if values:
        statement = (
            f"INSERT INTO {table} ({quoted_columns(columns, using)}) "
            f"VALUES ({placeholders(len(columns))})"
        )
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.executemany(statement, values)
    return len(values)
