"""Named locks that every process of an installation sees, whichever node it runs on.

On PostgreSQL a lock is a session-level advisory lock: the server releases it when the
holding session ends, so a process killed with SIGKILL never leaves one behind. On
SQLite (one machine by design) it is a ``flock`` on a file beside the database, which
the kernel releases when the process dies. Either way a lock is two integers: a class
that keeps one kind of work apart from another, and a key within it.

Locks are re-entrant within a process only in the sense that ``held()`` tells a caller
whether this process already holds one, so a check run from inside the work does not
mistake its own lock for someone else's.
"""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from didhub.core.db.vendor import is_postgresql

_held: set[tuple[int, int]] = set()


def held(lock_class: int, key: int) -> bool:
    """Whether this process holds the lock now."""
    return (lock_class, key) in _held


def _lock_file(lock_class: int, key: int) -> Path:
    folder = Path(settings.DATA_DIR) / "locks" / f"{lock_class:x}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}.lock"


def _advisory(function: str, lock_class: int, key: int):
    """Call one of PostgreSQL's session advisory lock functions (named by the caller)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [lock_class, key])
        return cursor.fetchone()[0]


@contextmanager
def hold(lock_class: int, key: int):
    """Hold the lock while the body runs, waiting until it is free."""
    with _acquire(lock_class, key, wait=True):
        yield


@contextmanager
def try_hold(lock_class: int, key: int):
    """Yield True, holding the lock, when nobody holds it; else yield False at once."""
    if held(lock_class, key):
        yield False
        return
    with _acquire(lock_class, key, wait=False) as acquired:
        yield acquired


@contextmanager
def _acquire(lock_class: int, key: int, *, wait: bool):
    if is_postgresql(connection):
        acquired = _advisory(
            "pg_advisory_lock" if wait else "pg_try_advisory_lock", lock_class, key
        )
        acquired = True if wait else bool(acquired)
        if acquired:
            _held.add((lock_class, key))
        try:
            yield acquired
        finally:
            if acquired:
                _held.discard((lock_class, key))
                _advisory("pg_advisory_unlock", lock_class, key)
        return
    descriptor = os.open(_lock_file(lock_class, key), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        _held.add((lock_class, key))
        try:
            yield True
        finally:
            _held.discard((lock_class, key))
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
