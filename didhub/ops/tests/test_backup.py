"""A backup of a PostgreSQL installation restores whole: the procedure of docs/operations.md.

A populated database (created by this test on the suite's PostgreSQL server) is dumped
with ``pg_dump -Fc`` and restored with ``pg_restore`` into a new one, as an operator
restores a backup. The restored database then holds the same rows (each table's count and
checksum), the same schema (every trigger and index, history still append-only), is
current for this didhub (``didhub migrate --check``), answers the API the same, and takes
new writes (its sequences came along).
"""

import shutil
import subprocess

import pytest

from didhub.ops.tests.databases import (
    ServerDatabase,
    child,
    didhub,
    installation_env,
    postgres_run,
)
from didhub.ops.tests.transfer_child import WAITING
from didhub.ops.transfer import didhub_tables, postgres_digests

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not postgres_run(),
        reason="a backup is taken with pg_dump from a database created on the PostgreSQL "
        "server of the suite's PostgreSQL run; run the suite with DIDHUB_DATABASE_URL on "
        "PostgreSQL",
    ),
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="pg_dump and pg_restore are not installed",
    ),
]

# By name: PostgreSQL prints some restored definitions in another, equivalent way (an
# IN list of a partial index as an array of another type).
SCHEMA = {
    "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
    "indexes": "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": (
        "SELECT conrelid::regclass::text, conname, contype, convalidated "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
    ),
    "sequences": "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'",
    "migrations": "SELECT app, name FROM django_migrations",
    "extensions": "SELECT extname FROM pg_extension",
}


def contents(database: ServerDatabase) -> dict:
    """Every table's count and checksums, and the schema's parts, of one database."""
    with database.connect(autocommit=False) as conn:
        found = {table.name: postgres_digests(conn, table) for table in didhub_tables()}
        for part, sql in SCHEMA.items():
            found[part] = sorted(conn.execute(sql).fetchall())
    return found


@pytest.fixture
def databases():
    made: list[ServerDatabase] = []

    def create(purpose: str) -> ServerDatabase:
        made.append(ServerDatabase(purpose))
        return made[-1]

    yield create
    for each in made:
        each.drop()


def test_a_pg_dump_restores_into_a_fresh_database_whole_and_current(databases, tmp_path):
    original = databases("backup")
    env = installation_env(tmp_path / "node", database_url=original.url)
    made = child("populate", env=env)
    before = child("answers", made["token"], made["import"], env=env)
    dump = tmp_path / "didhub.dump"

    subprocess.run(
        ["pg_dump", "-Fc", "-f", str(dump), original.name],
        env=original.command_env(),
        check=True,
        capture_output=True,
    )
    restored = databases("restored")
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", restored.name, str(dump)],
        env=restored.command_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr

    want, got = contents(original), contents(restored)
    assert want["numbers_number"][0] > 0 and want["core_event"][0] > 0
    assert want["imports_uploadchunk"][0] > 0  # the waiting upload's file, kept in the database
    for name in want:
        assert got[name] == want[name], name
    assert ("core_event", "core_event_append_only") in got["triggers"]
    with restored.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute("UPDATE core_event SET action = 'changed' WHERE id = 1")

    restored_env = installation_env(tmp_path / "restored", database_url=restored.url)
    current = didhub("migrate", "--check", env=restored_env)
    assert current.returncode == 0, current.stdout + current.stderr
    listed = didhub("showmigrations", env=restored_env)
    assert listed.returncode == 0 and "[X]" in listed.stdout and "[ ]" not in listed.stdout
    assert child("answers", made["token"], made["import"], env=restored_env) == before
    # New rows take ids after the restored ones: the sequences were restored with them.
    committed = child("commit", made["token"], made["import"], env=restored_env)
    assert committed["status"] == 200, committed["body"]
    assert set(WAITING) <= set(committed["found"])
