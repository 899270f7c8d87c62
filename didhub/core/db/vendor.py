"""Which database a connection talks to: asked here, and only here.

didhub runs on SQLite (embedded) and PostgreSQL (production); the few places where the
two differ (COPY, advisory locks, planner estimates, collations) ask these functions
rather than comparing ``connection.vendor`` with a string of their own.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


def _connection(using: str | BaseDatabaseWrapper | None) -> BaseDatabaseWrapper:
    """A connection (or ``django.db.connection``, a proxy of one) as it is; an alias, or
    None for the default, looked up."""
    if using is None or isinstance(using, str):
        return connections[using or DEFAULT_DB_ALIAS]
    return using


def is_postgresql(using: str | BaseDatabaseWrapper | None = None) -> bool:
    """Whether ``using`` (a connection, a database alias, or the default) is PostgreSQL."""
    return _connection(using).vendor == "postgresql"


def is_sqlite(using: str | BaseDatabaseWrapper | None = None) -> bool:
    """Whether ``using`` (a connection, a database alias, or the default) is SQLite."""
    return _connection(using).vendor == "sqlite"


def described(using: str | BaseDatabaseWrapper | None = None) -> str:
    """``postgresql`` or ``sqlite``: the vendor's name, for status pages and logs."""
    return _connection(using).vendor
