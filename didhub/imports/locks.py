"""Who is working on an import right now, and whether that worker is still alive.

The process that validates or commits an import holds the import's lock
(``didhub.core.db.locks``) for as long as it works; the database or the kernel releases it
when the process dies, whichever machine it ran on. An import that says ``validating``
or ``committing`` while nobody holds its lock was abandoned by a crash or a kill.
"""

from contextlib import contextmanager

from didhub.core.db import locks

# Keeps imports apart from the other users of didhub's locks.
LOCK_CLASS = 0x1D1D


@contextmanager
def work_lock(import_id: int):
    """Hold the import's lock while the body runs (blocks until it is free)."""
    with locks.hold(LOCK_CLASS, import_id):
        yield


@contextmanager
def unless_worked_on(import_id: int):
    """Yield True, holding the lock, when nobody works on the import; else yield False."""
    with locks.try_hold(LOCK_CLASS, import_id) as free:
        yield free
