"""Counting list results without paying for an exact count of millions of rows.

A list's ``count`` is exact up to 10,000 rows and then marked as an estimate
(docs/api.md, "Lists"). An exact ``COUNT(*)`` over a million rows costs tens of
milliseconds on PostgreSQL (38 ms on the reference machine: docs/performance.md, "The
reference machine, raw"), more than the page itself, and grows with the table; the
planner's row estimate costs a fraction of a millisecond whatever the size.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet, Value

from didhub.core.db import is_postgresql
from didhub.core.db.sql import count_of, planner_rows


def count_with_estimate(
    queryset: QuerySet, exact_up_to: int = 10_000, estimate: int | None = None
) -> tuple[int, bool]:
    """``(count, is_estimate)`` of ``queryset``.

    Exact when the queryset has at most ``exact_up_to`` rows: it counts a
    ``LIMIT exact_up_to + 1`` subquery, so a huge result costs no more than 10,001 rows.
    Beyond that, on PostgreSQL the count is the planner's row estimate from ``EXPLAIN``
    (never reported below ``exact_up_to + 1``, which is known for sure) and
    ``is_estimate`` is True. SQLite has no usable estimate; there the count is an exact
    ``COUNT(*)`` (embedded inventories are small) and ``is_estimate`` is False.
    ``estimate``: the planner's estimate, when the caller asked for it already.
    """
    queryset = queryset.order_by()
    capped = capped_count(queryset, exact_up_to + 1)
    if capped <= exact_up_to:
        return capped, False
    if not is_postgresql(queryset.db):
        return queryset.count(), False
    if estimate is None:
        estimate = planner_estimate(queryset)
    return max(estimate, exact_up_to + 1), True


def capped_count(queryset: QuerySet, cap: int) -> int:
    """How many rows ``queryset`` has, counting at most ``cap``.

    The rows are selected as a constant, not as their key: the count then reads only
    the columns its conditions name, so an index holding them answers it without
    visiting the table (an index-only scan), and no row is built in Python. A distinct
    or combined query keeps its own columns (a constant would make its rows one).
    """
    query = queryset.query
    if query.distinct or query.combinator or query.is_sliced:
        return queryset[:cap].count()
    limited = queryset.order_by().annotate(counted_one=Value(1)).values("counted_one")[:cap]
    try:
        sql, params = limited.query.sql_with_params()
    except EmptyResultSet:
        return 0  # a condition that can match nothing
    return count_of(sql, params, queryset.db)


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows ``queryset`` returns (``EXPLAIN``, no run)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return planner_rows(sql, params, queryset.db)
