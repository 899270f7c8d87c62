"""Reads from a real PostgreSQL streaming replica, and what stays on the primary.

The test starts a hot standby of the suite's PostgreSQL server on this machine: a base
backup of it (``pg_basebackup -R``, as the ``postgres`` user when run as root) in a
temporary folder, started with ``pg_ctl`` on a free loopback port, stopped and removed at
the end. The primary has to accept replication connections from 127.0.0.1 (``.ci/run``
adds the pg_hba line). The database alias ``replica`` then points at the suite's test
database on the standby, as ``DIDHUB_DATABASE_REPLICA_URL`` would.

Which database served a page is read from the queries each connection ran: the number
list's query ran on the replica's connection and not on the primary's, and that
connection is a standby (``pg_is_in_recovery()``).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.urls import reverse

from didhub.accounts.testing import build_tree
from didhub.core.db import replica as replicas
from didhub.imports import adding
from didhub.numbers.models import Number

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="a streaming replica is PostgreSQL's; run the suite with DIDHUB_DATABASE_URL "
        "on PostgreSQL",
    ),
    # The primary's writes commit, so that the standby receives them.
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, replicas.ALIAS]),
]

ALIAS = replicas.ALIAS
WAIT = 60  # seconds any one wait may take on a loaded machine
PAGES = {
    "API list": "/api/v1/numbers/",
    "portal list": "/numbers/",
    "dashboard": "/",
    "CSV export": "/api/v1/numbers/export.csv",
}


def until(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not (answer := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)
    return answer


class Standby:
    """A hot standby of the suite's server, in a folder of its own."""

    def __init__(self):
        primary = settings.DATABASES["default"]
        self.primary = {
            "host": primary["HOST"] or "127.0.0.1",
            "port": int(primary["PORT"] or 5432),
            "user": primary["USER"] or "postgres",
        }
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = Path(tempfile.mkdtemp(prefix="didhub-replica-"))
        self.data = self.folder / "data"
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.folder, "postgres", "postgres")
        with psycopg.connect(dbname="postgres", autocommit=True, **self.primary) as admin:
            major = int(admin.execute("SHOW server_version_num").fetchone()[0]) // 10000
        self.bin = Path(f"/usr/lib/postgresql/{major}/bin")

    def command(self, name: str, *args) -> subprocess.CompletedProcess:
        path = self.bin / name if (self.bin / name).exists() else shutil.which(name)
        argv = [str(path), *map(str, args)]
        if self.root:  # PostgreSQL refuses to run as root
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)

    def create(self) -> None:
        done = self.command(
            "pg_basebackup",
            *("-h", self.primary["host"], "-p", self.primary["port"], "-U", self.primary["user"]),
            *("-D", self.data, "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        if done.returncode:
            pytest.fail(
                "pg_basebackup from the suite's server failed. It needs replication "
                "connections from 127.0.0.1, e.g. 'host replication all 127.0.0.1/32 trust' "
                f"first in pg_hba.conf (.ci/run adds it):\n{done.stderr}"
            )
        (self.data / "postgresql.conf").write_text(
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
            f"unix_socket_directories = '{self.folder}'\nhot_standby = on\n"
            "shared_buffers = 32MB\nfsync = off\n"
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.data / "pg_ident.conf").write_text("")
        if self.root:
            for path in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(self.data / path, "postgres", "postgres")
        self.start()

    def start(self) -> None:
        # A standby opens for reads once it knows which transactions of the primary are
        # running: a long one with many subtransactions there delays it until it ends.
        done = self.command(
            "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.folder / "server.log",
            "-w",
            "-t",
            WAIT * 5,
            "start",
        )
        assert done.returncode == 0, (
            "The standby did not open for reads (a long transaction on the primary? see "
            f"pg_stat_activity there):\n{done.stdout}{done.stderr}{self.log()}"
        )
        until(lambda: self.scalar("SELECT status FROM pg_stat_wal_receiver") == "streaming",
              "the standby to stream from the primary")  # fmt: skip

    def stop(self) -> None:
        self.command("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def scalar(self, sql: str):
        """One value, from the standby's copy of the test database."""
        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=self.port,
                user=self.primary["user"],
                dbname=settings.DATABASES["default"]["NAME"],
                autocommit=True,
                connect_timeout=5,
            ) as conn:
                row = conn.execute(sql).fetchone()
        except psycopg.OperationalError:
            return None
        return row[0] if row else None  # no WAL receiver yet: no row

    def in_use(self) -> None:
        """Wait until didhub finds the replica usable."""
        states = []

        def usable():
            states.append(replicas.replica_state(fresh=True))
            return states[-1].in_use

        until(usable, f"the replica to be in use (last: {states[-1].detail if states else ''})")

    def caught_up(self, timeout: float = WAIT) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        with psycopg.connect(dbname="postgres", autocommit=True, **self.primary) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        until(
            lambda: self.scalar(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"),
            "the standby to replay the primary's writes",
            timeout,
        )


@pytest.fixture(scope="module")
def standby(django_db_setup):
    """The standby, and the ``replica`` alias on it (added before each test's database
    fixture reads the aliases: a mirror of the test database, never flushed)."""
    server = Standby()
    try:
        server.create()
        # The base backup took a while on a busy server: replay what was written since.
        server.caught_up(timeout=WAIT * 10)
        primary = connections[DEFAULT_DB_ALIAS].settings_dict
        connections.settings[ALIAS] = {
            **primary,
            "HOST": "127.0.0.1",
            "PORT": str(server.port),
            "OPTIONS": {**primary["OPTIONS"], "connect_timeout": 2},
            "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
        }
        yield server
    finally:
        connections.settings.pop(ALIAS, None)
        server.remove()


@pytest.fixture
def replica(standby, settings):
    """For one test: the replica measured afresh, no user kept on the primary. These
    tests are about where reads go, not about the threshold: other work on the suite's
    server may hold the standby a few seconds behind, so it may lag a minute."""
    settings.DIDHUB_REPLICA_MAX_LAG_SECONDS = WAIT
    replicas.forget()
    cache.clear()
    standby.in_use()
    try:
        yield standby
    finally:
        connections[ALIAS].close()
        replicas.forget()


@pytest.fixture
def inventory(replica):
    tree = build_tree()
    adding.numbers_add(
        actor=tree.master_admin,
        account=tree.master,
        entries=[
            {"e164": f"+1212555010{n}", "voice": True, "route": "direct_routing"} for n in (0, 1)
        ],
    )
    replica.caught_up()
    return tree


NUMBER_READS = ("numbers_number", "numbers_tally", "set_config")


class Statements:
    """The statements one connection runs (an execute wrapper: it records a statement
    whether it succeeds or not, and leaves COPY alone)."""

    def __init__(self):
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def number_reads(self) -> list[str]:
        # The numbers, or their tallies (the dashboard's figures); the CSV export's COPY
        # runs after naming its viewer with set_config().
        return [sql for sql in self.sql if any(table in sql for table in NUMBER_READS)]


def read_page(client, url: str):
    """The page, and the number reads each database ran for it."""
    on_replica, on_primary = Statements(), Statements()
    with (
        connections[ALIAS].execute_wrapper(on_replica),
        connections[DEFAULT_DB_ALIAS].execute_wrapper(on_primary),
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (url, body[:500])
    return body, on_replica.number_reads(), on_primary.number_reads()


def test_lists_dashboard_and_exports_read_from_the_replica(inventory, client):
    client.force_login(inventory.master_admin)
    for name, url in PAGES.items():
        body, on_replica, on_primary = read_page(client, url)
        assert on_replica, f"{name}: no number was read from the replica"
        assert not on_primary, f"{name} read numbers from the primary: {on_primary}"
        if name != "dashboard":
            assert b"+12125550100" in body or b"2125550100" in body, name
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    answer = client.get("/api/v1/status/").json()
    assert answer["replica"]["in_use"] is True
    assert answer["replica"]["lag_seconds"] <= settings.DIDHUB_REPLICA_MAX_LAG_SECONDS


def test_a_write_on_the_primary_is_read_through_the_replica_once_replayed(inventory, replica):
    adding.numbers_add(
        actor=inventory.master_admin,
        account=inventory.master,
        entries=[{"e164": "+12125550109", "voice": True, "route": "direct_routing"}],
    )
    replica.caught_up()
    with replicas.reading() as alias:
        assert alias == ALIAS
        assert Number.objects.db == ALIAS
        assert Number.objects.filter(e164="+12125550109").exists()


def test_writes_and_transactions_never_use_the_replica(inventory, client):
    with replicas.reading() as alias:
        assert alias == ALIAS
        number = Number.objects.get(e164="+12125550100")
        assert number._state.db == ALIAS
        number.tags = "moved"
        number.save(update_fields=["tags"])  # to the primary: the replica is read-only
        with transaction.atomic():
            assert Number.objects.db == DEFAULT_DB_ALIAS
            assert Number.objects.get(e164="+12125550100").tags == "moved"
    assert Number.objects.using(DEFAULT_DB_ALIAS).get(e164="+12125550100").tags == "moved"

    # A request that writes keeps its user on the primary; another user reads the replica.
    client.force_login(inventory.master_admin)
    on_replica = Statements()
    with connections[ALIAS].execute_wrapper(on_replica):
        response = client.post(reverse("web:number_columns"), {"reset": "1"})
    assert response.status_code == 302
    assert not on_replica.sql
    _, on_replica, on_primary = read_page(client, PAGES["portal list"])
    assert on_primary and not on_replica
    client.force_login(inventory.sub_admin)
    _, on_replica, on_primary = read_page(client, PAGES["portal list"])
    assert on_replica and not on_primary


def test_with_the_replica_stopped_every_page_reads_from_the_primary(
    inventory, replica, client, monkeypatch, caplog
):
    client.force_login(inventory.master_admin)
    read_page(client, PAGES["API list"])  # the replica is known to be in use...
    monkeypatch.setattr(replicas, "CHECK_EVERY", 600)  # ...and trusted to stay so
    replica.stop()
    try:
        # The view fails on the replica, which is measured again and found down: the
        # view runs again on the primary.
        _, _, on_primary = read_page(client, PAGES["API list"])
        assert on_primary
        assert "read again from the primary" in caplog.text
        for name, url in PAGES.items():
            _, on_replica, on_primary = read_page(client, url)
            assert on_primary and not on_replica, name
        answer = client.get("/api/v1/status/").json()
        assert answer["replica"]["in_use"] is False
        assert answer["replica"]["detail"].startswith("down")
        assert client.get("/readyz").json()["replica"]["in_use"] is False
    finally:
        replica.start()
    replica.in_use()
    _, on_replica, on_primary = read_page(client, PAGES["API list"])
    assert on_replica and not on_primary


def test_a_replica_lagging_more_than_the_setting_is_bypassed(inventory, replica, client, settings):
    settings.DIDHUB_REPLICA_MAX_LAG_SECONDS = 1
    client.force_login(inventory.master_admin)
    replica.scalar("SELECT pg_wal_replay_pause()::text")
    try:
        adding.numbers_add(
            actor=inventory.master_admin,
            account=inventory.master,
            entries=[{"e164": "+12125550108", "voice": True, "route": "direct_routing"}],
        )
        until(
            lambda: replica.scalar("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"),
            "the standby to receive the write it does not replay",
        )
        until(
            lambda: replica.scalar(
                "SELECT now() - pg_last_xact_replay_timestamp() > interval '1.5 seconds'"
            ),
            "the standby to fall more than a second behind",
        )
        replicas.forget()
        body, on_replica, on_primary = read_page(client, PAGES["API list"])
        assert on_primary and not on_replica
        assert b"2125550108" in body
        state = client.get("/api/v1/status/").json()["replica"]
        assert state["in_use"] is False
        assert state["detail"].startswith("lags")
        assert state["lag_seconds"] > 1
    finally:
        replica.scalar("SELECT pg_wal_replay_resume()::text")
        settings.DIDHUB_REPLICA_MAX_LAG_SECONDS = WAIT
    replica.caught_up()
    replica.in_use()
    body, on_replica, on_primary = read_page(client, PAGES["API list"])
    assert on_replica and not on_primary
    assert b"2125550108" in body
