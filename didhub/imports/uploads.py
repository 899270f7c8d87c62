"""Where an uploaded file lives, so that any node can validate it.

On SQLite (one node) an upload is a file under ``MEDIA_ROOT/imports/<id>/``. On
PostgreSQL the node that receives the upload is often not the one whose worker
validates it, and nodes share nothing but the database: the bytes are also written to
the database (``UploadChunk``, ``CHUNK_BYTES`` a row) in the same request, and a node
that lacks the local copy writes it from there before reading it. The database copy is
the one that counts; the local file is a cache that a node keeps only while it reads
it (the node that received the upload until it has counted the rows, the worker until
validation ends), so that no node keeps uploads on its disk. The database copy goes
once the import is done or failed (on SQLite, the file itself).

Why the database rather than object storage: every installation already has it, its
backups already cover it, and an upload is read once or twice and then deleted, so the
table stays small. A site that wants uploads in S3 can put ``MEDIA_ROOT`` there instead.
"""

import shutil
from pathlib import Path

from django.conf import settings

from didhub.core.db import is_postgresql
from didhub.imports.models import UploadChunk

CHUNK_BYTES = 4 << 20


def folder(import_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(import_id)


def shared() -> bool:
    """Whether uploads are kept in the database: on PostgreSQL, where nodes may be many."""
    return is_postgresql()


def keep(import_id: int, path: Path) -> None:
    """Copy the local file into the database, piece by piece (PostgreSQL)."""
    if not shared():
        return
    with open(path, "rb") as stream:
        seq = 0
        while piece := stream.read(CHUNK_BYTES):
            UploadChunk.objects.create(import_run_id=import_id, seq=seq, data=piece)
            seq += 1


def local_path(import_id: int, name: str) -> Path:
    """The upload's local file, written from the database first when this node lacks it."""
    path = folder(import_id) / Path(name).name
    if path.exists() or not shared():
        return path
    pieces = UploadChunk.objects.filter(import_run_id=import_id).order_by("seq")
    if not pieces.exists():
        return path  # Nothing to restore: reading it fails with the file's own error.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    with open(partial, "wb") as out:
        for data in pieces.values_list("data", flat=True).iterator(chunk_size=1):
            out.write(bytes(data))
    partial.replace(path)  # Atomic: a reader never sees half a file.
    return path


def release_local(import_id: int) -> None:
    """This node is done reading the upload: drop its local copy (PostgreSQL only).

    On SQLite the local file is the only copy and stays until ``forget``.
    """
    if shared():
        shutil.rmtree(folder(import_id), ignore_errors=True)


def forget(import_id: int) -> None:
    """Delete the local copy and the database copy."""
    shutil.rmtree(folder(import_id), ignore_errors=True)
    UploadChunk.objects.filter(import_run_id=import_id).delete()
