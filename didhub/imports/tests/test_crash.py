"""A commit killed half-way leaves nothing imported, and the import then says failed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from didhub.imports import selectors
from didhub.imports.models import Import, ImportRow
from didhub.imports.tests.conftest import upload
from didhub.numbers.models import Number

ROOT = Path(__file__).resolve().parents[3]


def child(mode: str, *args, env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "didhub.imports.tests.crash_child", mode, *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_mid_commit(import_id: int, env) -> None:
    """Start a commit in another process, wait until its INSERT ran, then SIGKILL it."""
    process = child("commit", import_id, env=env)
    line = process.stdout.readline()
    assert line.startswith("inserted 100"), (line, process.stderr.read() if process.poll() else "")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def child_env(tmp_path, database_url) -> dict:
    return {
        **os.environ,
        "DIDHUB_DATABASE_URL": database_url,
        "DIDHUB_DATA_DIR": str(tmp_path),
        "DIDHUB_TASKS_IMMEDIATE": "1",
    }


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the test database is in memory")
@pytest.mark.django_db(transaction=True)
def test_a_killed_commit_leaves_nothing_on_postgres(tree, tmp_path, settings):
    run = upload(
        tree.master_admin, tree.sub, "".join(f"1,21255501{n:02d},,,,\n" for n in range(100))
    )
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    kill_mid_commit(run.pk, child_env(tmp_path, url))
    assert Number.objects.count() == 0
    # The server drops the dead session (and its advisory lock) as soon as it notices.
    for _ in range(100):
        run = selectors.import_get(user=tree.master_admin, pk=run.pk)
        if run.state == "failed":
            break
        time.sleep(0.1)
    assert run.state == "failed"
    assert "commit stopped before it finished" in run.error
    assert Number.objects.count() == 0
    assert Import.objects.get(pk=run.pk).committed == 0


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="files are shared out on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_validation_killed_with_its_helpers_waiting_leaves_nothing_staged(
    tree, tmp_path, settings
):
    """The helpers have staged their rows and wait for the word to commit: the parent
    dies instead, so they roll back and end, and the import shows failed."""
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    process = child("validate", tree.sub.pk, tree.master_admin.pk, env=child_env(tmp_path, url))
    line = process.stdout.readline()
    assert line.startswith("validated"), (line, process.stderr.read() if process.poll() else "")
    import_id, *helpers = map(int, line.split()[1:])
    assert len(helpers) == 2
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    for _ in range(100):
        if not any(alive(pid) for pid in helpers):
            break
        time.sleep(0.1)
    assert not any(alive(pid) for pid in helpers)
    # Only the parent's own chunks (every third chunk of ten rows, from line 2) were
    # staged for good: the helpers' rows went with their transactions.
    lines = set(ImportRow.objects.filter(import_run_id=import_id).values_list("line", flat=True))
    assert lines == {line for line in range(2, 102) if (line - 2) // 10 % 3 == 0}
    for _ in range(100):
        run = selectors.import_get(user=tree.master_admin, pk=import_id)
        if run.state == "failed":
            break
        time.sleep(0.1)
    assert run.state == "failed"
    assert "validation stopped before it finished" in run.error
    assert not ImportRow.objects.filter(import_run_id=import_id).exists()


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie that nobody reaped has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_killed_commit_leaves_nothing_on_sqlite(tmp_path):
    """The same on SQLite, in a database file the three processes share."""
    env = child_env(tmp_path, f"sqlite:///{tmp_path / 'crash.sqlite3'}")
    setup = child("setup", env=env)
    out, err = setup.communicate(timeout=300)
    assert setup.returncode == 0, err
    import_id = int(out.split()[-1])
    kill_mid_commit(import_id, env)
    inspect = child("inspect", import_id, env=env)
    out, err = inspect.communicate(timeout=120)
    assert inspect.returncode == 0, err
    found = json.loads(out.splitlines()[-1])
    assert found["state"] == "failed" and found["numbers"] == 0
    assert "commit stopped before it finished" in found["error"]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_a_restarted_worker_fails_what_the_killed_one_left_without_anyone_reading_it(
    tree, tmp_path, settings
):
    """Kill a commit, leave a task RUNNING for a worker that is gone, start a worker.

    Nobody reads the import through the API or the portal: the new worker's housekeeping
    finds both at start, and fails them with their reasons.
    """
    from datetime import timedelta

    from django_tasks.base import TaskResultStatus

    from didhub.core.models import WorkerHeartbeat
    from didhub.core.tests.test_housekeeping import running_task

    run = upload(
        tree.master_admin, tree.sub, "".join(f"1,21255501{n:02d},,,,\n" for n in range(100))
    )
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = child_env(tmp_path, url)
    kill_mid_commit(run.pk, env)
    task = running_task(worker_id="killed-worker", started_ago=timedelta(minutes=5))
    assert Import.objects.get(pk=run.pk).state == "committing"

    worker = subprocess.Popen(
        [sys.executable, "-m", "didhub.cli", "worker", "--no-tasks"],
        cwd=ROOT,
        env={
            **env,
            "DIDHUB_TASKS_IMMEDIATE": "0",
            "DIDHUB_HOUSEKEEPING_INTERVAL": "3600",
            "DIDHUB_ALLOW_GENERATED_SECRET_KEY": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(300):
            task.refresh_from_db()
            state = Import.objects.get(pk=run.pk).state
            if state == "failed" and task.status == TaskResultStatus.FAILED:
                break
            time.sleep(0.1)
        assert WorkerHeartbeat.objects.count() == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=60)[0]
    assert Import.objects.get(pk=run.pk).state == "failed", output
    assert "commit stopped before it finished" in Import.objects.get(pk=run.pk).error
    assert task.status == TaskResultStatus.FAILED, output
    assert Number.objects.count() == 0
    assert WorkerHeartbeat.objects.count() == 0, "a worker stopped cleanly forgets itself"
