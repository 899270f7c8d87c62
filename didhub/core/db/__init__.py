"""The one home of didhub's raw SQL helpers.

Most of didhub reads and writes through the ORM. Where a statement must be written by
hand (set-based uploads, COPY, advisory locks, planner estimates), it lives in one of
two places, so that a reader finds every statement of an app in one file and each is
tested on both databases:

* here, ``didhub.core.db``: what every app shares, whatever its tables:
  ``vendor`` (which database this is), ``sql`` (running a statement, ``IN`` lists,
  identifiers, literals), ``copy`` (COPY on PostgreSQL with the ``executemany``
  fallback on SQLite) and ``locks`` (named locks across processes and nodes);
* ``didhub/<app>/sql.py``: the statements of one app, over its own tables, each table
  named by its model's ``_meta.db_table``.

``tests/test_sql_homes.py`` refuses a cursor, a statement or a test of the database's
vendor anywhere else (migrations apart).
"""

from didhub.core.db.vendor import is_postgresql, is_sqlite

__all__ = ["is_postgresql", "is_sqlite"]
