"""Small SQL helpers for the set-based statements of platform sync.

PostgreSQL takes a whole list as one parameter (``= ANY(string_to_array(%s, ','))``),
which keeps big statements cheap to send and to plan; SQLite gets a list of
placeholders.
"""

from django.db import connection


def member_of(column: str, values: list) -> tuple[str, list]:
    """``column`` is one of ``values``: the SQL and its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY({as_array(values)})", [joined(values)]
    return f"{column} IN ({','.join(['%s'] * len(values))})", list(values)


def as_array(values: list) -> str:
    """SQL that turns one comma-joined parameter into an array of ``values``' type.

    The values this module handles are ids and E.164 texts (digits and ``+``), so a
    comma never occurs inside one; sending one string instead of a list of thousands
    spares the client quoting each element.
    """
    if all(isinstance(value, int) for value in values):
        return "string_to_array(%s, ',')::bigint[]"
    return "string_to_array(%s, ',')"


def joined(values: list) -> str:
    text = ",".join(map(str, values))
    if len(text) - text.count(",") != sum(len(str(value)) for value in values):
        raise ValueError("values of a member test must not contain commas")
    return text


def execute(sql: str, params: list) -> int:
    """Run one statement; returns the rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
