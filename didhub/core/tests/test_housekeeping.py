"""Housekeeping: abandoned tasks are failed, each job runs once across processes."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from didhub.core import housekeeping, workers
from didhub.core.db import locks
from didhub.core.models import WorkerHeartbeat


def running_task(*, worker_id: str, started_ago: timedelta) -> DBTaskResult:
    started = timezone.now() - started_ago
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=TaskResultStatus.RUNNING,
        started_at=started,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="didhub.imports.tasks.commit_import",
        worker_ids=[worker_id],
        queue_name="imports",
        backend_name="default",
        run_after=started,
        exception_class_path="",
        traceback="",
    )


@pytest.mark.django_db
def test_a_task_whose_worker_died_is_failed_with_its_reason(capsys):
    workers.beat("alive")
    dead = running_task(worker_id="gone", started_ago=timedelta(minutes=5))
    busy = running_task(worker_id="alive", started_ago=timedelta(minutes=5))
    just_claimed = running_task(worker_id="starting", started_ago=timedelta(seconds=1))

    call_command("housekeeping")

    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED
    assert "stopped before it finished" in dead.traceback
    assert dead.finished_at is not None
    busy.refresh_from_db()
    just_claimed.refresh_from_db()
    assert busy.status == just_claimed.status == TaskResultStatus.RUNNING
    assert "tasks.abandoned: failed 1" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_stale_heartbeat_no_longer_protects_its_tasks(settings):
    settings.DIDHUB_WORKER_STALE_AFTER = 60
    workers.beat("quiet", now=timezone.now() - timedelta(minutes=2))
    task = running_task(worker_id="quiet", started_ago=timedelta(minutes=5))
    assert not workers.live().filter(worker_id="quiet").exists()
    housekeeping.run(only={"tasks.abandoned"})
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED


@pytest.mark.django_db
def test_workers_silent_for_a_day_are_forgotten():
    workers.beat("old", now=timezone.now() - timedelta(days=2))
    workers.beat("recent")
    call_command("housekeeping", only=["workers.prune"])
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_an_unknown_job_is_refused_by_name():
    with pytest.raises(CommandError, match="No housekeeping job named nightly"):
        call_command("housekeeping", only=["nightly"])


@pytest.mark.django_db
def test_list_names_every_job(capsys):
    call_command("housekeeping", list_jobs=True)
    listed = capsys.readouterr().out
    for name in ("imports.abandoned", "numbers.expire", "tasks.abandoned", "workers.prune"):
        assert name in listed


@pytest.mark.django_db(transaction=True)
def test_a_job_another_process_runs_is_skipped(settings, tmp_path):
    """Two workers reaching the same job at once: one runs it, the other skips it.

    The other holder is a thread with its own database connection (PostgreSQL: its own
    session; SQLite: its own file descriptor), as a second process would be.
    """
    settings.DATA_DIR = tmp_path
    job = next(job for job in housekeeping.jobs() if job.name == "numbers.expire")
    taken, release = threading.Event(), threading.Event()

    def other_process():
        try:
            with locks.hold(housekeeping.LOCK_CLASS, job.lock_key):
                taken.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        assert taken.wait(10)
        outcomes = {o.job: o for o in housekeeping.run()}
    finally:
        release.set()
        thread.join()
    assert outcomes["numbers.expire"].ran is False
    assert outcomes["tasks.abandoned"].ran is True
    assert {o.job: o for o in housekeeping.run()}["numbers.expire"].ran is True


@pytest.mark.django_db
def test_a_failing_job_is_reported_and_the_others_still_run(monkeypatch):
    def broken(now):
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        housekeeping._jobs, "aa.broken", housekeeping.Job("aa.broken", "always fails", broken)
    )
    outcomes = {o.job: o for o in housekeeping.run()}
    assert outcomes["aa.broken"].error == "disk full"
    assert outcomes["tasks.abandoned"].ran
    with pytest.raises(CommandError, match="At least one housekeeping job failed"):
        call_command("housekeeping")


@pytest.mark.django_db
def test_finished_task_rows_are_pruned_after_their_retention(settings):
    settings.DIDHUB_TASK_RETENTION_DAYS = 7
    old = running_task(worker_id="w", started_ago=timedelta(days=9))
    recent = running_task(worker_id="w", started_ago=timedelta(days=2))
    waiting = running_task(worker_id="w", started_ago=timedelta(days=30))
    DBTaskResult.objects.filter(pk=old.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() - timedelta(days=8)
    )
    DBTaskResult.objects.filter(pk=recent.pk).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now() - timedelta(days=1)
    )
    DBTaskResult.objects.filter(pk=waiting.pk).update(status=TaskResultStatus.READY)
    call_command("housekeeping", only=["tasks.prune"])
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
