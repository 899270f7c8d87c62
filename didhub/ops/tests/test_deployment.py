"""On PostgreSQL, serve and worker refuse a secret key that other nodes would not share."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# Settings and the check read the URL; nothing here connects to it.
POSTGRES = "postgresql://didhub@127.0.0.1:9/didhub"


def didhub(*args, tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DIDHUB_", "PROMETHEUS_"))
    }
    environment.update(DIDHUB_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "didhub.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_and_worker_refuse_a_generated_key_on_postgresql(tmp_path):
    for command in (["serve", "127.0.0.1:9"], ["worker"]):
        refused = didhub(*command, tmp_path=tmp_path, DIDHUB_DATABASE_URL=POSTGRES)
        assert refused.returncode != 0, command
        assert "didhub.E001" in refused.stderr, refused.stderr
        assert "Set DIDHUB_SECRET_KEY" in refused.stderr
        assert "Traceback" not in refused.stderr


def test_a_shared_key_or_a_single_node_passes_the_check(tmp_path):
    check = ("check", "--deploy", "--tag", "didhub")
    refused = didhub(*check, tmp_path=tmp_path, DIDHUB_DATABASE_URL=POSTGRES)
    assert refused.returncode == 1 and "didhub.E001" in refused.stderr
    shared = didhub(
        *check, tmp_path=tmp_path, DIDHUB_DATABASE_URL=POSTGRES, DIDHUB_SECRET_KEY="k" * 50
    )
    assert shared.returncode == 0, shared.stderr
    single = didhub(
        *check,
        tmp_path=tmp_path,
        DIDHUB_DATABASE_URL=POSTGRES,
        DIDHUB_ALLOW_GENERATED_SECRET_KEY="1",
    )
    assert single.returncode == 0, single.stderr
    embedded = didhub(*check, tmp_path=tmp_path)
    assert embedded.returncode == 0, "SQLite is one node: its generated key is fine"
