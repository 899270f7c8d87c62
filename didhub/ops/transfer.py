"""Move an embedded SQLite installation into an empty PostgreSQL database.

``didhub transfer --to postgresql://...`` (docs/operations.md). Its shape, and why:

* **What cannot end well is refused before anything is written**: a source that is not
  SQLite (PostgreSQL moves with pg_dump), a source whose migrations are not all applied
  (its tables would not match the target's), a target that is not PostgreSQL, and a
  target whose tables already hold rows (a transfer never merges two installations).
* **The schema comes from ``migrate``**, so the target is exactly what ``didhub
  migrate`` builds on PostgreSQL: its triggers, the trigram index, the set-based
  reference checks. The rows ``migrate`` writes itself (content types, permissions) are
  replaced by the source's, whose ids the source's other rows point at.
* **One PostgreSQL transaction of COPY statements.** As pg_restore does, every table's
  keys, unique constraints and indexes are set aside at its start and built again once
  every row is in: one sorted build and one set-based check each, instead of an index
  entry and a queued check per row. The tables are truncated in the same transaction,
  so COPY writes their rows frozen. Tables go in the order of their references, because
  the numbers table checks its references at the end of each statement (numbers/0006).
  SQLite writes each row's CSV line itself (``Kind``), in a process of its own
  (``Spool``) that starts while ``migrate`` creates the target's tables, into a
  temporary file per table; COPY then sends each file as soon as it is complete.
* **Nothing is written to the source**, and its write lock is held throughout (``BEGIN
  IMMEDIATE``): a didhub still running against it waits, then fails, instead of writing
  a change the move would leave behind.
* **Verified before it commits**: each table's row count and a SHA-256 over its rows in
  primary-key order, taken over the rows read from SQLite as they are sent and again
  over the rows PostgreSQL then holds, both in one canonical form (``KINDS``). A
  difference rolls everything back and names the table.
"""

import hashlib
import json
import multiprocessing
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from psycopg.copy import QueuedLibpqWriter

from didhub.core.database_url import database_from_url
from didhub.core.db import is_sqlite
from didhub.ops import sql
from didhub.ops.sql import KINDS, Kind

TARGET_ALIAS = "transfer_target"
# Rows `migrate` writes into an empty database; the source's replace them.
WRITTEN_BY_MIGRATE = frozenset({"django_content_type", "auth_permission"})


# Bytes of a table's lines sent to COPY at a time.
COPY_PIECE = 1 << 20


class TransferRefused(Exception):
    """A transfer that would not end well: nothing was written."""


def canonical_datetime(value: str) -> str:
    """A datetime as PostgreSQL writes a ``timestamptz`` in UTC: ``2026-12-07 10:15:02.1+00``.

    That is: ISO with a space, the fraction of a second without its trailing zeros (none
    when whole), and ``+00``. Django writes a datetime to SQLite as its naive UTC text,
    with the microseconds only when there are some; didhub's raw SQL leaves ``+00:00``
    after it. The SQL of ``DATETIME`` turns those forms itself and calls this for any
    other ISO form (a ``T``, another offset), read as PostgreSQL reads it: naive is UTC.
    """
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(" ", "microseconds").rstrip("0").rstrip(".") + "+00"


def canonical_json(value: str) -> str:
    """The document with sorted keys and no spaces: SQLite keeps the text it was given,
    PostgreSQL's jsonb its own spacing and key order."""
    return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def csv_field(value: str | None) -> str:
    """A value as COPY's CSV has it: quoted, quotes doubled; nothing for NULL."""
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def column_kind(model_field) -> Kind:
    """The kind of a concrete field's column; a foreign key's is that of what it points at."""
    while model_field.is_relation:
        model_field = model_field.target_field
    kind = KINDS.get(model_field.get_internal_type())
    if kind is None:
        model = model_field.model._meta
        raise TransferRefused(
            f"didhub transfer cannot move {model.db_table}.{model_field.column}: "
            f"it does not know how {model_field.get_internal_type()} columns are stored."
        )
    return kind


@dataclass
class Table:
    model: type
    name: str
    plain: list[tuple[str, Kind, bool]]  # (column, kind, null), JSON columns apart
    json: list[tuple[str, Kind, bool]]
    primary_key: str
    key_kind: Kind
    rows: int = 0
    source_digests: tuple[str, str] = ("", "")
    seconds: float = 0.0

    @classmethod
    def of(cls, model) -> "Table":
        columns = [
            (each.column, column_kind(each), each.null) for each in model._meta.concrete_fields
        ]
        pk = model._meta.pk
        return cls(
            model=model,
            name=model._meta.db_table,
            plain=[column for column in columns if not column[1].json],
            json=[column for column in columns if column[1].json],
            primary_key=pk.column,
            key_kind=column_kind(pk),
        )

    @property
    def kinds(self) -> list[Kind]:
        return [kind for _, kind, _ in self.plain + self.json]

    def json_lines(self, rows) -> list[str]:
        """From ``json_select``: the key and the JSON fields as SQLite's ``printf`` writes them."""
        quote = csv_field if self.key_kind.quoted else str
        return [
            quote(key) + "," + ",".join(csv_field(v and canonical_json(v)) for v in values)
            for key, *values in rows
        ]

    def held_json(self, rows) -> list[str]:
        """From ``sqlite_select``: the same lines, for the rows holding any JSON."""
        empty = "," * (len(self.json) - 1)
        return [f"{key},{fields}" for _, fields, key in rows if fields != empty]


def didhub_tables() -> list[Table]:
    """Every table of a model (many-to-many tables too), referenced tables first.

    Tables the database keeps itself (``kept_by_triggers``: the inventory tallies) are
    left out: the target's triggers write them as the rows they follow arrive.
    """
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not getattr(model, "kept_by_triggers", False)
    ]
    by_table = {model._meta.db_table: model for model in models}
    ordered: list = []
    placed: set[str] = set()

    def place(model, path: tuple[str, ...] = ()) -> None:
        table = model._meta.db_table
        if table in placed or table in path:
            return  # Placed, or a cycle: its keys are checked at the end all the same.
        for each in model._meta.concrete_fields:
            if each.is_relation and (target := each.related_model._meta.db_table) in by_table:
                place(by_table[target], (*path, table))
        placed.add(table)
        ordered.append(model)

    for model in sorted(models, key=lambda each: each._meta.db_table):
        place(model)
    return [Table.of(model) for model in ordered]


def lines_bytes(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode() if lines else b""


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    upload_files: int = 0
    migrate_seconds: float = 0.0
    copy_seconds: float = 0.0
    index_seconds: float = 0.0
    verify_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)

    def count(self, table_name: str) -> int:
        return next((table.rows for table in self.tables if table.name == table_name), 0)


def source_path() -> Path:
    """The SQLite file of this installation; refused for anything else."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not is_sqlite(connection):
        raise TransferRefused(
            f"didhub transfer moves an SQLite installation into PostgreSQL; this "
            f"installation's database is already {connection.display_name} "
            "(DIDHUB_DATABASE_URL). A PostgreSQL database moves with pg_dump and "
            "pg_restore (docs/operations.md)."
        )
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise TransferRefused("This installation's SQLite database is in memory: nothing to move.")
    path = Path(name)
    if not path.is_file():
        raise TransferRefused(f"There is no SQLite database at {path}: nothing to move.")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        app, name = pending[0][0].app_label, pending[0][0].name
        raise TransferRefused(
            f"The SQLite database lacks {len(pending)} migration(s) of this didhub, the "
            f"first {app}.{name}: run `didhub migrate` on it first."
        )
    return path


def add_target(url: str) -> str:
    """The target as a second database of this process, under ``TARGET_ALIAS``."""
    database = database_from_url(url)
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise TransferRefused(
            "--to must name a PostgreSQL database (postgresql://user:pass@host:5432/name)."
        )
    database["CONN_MAX_AGE"] = 0
    connections.settings[TARGET_ALIAS] = connections.configure_settings(
        {DEFAULT_DB_ALIAS: database}
    )[DEFAULT_DB_ALIAS]
    try:
        connections[TARGET_ALIAS].ensure_connection()
    except Exception as error:
        drop_target()
        raise TransferRefused(
            f"Cannot connect to the target database {database['NAME']!r} on "
            f"{database['HOST'] or 'the local socket'}: {str(error).strip()}. Create it first "
            "(createdb), empty, owned by the user didhub connects as."
        ) from error
    return TARGET_ALIAS


def drop_target() -> None:
    if TARGET_ALIAS in connections.settings:
        if hasattr(connections._connections, TARGET_ALIAS):
            connections[TARGET_ALIAS].close()
            del connections[TARGET_ALIAS]
        del connections.settings[TARGET_ALIAS]


def refuse_filled_target(tables: list[Table]) -> None:
    """Refuse a target whose tables hold rows, naming each with its count."""
    connection = connections[TARGET_ALIAS]
    present = set(connection.introspection.table_names())
    checked = [
        table.name
        for table in tables
        if table.name not in WRITTEN_BY_MIGRATE and table.name in present
    ]
    filled = [f"{name} holds {rows:,} rows" for name, rows in sql.filled(connection, checked)]
    if filled:
        raise TransferRefused(
            f"The target database {connection.settings_dict['NAME']!r} is not empty: "
            f"{'; '.join(filled)}. didhub transfer fills a new, empty database only; "
            "create one (createdb) and name it in --to."
        )


def postgres_digests(connection, table: Table) -> tuple[int, tuple[str, str]]:
    """A table's row count and checksums as PostgreSQL holds it.

    The same SHA-256 digests ``Move.copy`` takes over the lines it sends, so equal digests
    mean equal rows. ``connection`` is a psycopg connection; the tests compare a restored
    backup with its original by them too.
    """
    plain_digest, json_digest = hashlib.sha256(), hashlib.sha256()
    rows = 0
    for line in sql.target_lines(connection, table):
        plain_digest.update(line)
        rows += 1
    if table.json:
        for held in sql.target_json_rows(connection, table):
            json_digest.update(lines_bytes(table.json_lines(held)))
    return rows, (plain_digest.hexdigest(), json_digest.hexdigest())


def remembering(convert: Callable[[str], str], unreadable: list[str]) -> Callable[[str], str]:
    """``convert`` for SQLite, noting the value it could not read (SQLite says only that a
    function failed)."""

    def converted(value):
        try:
            return convert(value)
        except (TypeError, ValueError) as error:
            unreadable.append(f"{value!r:.80} ({error})")
            raise

    return converted


def spool_tables(tables: list[Table], path: Path, folder: Path, results) -> None:
    """Each table's COPY lines into ``folder/<table>.csv``, in the tables' order.

    Runs in the process ``Spool`` starts. For each table it sends ``(name, rows,
    digests, error)`` down ``results`` once the file is complete: the row count and the
    SHA-256 digests of the lines read (as ``postgres_digests`` takes them of the target),
    or why SQLite could not write a line, after which it stops.
    """
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    unreadable: list[str] = []
    source.create_function("didhub_datetime", 1, remembering(canonical_datetime, unreadable))
    source.create_function("didhub_json", 1, remembering(canonical_json, unreadable))
    for table in tables:
        plain_digest, json_digest = hashlib.sha256(), hashlib.sha256()
        rows = 0
        try:
            with open(folder / f"{table.name}.csv", "wb") as out:
                for batch in sql.source_lines(source, table):
                    lines = lines_bytes([row[0] for row in batch])
                    plain_digest.update(lines)
                    if table.json:
                        json_digest.update(lines_bytes(table.held_json(batch)))
                        lines = "".join(f"{row[0]},{row[1]}\n" for row in batch).encode()
                    out.write(lines)
                    rows += len(batch)
        except sqlite3.Error as error:
            value = f": {unreadable[-1]}" if unreadable else ""
            results.send((table.name, rows, None, f"{value} ({error})"))
            return
        results.send((table.name, rows, (plain_digest.hexdigest(), json_digest.hexdigest()), ""))
    source.close()


class Spool:
    """SQLite's lines of every table, written ahead of the COPY by a process of its own.

    Started before ``migrate`` creates the target's tables, so that the machine's cores
    share the work: SQLite writing lines (``printf`` over every column of every row)
    runs while the target's schema is built, and each table's COPY then sends a
    finished file in large pieces. A process, not a thread: SQLite gives up and takes
    back Python's lock at every row it steps over, so a thread would wait on ``migrate``
    for each. It reads with a read-only connection of its own, opened after this process
    took the file's write lock, so it reads exactly what the move copies. The files are
    in a temporary folder (``TMPDIR``), each removed once copied: at most the lines of
    every table, about 240 MB for a million numbers with their assignments.
    """

    def __init__(self, tables: list[Table], path: Path):
        self.folder = Path(tempfile.mkdtemp(prefix="didhub-transfer-"))
        context = multiprocessing.get_context("fork")
        self.results, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=spool_tables, args=(tables, path, self.folder, sender), daemon=True
        )
        self.process.start()
        sender.close()

    def lines_of(self, table: Table) -> Path:
        """The table's file once complete; its row count and digests set on ``table``."""
        try:
            name, rows, digests, error = self.results.recv()
        except EOFError:
            self.process.join(timeout=10)
            raise TransferRefused(
                f"{table.name}: the process reading SQLite ended before writing its rows "
                f"(exit code {self.process.exitcode}). Nothing was committed."
            ) from None
        if name != table.name:  # both sides go through the same list, in its order
            raise RuntimeError(f"the spool wrote {name} where {table.name} was expected")
        if error:
            raise TransferRefused(
                f"{table.name}: a value SQLite holds cannot be read{error}. Nothing was committed."
            )
        table.rows, table.source_digests = rows, digests
        return self.folder / f"{table.name}.csv"

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.results.close()
        for each in self.folder.iterdir():
            each.unlink()
        self.folder.rmdir()


class Move:
    """One transfer: the source's rows into the target, in one transaction."""

    def __init__(self, tables: list[Table], spool: Spool, say: Callable):
        self.tables = tables
        self.spool = spool
        self.say = say
        self.target = connections[TARGET_ALIAS]

    def run(self, report: Report) -> None:
        with sql.move_transaction(TARGET_ALIAS) as raw:
            names = [table.name for table in self.tables]
            sql.begin_move(raw)
            started = time.perf_counter()
            # As pg_restore does: keys and indexes are built again once the rows are in.
            rebuild = sql.set_aside(raw, names)
            # Empty (but for what migrate wrote) and now truncated in this transaction, so
            # COPY writes its rows frozen: nothing rewrites them to mark them visible later.
            sql.truncate(raw, names)
            for table in self.tables:
                self.copy(raw, table)
            report.copy_seconds = time.perf_counter() - started
            started = time.perf_counter()
            self.say(f"Building {len(rebuild)} keys, constraints and indexes")
            sql.run_all(raw, rebuild)
            sql.run_all(
                raw,
                self.target.ops.sequence_reset_sql(
                    no_style(), [table.model for table in self.tables]
                ),
            )
            sql.analyze(raw, names)
            report.index_seconds = time.perf_counter() - started
            started = time.perf_counter()
            self.verify(raw)
            report.verify_seconds = time.perf_counter() - started
            report.upload_files = self.keep_upload_files()

    def copy(self, raw, table: Table) -> None:
        """COPY the table's lines in, as the spool wrote and hashed them."""
        started = time.perf_counter()
        path = self.spool.lines_of(table)
        try:
            # psycopg's writer sends a piece from a thread of its own while the next is read.
            with (
                open(path, "rb") as lines,
                sql.copying_into(raw, table, QueuedLibpqWriter(raw)) as copy,
            ):
                while piece := lines.read(COPY_PIECE):
                    copy.write(piece)
        except psycopg.Error as error:
            context = (error.diag.context or "").strip().replace("\n", " ")
            raise TransferRefused(
                f"{table.name}: PostgreSQL refused a row: {str(error).strip()}"
                f"{f' ({context[:300]})' if context else ''}. Nothing was committed."
            ) from error
        finally:
            path.unlink()
        table.seconds = time.perf_counter() - started
        if table.rows:
            rate = table.rows / table.seconds if table.seconds else 0
            self.say(f"{table.name}: {table.rows:,} rows in {table.seconds:.1f} s ({rate:,.0f}/s)")

    def verify(self, raw) -> None:
        """Each table's count and checksums as PostgreSQL now holds it, else roll back."""
        self.say("Verifying every table: row counts and SHA-256 checksums")
        for table in self.tables:
            rows, digests = postgres_digests(self.target.connection, table)
            if rows != table.rows:
                raise TransferRefused(
                    f"{table.name}: {table.rows:,} rows read from SQLite, {rows:,} in "
                    "PostgreSQL. Nothing was committed."
                )
            if digests != table.source_digests:
                raise TransferRefused(
                    f"{table.name}: the rows in PostgreSQL differ from the rows read from "
                    "SQLite (checksum). Nothing was committed."
                )

    def keep_upload_files(self) -> int:
        """Uploads not yet done keep their file in the database, as on PostgreSQL they do.

        On SQLite an upload's file lives only under ``MEDIA_ROOT`` (didhub.imports.uploads);
        a node of the PostgreSQL installation that is not this machine reads it from the
        database. Added after the checks, since the source holds no such rows.
        """
        from didhub.imports.choices import ImportState
        from didhub.imports.models import Import, UploadChunk
        from didhub.imports.uploads import CHUNK_BYTES, folder

        kept = 0
        waiting = Import.objects.using(TARGET_ALIAS).filter(
            state__in=[ImportState.VALIDATING, ImportState.READY, ImportState.COMMITTING]
        )
        for run in waiting.exclude(stored_file="").exclude(chunks__isnull=False):
            path = folder(run.pk) / Path(run.stored_file).name
            if not path.is_file():
                continue
            with open(path, "rb") as stream:
                seq = 0
                while piece := stream.read(CHUNK_BYTES):
                    UploadChunk.objects.using(TARGET_ALIAS).create(
                        import_run_id=run.pk, seq=seq, data=piece
                    )
                    seq += 1
            kept += 1
        return kept


def transfer(url: str, *, say: Callable[[str], None] = print) -> Report:
    """Move this SQLite installation into the empty PostgreSQL database at ``url``."""
    started = time.perf_counter()
    path = source_path()
    tables = didhub_tables()
    add_target(url)
    try:
        refuse_filled_target(tables)
        # The write lock, taken before the spool reads: a didhub still running against
        # the file cannot write a change the move would leave behind. Taken on this
        # process's own connection to the file, which ``migrate`` uses too: a migration's
        # data step that writes to the default database instead of the one it migrates
        # (one of django-tasks-db's does) runs inside the lock and is rolled back with it.
        source = connections[DEFAULT_DB_ALIAS]
        source.ensure_connection()
        sql.hold_source(source.connection)
        try:
            spool = Spool(tables, path)
            try:
                name = connections[TARGET_ALIAS].settings_dict["NAME"]
                say(f"Creating didhub's tables in {name}")
                migrate_started = time.perf_counter()
                call_command("migrate", database=TARGET_ALIAS, interactive=False, verbosity=0)
                report = Report(
                    tables=tables, migrate_seconds=time.perf_counter() - migrate_started
                )
                say(f"Copying {len(tables)} tables from {path}")
                Move(tables, spool, say).run(report)
            finally:
                spool.close()
        finally:
            sql.release_source(source.connection)
    finally:
        drop_target()
    report.total_seconds = time.perf_counter() - started
    return report


def summary_lines(report: Report) -> Iterable[str]:
    numbers = report.count("numbers_number")
    moving = report.copy_seconds + report.index_seconds + report.verify_seconds
    yield (
        f"Moved {report.rows:,} rows of {sum(1 for t in report.tables if t.rows)} tables, "
        f"{numbers:,} numbers, in {report.total_seconds:.1f} s: tables created "
        f"{report.migrate_seconds:.1f} s, rows copied {report.copy_seconds:.1f} s, keys "
        f"and indexes {report.index_seconds:.1f} s, verified {report.verify_seconds:.1f} s."
    )
    if numbers and moving:
        yield f"{numbers / moving:,.0f} numbers/s from the first row copied to the last checked."
    if report.upload_files:
        files = (
            "1 upload file waiting to commit is"
            if report.upload_files == 1
            else (f"{report.upload_files} upload files waiting to commit are")
        )
        yield f"{files} kept in the database."
