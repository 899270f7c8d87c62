"""Small SQL helpers for the set-based statements of platform sync.

PostgreSQL takes a whole list as one array parameter (``= ANY(%s)``), which keeps big
statements cheap to send and to plan; SQLite gets a list of placeholders.
"""

from django.db import connection


def member_of(column: str, values: list) -> tuple[str, list]:
    """``column`` is one of ``values``: the SQL and its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({','.join(['%s'] * len(values))})", list(values)


def execute(sql: str, params: list) -> int:
    """Run one statement; returns the rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
