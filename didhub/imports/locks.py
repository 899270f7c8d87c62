"""Who is working on an import right now, and whether that worker is still alive.

The process that validates or commits an import holds a lock for as long as it works:
a PostgreSQL advisory lock on the database (released by the server when the process
dies, whichever machine it ran on), or a ``flock`` on a file beside the SQLite database
(released by the kernel when the process dies). An import that says ``validating`` or
``committing`` while nobody holds its lock was abandoned by a crash or a kill.
"""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

# Advisory locks take two int keys: this class key keeps imports apart from other users.
LOCK_CLASS = 0x1D1D
_held: set[int] = set()


def _lock_file(import_id: int) -> Path:
    folder = Path(settings.DATA_DIR) / "imports" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{import_id}.lock"


@contextmanager
def work_lock(import_id: int):
    """Hold the import's lock while the body runs (blocks until it is free)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, import_id])
        _held.add(import_id)
        try:
            yield
        finally:
            _held.discard(import_id)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, import_id])
        return
    descriptor = os.open(_lock_file(import_id), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        _held.add(import_id)
        try:
            yield
        finally:
            _held.discard(import_id)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def unless_worked_on(import_id: int):
    """Yield True, holding the lock, when nobody works on the import; else yield False."""
    if import_id in _held:
        yield False
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, import_id])
            free = cursor.fetchone()[0]
        try:
            yield free
        finally:
            if free:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, import_id])
        return
    descriptor = os.open(_lock_file(import_id), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
