"""Reads from a PostgreSQL streaming replica, where a read path asks for them.

With ``DIDHUB_DATABASE_REPLICA_URL`` set, the database alias ``replica`` names a hot
standby of the primary. Nothing reads from it unless asked: the read paths that are
heavy and tolerate a few seconds of delay (the number lists of the API and the portal,
the dashboard, the exports) run inside :func:`reading`, or are decorated with
:func:`reads_from_replica`. Inside such a block the ORM's reads of didhub's tables go to
the replica; everything else stays on the primary:

* writes, always (:class:`ReplicaRouter` sends every write to the primary, even of an
  object read from the replica);
* sessions, users, API tokens, the cache table and the task queue (not didhub's read
  models);
* reads inside a transaction on the primary (they may need to see its own writes);
* a user's reads for a while after a request of theirs wrote something
  (:class:`PrimaryAfterWritesMiddleware`): the page they are sent to after a change shows
  the change;
* every read while the replica is down, is not streaming from the primary, or lags more
  than ``DIDHUB_REPLICA_MAX_LAG_SECONDS``: its state is checked at most every
  ``CHECK_EVERY`` seconds per process (:func:`replica_state`).

The lag is ``now() - pg_last_xact_replay_timestamp()`` on the replica, unless it has
replayed everything it received (``pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()``)
while streaming, which means no lag: on an idle primary the last replayed transaction
gets old without the replica falling behind.
"""

import functools
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.template.response import TemplateResponse

logger = logging.getLogger("didhub.replica")

ALIAS = "replica"
# Seconds one process trusts what it last learnt of the replica's state.
CHECK_EVERY = 2.0
# didhub's read models; the rest (sessions, auth, cache, tasks) never read from the replica.
READ_APPS = {"accounts", "numbers", "imports", "exports", "sync", "core", "web"}
PRIMARY_MODELS = {"accounts.user", "accounts.apitoken", "core.idempotencyrecord"}
PIN_KEY = "didhub:replica:primary-for:{user}"
STATE_SQL = """
    SELECT pg_is_in_recovery(),
           (SELECT status FROM pg_stat_wal_receiver),
           pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),
           EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""

_reading: ContextVar[str | None] = ContextVar("didhub_replica_reading", default=None)
_lock = threading.Lock()
_known: dict = {}


@dataclass(frozen=True)
class ReplicaState:
    """What a read path may do with the replica, and why."""

    in_use: bool
    detail: str
    lag_seconds: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def configured() -> bool:
    return ALIAS in connections.settings


def max_lag() -> float:
    return float(settings.DIDHUB_REPLICA_MAX_LAG_SECONDS)


def _measure() -> ReplicaState:
    """Ask the replica itself; any failure to answer means it is bypassed."""
    replica = connections[ALIAS]
    try:
        with replica.cursor() as cursor:
            cursor.execute(STATE_SQL)
            standby, receiver, caught_up, replay_age = cursor.fetchone()
    except DatabaseError as error:
        replica.close()  # connect again at the next check
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return ReplicaState(False, f"down: {type(error).__name__}: {first_line}")
    if not standby:
        return ReplicaState(False, "not a standby: pg_is_in_recovery() is false")
    if receiver != "streaming":
        return ReplicaState(False, f"not streaming from the primary ({receiver or 'no receiver'})")
    lag = 0.0 if caught_up else (None if replay_age is None else float(replay_age))
    if lag is None:
        return ReplicaState(False, "has replayed no transaction yet")
    if lag > max_lag():
        return ReplicaState(False, f"lags {lag:.1f} s (more than {max_lag():g} s)", round(lag, 3))
    return ReplicaState(True, f"in use, {lag:.1f} s behind", round(lag, 3))


def replica_state(*, fresh: bool = False) -> ReplicaState | None:
    """The replica's state, measured at most every ``CHECK_EVERY`` seconds (None: no replica)."""
    if not configured():
        return None
    with _lock:
        known, at = _known.get("state"), _known.get("at", 0.0)
    if fresh or known is None or time.monotonic() - at > CHECK_EVERY:
        was = known
        known = _measure()
        with _lock:
            _known.update(state=known, at=time.monotonic())
        if was is None or was.in_use != known.in_use:
            logger.info("replica %s", known.detail)
    return known


def forget() -> None:
    """Measure the replica again at the next read (after it was found failing)."""
    with _lock:
        _known.clear()


def _pinned(request) -> bool:
    user = getattr(request, "user", None)
    return bool(
        user is not None and user.is_authenticated and cache.get(PIN_KEY.format(user=user.pk))
    )


def replica_or_primary(request=None) -> str:
    """The alias a read path should read from now: the replica when it may, else the primary."""
    if not configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if request is not None and _pinned(request):
        return DEFAULT_DB_ALIAS
    state = replica_state()
    return ALIAS if state and state.in_use else DEFAULT_DB_ALIAS


@contextmanager
def reading(request=None, alias: str | None = None):
    """Within the block, didhub's ORM reads go to ``alias`` (by default
    :func:`replica_or_primary`); yields the alias chosen."""
    alias = alias or replica_or_primary(request)
    token = _reading.set(alias if alias != DEFAULT_DB_ALIAS else None)
    try:
        yield alias
    finally:
        _reading.reset(token)


def read_alias() -> str:
    """The alias a hand-written read statement runs on: inside :func:`reading`, the one it
    chose, unless a transaction is open on the primary; the primary everywhere else.
    (The ORM asks :class:`ReplicaRouter`; a raw cursor has no router to ask.)"""
    alias = _reading.get()
    if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


def streamed(chunks, alias: str):
    """A streaming response's chunks, each read from ``alias`` (it is produced after the
    view has returned, outside its :func:`reading` block)."""
    iterator = iter(chunks)
    while True:
        with reading(alias=alias):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def _request_of(args):
    return next((arg for arg in args if hasattr(arg, "method") and hasattr(arg, "user")), None)


def reads_from_replica(view):
    """A read-only view (function or method) run inside :func:`reading`.

    A template response is rendered inside the block and a streaming one reads each
    chunk from the same database. If the replica fails during the view, it is measured
    again and, found unusable, the view runs again on the primary: it only reads.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request = _request_of(args)
        with reading(request) as alias:
            try:
                return _finished(view(*args, **kwargs), alias)
            except DatabaseError:
                if alias == DEFAULT_DB_ALIAS or replica_state(fresh=True).in_use:
                    raise
                logger.warning("replica failed during a read; read again from the primary")
        with reading(alias=DEFAULT_DB_ALIAS):
            return _finished(view(*args, **kwargs), DEFAULT_DB_ALIAS)

    return wrapper


def _finished(response, alias: str):
    if getattr(response, "streaming", False):
        response.streaming_content = streamed(response.streaming_content, alias)
    elif isinstance(response, TemplateResponse) and not response.is_rendered:
        response.render()
    return response


class ReplicaRouter:
    """Reads inside :func:`reading` to the replica; every write to the primary."""

    def db_for_read(self, model, **hints):
        alias = read_alias()
        if alias == DEFAULT_DB_ALIAS:
            return None
        meta = model._meta
        if meta.app_label not in READ_APPS or meta.label_lower in PRIMARY_MODELS:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db == ALIAS:
            return DEFAULT_DB_ALIAS
        return None

    def allow_relation(self, first, second, **hints):
        if {first._state.db, second._state.db} <= {DEFAULT_DB_ALIAS, ALIAS}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == ALIAS else None


class PrimaryAfterWritesMiddleware:
    """After a request of a user that may have written, that user reads from the primary
    for as long as the replica may lag (``DIDHUB_REPLICA_MAX_LAG_SECONDS``, plus the time
    a measured state is trusted): what they just changed is what their next page shows.
    Kept in the shared cache, so every web node knows it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and configured():
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                cache.set(PIN_KEY.format(user=user.pk), 1, timeout=max_lag() + CHECK_EVERY + 1)
        return response
