"""The ops app's SQL: the statements of ``didhub transfer`` on both of its databases.

A transfer (``didhub.ops.transfer``) reads an SQLite file through Python's ``sqlite3``
and writes a PostgreSQL database through psycopg, outside Django's ORM: its statements
are its subject. They are all here: how each kind of column travels (``Kind``: the
field SQLite's ``printf`` writes, and the expression whose ``COPY ... TO STDOUT`` output
PostgreSQL compares with it), the COPY and SELECT of a table, the session the copy
runs under, the keys and indexes set aside and built again, and the checks.

A table here is ``didhub.ops.transfer.Table``: its name (the model's ``db_table``), its
plain and JSON columns with their kinds, and its primary key. Identifiers are quoted
with double quotes, as both databases quote them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, transaction

from didhub.core.db.sql import literal

# Memory for each index built at the end (PostgreSQL's default is 64MB). A sort that fits
# in it stays off disk: the index of (owner, state) over 1,000,000 numbers took 1.1 s with
# 256MB shared by the build's three processes and 0.77 s with 1GB (docs/performance.md).
# Taken as needed, for this session only.
MAINTENANCE_WORK_MEM = "1GB"
# Rows read from a cursor at a time.
BATCH = 10_000
# SQLite functions take at most 127 arguments: a wider row is several printf joined.
PRINTF_ARGUMENTS = 100


def quoted(name: str) -> str:
    """An identifier in double quotes (a quote inside doubled), as both databases read it."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Kind:
    """How one kind of column travels from SQLite to PostgreSQL, and is read back.

    Rows travel as CSV lines that SQLite writes itself (``printf``), one per row, and
    PostgreSQL reads with ``COPY ... FROM STDIN (FORMAT csv)``. ``sqlite`` is the field
    of a column (NULL for NULL: ``printf``'s ``%s`` prints nothing, which CSV reads as
    NULL); ``postgres`` is the expression whose ``COPY ... TO STDOUT (FORMAT csv)``
    output is the same field, byte for byte, so one SHA-256 over each side's lines
    compares them. Text is always quoted on both sides (``quoted``: PostgreSQL's
    ``FORCE_QUOTE``), which tells an empty text from NULL. JSON cannot be compared so
    (jsonb keeps its own key order and spacing): its columns travel last on each line
    and are compared apart, in ``canonical_json`` form on both sides.
    """

    sqlite: str
    postgres: str = '"{c}"'
    quoted: bool = False
    json: bool = False
    text_order: bool = False

    def sqlite_field(self, column: str, null: bool) -> tuple[str, str]:
        """The ``printf`` format and argument of a column."""
        if self is TEXT and not null:
            return '"%w"', f'"{column}"'  # %w doubles the quotes
        return "%s", self.sqlite.format(c=column)


INTEGER = Kind('"{c}"')
TEXT = Kind(
    """CASE WHEN "{c}" IS NULL THEN NULL ELSE printf('"%w"', "{c}") END""",
    quoted=True,
    text_order=True,
)
BOOLEAN = Kind('"{c}"', '"{c}"::int')  # SQLite keeps 0 and 1, which PostgreSQL reads
DATETIME = Kind(
    """CASE WHEN "{c}" IS NULL THEN NULL
    WHEN substr("{c}", 11, 1) <> ' ' THEN didhub_datetime("{c}")
    WHEN length("{c}") = 26 THEN rtrim(rtrim("{c}", '0'), '.') || '+00'
    WHEN length("{c}") = 19 THEN "{c}" || '+00'
    WHEN length("{c}") = 32 AND substr("{c}", 27) = '+00:00'
        THEN rtrim(rtrim(substr("{c}", 1, 26), '0'), '.') || '+00'
    WHEN length("{c}") = 25 AND substr("{c}", 20) = '+00:00' THEN substr("{c}", 1, 19) || '+00'
    ELSE didhub_datetime("{c}") END""",
)  # PostgreSQL writes the column so itself, with the session in UTC and ISO dates.
UUID = Kind("""lower(replace("{c}", '-', ''))""", """replace("{c}"::text, '-', '')""")
BINARY = Kind(r"""CASE WHEN "{c}" IS NULL THEN NULL ELSE '\x' || lower(hex("{c}")) END""")
JSON = Kind(
    """CASE WHEN "{c}" IS NULL THEN NULL ELSE printf('"%w"', didhub_json("{c}")) END""",
    '"{c}"::text',
    json=True,
)
KINDS = {
    **dict.fromkeys(
        (
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "PositiveBigIntegerField",
        ),
        INTEGER,
    ),
    **dict.fromkeys(("CharField", "TextField", "SlugField", "EmailField", "URLField"), TEXT),
    "BooleanField": BOOLEAN,
    "DateTimeField": DATETIME,
    "UUIDField": UUID,
    "BinaryField": BINARY,
    "JSONField": JSON,
}

# The session settings under which PostgreSQL writes values as ``Kind`` expects them.
CANONICAL_SESSION = (
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET bytea_output = 'hex'",
)


# The statements of a table -------------------------------------------------------------


def _printf(columns: list[tuple[str, Kind, bool]]) -> str:
    parts = []
    for start in range(0, len(columns), PRINTF_ARGUMENTS):
        fields = [kind.sqlite_field(column, null) for column, kind, null in columns[start:]]
        fields = fields[:PRINTF_ARGUMENTS]
        formats = ",".join(each[0] for each in fields).replace("'", "''")
        parts.append(f"printf('{formats}', {', '.join(each[1] for each in fields)})")
    return " || ',' || ".join(parts)


def order(table) -> str:
    """The table's key order. SQLite orders text by its bytes; so does PostgreSQL under
    the "C" collation."""
    return quoted(table.primary_key) + (' COLLATE "C"' if table.key_kind.text_order else "")


def copy_in(table) -> str:
    """PostgreSQL's COPY of the lines ``sqlite_select`` writes, plain columns then JSON."""
    columns = ", ".join(quoted(column) for column, _, _ in table.plain + table.json)
    return f"COPY {quoted(table.name)} ({columns}) FROM STDIN (FORMAT csv, FREEZE)"


def sqlite_select(table) -> str:
    """SQLite: one CSV line per row; with JSON columns, their fields and the key apart."""
    lines = [_printf(table.plain)]
    if table.json:
        lines += [_printf(table.json), _printf([(table.primary_key, table.key_kind, False)])]
    return (
        f"SELECT {', '.join(lines)} FROM {quoted(table.name)} ORDER BY {quoted(table.primary_key)}"
    )


def copy_out(table) -> str:
    """PostgreSQL's lines of the plain columns, as ``sqlite_select`` gives them."""
    expressions = ", ".join(
        f"{kind.postgres.format(c=column)} AS {quoted(column)}" for column, kind, _ in table.plain
    )
    forced = ", ".join(quoted(column) for column, kind, _ in table.plain if kind.quoted)
    force = f", FORCE_QUOTE ({forced})" if forced else ""
    return (
        f"COPY (SELECT {expressions} FROM {quoted(table.name)} ORDER BY {order(table)}) "
        f"TO STDOUT (FORMAT csv{force})"
    )


def json_select(table) -> str:
    """PostgreSQL: the key and JSON of the rows holding any (most numbers hold none)."""
    columns = ", ".join(kind.postgres.format(c=column) for column, kind, _ in table.json)
    held = " OR ".join(f"{quoted(column)} IS NOT NULL" for column, _, _ in table.json)
    key = table.key_kind.postgres.format(c=table.primary_key)
    return f"SELECT {key}, {columns} FROM {quoted(table.name)} WHERE {held} ORDER BY {order(table)}"


# The SQLite source ---------------------------------------------------------------------


def hold_source(source) -> None:
    """Take SQLite's write lock: a didhub still running against the file cannot write a
    change the move would leave behind."""
    source.execute("BEGIN IMMEDIATE")


def release_source(source) -> None:
    """Let the write lock go, having written nothing."""
    source.execute("ROLLBACK")


def source_lines(source, table) -> Iterator[list[tuple]]:
    """The table's rows as ``sqlite_select`` writes them, ``BATCH`` at a time."""
    reader = source.execute(sqlite_select(table))
    while rows := reader.fetchmany(BATCH):
        yield rows


# The PostgreSQL target ----------------------------------------------------------------


@contextmanager
def move_transaction(alias: str) -> Iterator:
    """One transaction on the target database ``alias``, and psycopg's cursor in it
    (COPY is the driver's, under Django's cursor)."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        yield cursor.cursor


def filled(connection, names: list[str]) -> list[tuple[str, int]]:
    """``(table, rows)`` of the tables among ``names`` that hold any row."""
    found = []
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted(name)})")
            if cursor.fetchone()[0]:
                cursor.execute(f"SELECT count(*) FROM {quoted(name)}")
                found.append((name, cursor.fetchone()[0]))
    return found


def begin_move(raw) -> None:
    """The move's session, for its transaction only: values written as ``Kind`` reads
    them back, and memory for the index builds."""
    for statement in CANONICAL_SESSION:
        raw.execute(statement.replace("SET ", "SET LOCAL ", 1))
    raw.execute(f"SET LOCAL maintenance_work_mem = {literal(MAINTENANCE_WORK_MEM)}")


def set_aside(raw, names: list[str]) -> list[str]:
    """Drop the tables' keys, unique constraints and indexes; give back the statements
    that build them again, in their order (as pg_restore does)."""
    raw.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid), "
        "contype = 'f' FROM pg_constraint WHERE contype IN ('f', 'p', 'u', 'x') "
        "AND conrelid = ANY(%s::regclass[]) ORDER BY 4 DESC, 1, 2",
        [names],
    )
    constraints = raw.fetchall()  # foreign keys first: they need the others' indexes
    raw.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) ORDER BY 1",
        [names],
    )
    indexes = raw.fetchall()
    # The names come quoted by PostgreSQL itself (regclass, quote_ident).
    for table, name, _, _ in constraints:
        raw.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in indexes:
        raw.execute(f"DROP INDEX {name}")
    add = [
        (foreign, f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for table, name, definition, foreign in constraints
    ]
    return (
        [statement for foreign, statement in add if not foreign]
        + [definition for _, definition in indexes]
        + [statement for foreign, statement in add if foreign]
    )


def truncate(raw, names: list[str]) -> None:
    """Empty the tables in this transaction, so that COPY writes its rows frozen."""
    raw.execute("TRUNCATE " + ", ".join(quoted(name) for name in names))


@contextmanager
def copying_into(raw, table, writer):
    """PostgreSQL's COPY of ``table``'s lines (``copy_in``), through ``writer``."""
    with raw.copy(copy_in(table), writer=writer) as copy:
        yield copy


def run_all(raw, statements: list[str]) -> None:
    """Run statements PostgreSQL or Django wrote (the keys and indexes set aside, the
    sequences' reset)."""
    for statement in statements:
        raw.execute(statement)


def analyze(raw, names: list[str]) -> None:
    """Statistics, so that the checks read each table in key order by its key instead
    of sorting it, and the first queries served find them."""
    raw.execute("ANALYZE " + ", ".join(quoted(name) for name in names))


def target_lines(connection, table) -> Iterator[bytes]:
    """The plain columns' lines as PostgreSQL holds them (``copy_out``), in the canonical
    session. ``connection`` is a psycopg connection."""
    with connection.cursor() as cursor:
        for statement in CANONICAL_SESSION:
            cursor.execute(statement)
        with cursor.copy(copy_out(table)) as out:
            yield from out


def target_json_rows(connection, table) -> Iterator[list[tuple]]:
    """The rows of ``json_select``, ``BATCH`` at a time, from a server-side cursor."""
    with connection.cursor(name=f"digest_{table.name}") as reader:
        reader.itersize = BATCH
        reader.execute(json_select(table))
        while held := reader.fetchmany(BATCH):
            yield held
