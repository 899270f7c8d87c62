"""``didhub transfer``: a grown ``make run`` installation moves to PostgreSQL and answers the same.

The source is a real SQLite installation in a folder of its own, filled by another
process (``transfer_child populate``: the demo, a user with a password and a token, an
upload waiting to be committed); the target is a database this module creates on the
suite's PostgreSQL server. Everything runs as an operator runs it: ``didhub transfer``
as a process, then the API of a node that has only the target and its own data folder.
"""

import os
import sqlite3

import pytest
from django.core.management import CommandError, call_command

from didhub.ops import transfer
from didhub.ops.tests.databases import (
    ServerDatabase,
    child,
    didhub,
    installation_env,
    postgres_run,
)
from didhub.ops.tests.transfer_child import WAITING
from didhub.ops.transfer import KINDS, didhub_tables

needs_server = pytest.mark.skipif(
    not postgres_run(),
    reason="the target is a database created on the PostgreSQL server of the suite's "
    "PostgreSQL run; run the suite with DIDHUB_DATABASE_URL on PostgreSQL",
)


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """An SQLite installation with the demo, a token, and an upload waiting to commit."""
    folder = tmp_path_factory.mktemp("sqlite_installation")
    env = installation_env(folder)
    made = child("populate", env=env)
    return env, folder, made


@pytest.fixture
def database():
    made = []

    def create(purpose: str = "transfer") -> ServerDatabase:
        made.append(ServerDatabase(purpose))
        return made[-1]

    yield create
    for each in made:
        each.drop()


@pytest.mark.postgres_only
@needs_server
def test_the_moved_installation_answers_the_same_and_stays_append_only(
    installation, database, tmp_path
):
    source_env, _, made = installation
    token, import_id = made["token"], made["import"]
    before = child("answers", token, import_id, env=source_env)
    target = database()

    moved = didhub("transfer", "--to", target.url, env=source_env)

    assert moved.returncode == 0, moved.stderr[-3000:]
    assert "Verifying every table: row counts and SHA-256 checksums" in moved.stdout
    assert "numbers/s" in moved.stdout
    assert "1 upload file waiting to commit is kept in the database" in moved.stdout
    # Another node: only the target and a data folder of its own.
    node_env = installation_env(tmp_path / "node", database_url=target.url)
    after = child("answers", token, import_id, env=node_env)
    assert after["status"] == 200  # the token authenticates against the target
    for part in ("numbers", "histories", "events", "accounts", "users", "links", "secrets"):
        assert after[part] == before[part], part
    assert after["import"] == before["import"]
    assert before["import"]["state"] == "ready"
    assert {n["state"] for n in after["numbers"]} >= {"available", "assigned", "reserved", "aging"}

    # History stays append-only in the target, whatever client connects.
    with target.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute("UPDATE core_event SET action = 'changed' WHERE id = 1")
    with target.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM core_event WHERE id = 1")

    # The waiting upload commits there, from a node that never had its file; the new
    # numbers and their event take ids after the moved ones (the sequences moved too).
    committed = child("commit", token, import_id, env=node_env)
    assert committed["status"] == 200, committed["body"]
    assert committed["body"]["state"] == "done"
    assert committed["body"]["committed"] == len(WAITING)
    assert set(WAITING) <= set(committed["found"])
    assert committed["password_login"] is True


@pytest.mark.postgres_only
@needs_server
def test_a_second_transfer_into_the_same_database_is_refused(installation, database):
    source_env, _, _ = installation
    target = database()
    assert didhub("transfer", "--to", target.url, env=source_env).returncode == 0
    numbers = target.scalar("SELECT count(*) FROM numbers_number")

    again = didhub("transfer", "--to", target.url, env=source_env)

    assert again.returncode == 1
    assert f"The target database '{target.name}' is not empty" in again.stderr
    assert f"numbers_number holds {numbers:,} rows" in again.stderr
    assert "fills a new, empty database only" in again.stderr
    assert target.scalar("SELECT count(*) FROM numbers_number") == numbers


@pytest.mark.postgres_only
@needs_server
def test_a_failed_transfer_commits_nothing_and_names_the_table(installation, database, tmp_path):
    """A value PostgreSQL refuses, one nobody can read, then rows PostgreSQL changes: each
    rolls everything back."""
    _, folder, _ = installation
    target = database()

    def altered_copy(name: str, sql: str, params) -> dict:
        """The environment of a copy of the installation with one value changed."""
        copy_folder = tmp_path / name
        copy_folder.mkdir()
        with (
            sqlite3.connect(folder / "didhub.sqlite3") as original,
            sqlite3.connect(copy_folder / "didhub.sqlite3") as copy,
        ):
            original.backup(copy)
            copy.execute(sql, params)
        return installation_env(copy_folder)

    # SQLite does not hold text to its declared length; PostgreSQL does.
    too_long = altered_copy(
        "too_long", "UPDATE numbers_carrier SET name = ? WHERE id = 1", ["x" * 400]
    )
    refused = didhub("transfer", "--to", target.url, env=too_long)
    assert refused.returncode == 1
    assert "numbers_carrier: PostgreSQL refused a row" in refused.stderr
    assert "value too long" in refused.stderr
    assert "Nothing was committed" in refused.stderr
    assert target.scalar("SELECT count(*) FROM accounts_account") == 0

    # A datetime that is not one: named with its table, nothing sent.
    unreadable = altered_copy(
        "unreadable", "UPDATE accounts_account SET created_at = ? WHERE id = 1", ["yesterday"]
    )
    refused = didhub("transfer", "--to", target.url, env=unreadable)
    assert refused.returncode == 1
    assert "accounts_account: a value SQLite holds cannot be read: 'yesterday'" in refused.stderr
    assert "Nothing was committed" in refused.stderr
    assert target.scalar("SELECT count(*) FROM accounts_account") == 0

    # A target that changes what it is given (a trigger of its own): the checksum sees it.
    with target.connect() as conn:
        conn.execute(
            "CREATE FUNCTION shout() RETURNS trigger AS $$ BEGIN NEW.name := upper(NEW.name);"
            " RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        conn.execute(
            "CREATE TRIGGER shout BEFORE INSERT ON accounts_account "
            "FOR EACH ROW EXECUTE FUNCTION shout()"
        )
    differs = didhub("transfer", "--to", target.url, env=installation_env(folder))
    assert differs.returncode == 1
    assert (
        "accounts_account: the rows in PostgreSQL differ from the rows read from SQLite "
        "(checksum). Nothing was committed."
    ) in differs.stderr
    assert target.scalar("SELECT count(*) FROM accounts_account") == 0
    assert target.scalar("SELECT count(*) FROM numbers_number") == 0


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not postgres_run(), reason="the installation's own database is SQLite in this run"
)
def test_a_postgresql_installation_is_refused():
    with pytest.raises(CommandError, match="moves an SQLite installation into PostgreSQL"):
        call_command("transfer", to="postgresql://postgres@127.0.0.1:5432/anywhere")


def test_every_column_of_every_table_is_a_kind_the_transfer_knows():
    """A new kind of column (a duration, a decimal) must be taught to the checksum first."""
    tables = didhub_tables()
    names = [table.name for table in tables]
    assert {"numbers_number", "core_event", "accounts_user", "django_session"} <= set(names)
    # Referenced tables come first: the numbers table checks its references per statement.
    assert names.index("accounts_account") < names.index("numbers_number")
    assert names.index("numbers_target") < names.index("numbers_number")
    assert all(kind in KINDS.values() for table in tables for kind in table.kinds)


def test_a_spool_that_ends_early_refuses_the_move_and_leaves_no_file(monkeypatch, tmp_path):
    """The process writing SQLite's lines is gone (killed, out of memory): the move stops
    at the first table it has no lines for, naming it, and its folder is removed."""
    monkeypatch.setattr(transfer, "spool_tables", lambda *arguments: os._exit(3))
    tables = didhub_tables()
    spool = transfer.Spool(tables, tmp_path / "didhub.sqlite3")
    try:
        with pytest.raises(transfer.TransferRefused) as refused:
            spool.lines_of(tables[0])
    finally:
        spool.close()
    assert str(refused.value) == (
        f"{tables[0].name}: the process reading SQLite ended before writing its rows "
        "(exit code 3). Nothing was committed."
    )
    assert not spool.folder.exists()
