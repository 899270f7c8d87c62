"""Databases of their own on the suite's PostgreSQL server, and didhub run as a process.

The transfer and backup tests create each database they fill (as an operator would with
``createdb``) and drop it at the end, whatever happened.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
SECRET_KEY = "transfer-tests-secret-key-kept-across-the-move-0123456789"


def postgres_run() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


class ServerDatabase:
    """A new, empty database on the server the suite's PostgreSQL run uses."""

    def __init__(self, purpose: str):
        import psycopg

        db = settings.DATABASES["default"]
        self.server = {
            "host": db["HOST"] or "127.0.0.1",
            "port": int(db["PORT"] or 5432),
            "user": db["USER"],
            "password": db["PASSWORD"] or None,
        }
        self.name = f"didhub_{purpose}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        self.url = (
            f"postgresql://{db['USER']}{password}@{self.server['host']}:"
            f"{self.server['port']}/{self.name}"
        )

    def connect(self, autocommit: bool = True):
        import psycopg

        return psycopg.connect(dbname=self.name, autocommit=autocommit, **self.server)

    def scalar(self, sql: str, params=()):
        with self.connect() as conn:
            return conn.execute(sql, params).fetchone()[0]

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def command_env(self) -> dict:
        """libpq's variables, for pg_dump and pg_restore."""
        env = {
            **os.environ,
            "PGHOST": self.server["host"],
            "PGPORT": str(self.server["port"]),
            "PGUSER": self.server["user"],
        }
        if self.server["password"]:
            env["PGPASSWORD"] = self.server["password"]
        return env


def installation_env(data_dir: Path, database_url: str | None = None) -> dict:
    """The environment of one didhub node: its data folder, its database, the shared key."""
    env = {
        **os.environ,
        "DIDHUB_DATA_DIR": str(data_dir),
        "DIDHUB_SECRET_KEY": SECRET_KEY,
        "DIDHUB_TASKS_IMMEDIATE": "1",
        "DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS": "true",
    }
    env.pop("DIDHUB_DATABASE_URL", None)
    if database_url:
        env["DIDHUB_DATABASE_URL"] = database_url
    return env


def didhub(*args: str, env: dict) -> subprocess.CompletedProcess:
    """``didhub ARGS`` as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "didhub.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def child(mode: str, *args, env: dict) -> dict:
    """A mode of ``transfer_child``: its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "didhub.ops.tests.transfer_child", mode, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
