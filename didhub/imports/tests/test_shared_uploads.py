"""An upload received by one node is validated by another: the file lives in the database."""

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from didhub.core.errors import ValidationFailed
from didhub.imports import services
from didhub.imports.models import Import, UploadChunk
from didhub.imports.tests.conftest import HEADER, csv_file
from didhub.numbers.models import Number

ROWS = "".join(f"1,21255501{n:02d},TRUE,,,Direct Routing\n" for n in range(60))


def run_queued_task() -> None:
    queued = DBTaskResult.objects.filter(status="READY").get()
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    queued.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one node on SQLite")
@pytest.mark.django_db
def test_a_file_uploaded_on_node_a_is_validated_and_committed_on_node_b(
    tree, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("didhub.imports.uploads.CHUNK_BYTES", 1024)
    settings.MEDIA_ROOT = tmp_path / "node-a"
    settings.DATA_DIR = tmp_path / "node-a"
    run = services.import_create(
        actor=tree.master_admin,
        account=tree.sub,
        file=csv_file(HEADER + ROWS),
        inline=False,
    )
    assert UploadChunk.objects.filter(import_run=run).count() > 1, "kept in pieces"
    assert not (tmp_path / "node-a" / "imports" / str(run.pk)).exists(), "node A kept a copy"

    # Node B: its own data folder, which has never seen the file.
    settings.MEDIA_ROOT = tmp_path / "node-b"
    settings.DATA_DIR = tmp_path / "node-b"
    run_queued_task()
    run = Import.objects.get(pk=run.pk)
    assert (run.state, run.valid, run.invalid) == ("ready", 60, 0), run.error
    assert not (tmp_path / "node-b" / "imports" / str(run.pk)).exists(), "node B kept a copy"

    with django_capture_on_commit_callbacks(execute=True):
        services.import_commit(actor=tree.master_admin, import_run=run, inline=True)
    assert Number.objects.filter(owner=tree.sub).count() == 60
    assert not UploadChunk.objects.filter(import_run=run).exists(), "deleted once done"
    assert not (tmp_path / "node-b" / "imports" / str(run.pk)).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one node on SQLite")
@pytest.mark.django_db
def test_a_failed_upload_leaves_its_file_on_no_node_and_not_in_the_database(
    tree, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A file no worker can read fails the import: nothing reads it again, nothing keeps it."""
    settings.MEDIA_ROOT = tmp_path / "node-a"
    settings.DATA_DIR = tmp_path / "node-a"
    run = services.import_create(
        actor=tree.master_admin,
        account=tree.sub,
        file=csv_file("Name,Email\nAnn,a@b.c\n"),
        inline=False,
    )
    settings.MEDIA_ROOT = tmp_path / "node-b"
    settings.DATA_DIR = tmp_path / "node-b"
    with django_capture_on_commit_callbacks(execute=True):
        run_queued_task()
    run = Import.objects.get(pk=run.pk)
    assert run.state == "failed" and "Phone Number" in run.error
    assert not UploadChunk.objects.filter(import_run=run).exists()
    for node in ("node-a", "node-b"):
        assert not list((tmp_path / node / "imports").glob("*/*")), node


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL keeps a copy")
@pytest.mark.django_db
def test_on_sqlite_the_local_file_is_the_only_copy(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DATA_DIR = tmp_path
    run = services.import_create(
        actor=tree.master_admin, account=tree.sub, file=csv_file(HEADER + ROWS), inline=True
    )
    assert run.state == "ready"
    assert not UploadChunk.objects.exists()
    assert (tmp_path / "imports" / str(run.pk) / "upload").exists(), "kept until the end"


def test_a_failed_upload_removes_its_file(
    tree, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.DATA_DIR = tmp_path
    with pytest.raises(ValidationFailed), django_capture_on_commit_callbacks(execute=True):
        services.import_create(
            actor=tree.master_admin, account=tree.sub, file=csv_file("Name\nAnn\n"), inline=True
        )
    assert Import.objects.get().state == "failed"
    assert not UploadChunk.objects.exists()
    assert not list((tmp_path / "imports").glob("*/*"))
