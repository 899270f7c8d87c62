"""Keyset (cursor) pagination for every API list, with ``?ordering=`` on any listed column.

A cursor holds the values of the ordering columns of the row at the page's edge, plus a
unique tiebreak (``id`` or ``e164``), so the next page starts strictly after that row:
rows inserted or deleted elsewhere never shift a page or repeat a row, and a page deep
into ten million rows costs what the first one costs (an index range scan, no OFFSET).

NULLs sort last ascending and first descending on every database, so that reversing the
order (the ``previous`` link) is the exact mirror of going forward.

A view opts in by naming its columns::

    pagination_class = CursorPagination
    ordering_fields = {"e164": "e164", "owner": "owner__name", "created_at": "created_at"}
    default_ordering = "e164"
    tiebreak = "id"  # a unique column; omit when the default ordering column is unique

``count`` is exact up to 10,000 rows, then an estimate with ``count_is_estimate: true``.

A cursor comes back from the client, so it is input like any other: each value is read
by the model field of its column (a date where the column holds dates, a whole number
where it holds numbers, no NUL in text) before it reaches a query, and anything else is
a 400 asking to start again from the first page.
"""

import base64
import binascii
import json
import re
from datetime import date, datetime

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db.models import F, Q
from django.utils import timezone
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from didhub.core.counting import count_with_estimate, planner_estimate
from didhub.core.db import is_postgresql
from didhub.core.errors import invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
EXACT_COUNT_LIMIT = 10_000
# Planner estimates this many times the exact limit are trusted without counting.
ESTIMATE_FIRST_FACTOR = 10


def list_count(queryset) -> tuple[int, bool]:
    """``(count, is_estimate)``: exact up to 10,000 rows, the planner's estimate above.

    On PostgreSQL the planner is asked first: when it expects ten times the exact limit
    or more, its estimate is the answer and the capped exact count (which reads up to
    10,001 matching rows, the costliest query of a page at a million numbers) is skipped.
    """
    estimate = None
    if is_postgresql(queryset.db):
        try:
            estimate = planner_estimate(queryset)
        except EmptyResultSet:
            return 0, False  # a filter that can match nothing (e.g. an unknown account)
        if estimate >= ESTIMATE_FIRST_FACTOR * EXACT_COUNT_LIMIT:
            return estimate, True
    return count_with_estimate(queryset, EXACT_COUNT_LIMIT, estimate=estimate)


def encode_cursor(values: list, backwards: bool) -> str:
    payload = {"v": [v.isoformat() if isinstance(v, datetime | date) else v for v in values]}
    if backwards:
        payload["b"] = 1
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSOR_INVALID = "The cursor is not valid; start again from the first page."
# What encode_cursor writes: unpadded URL-safe base64.
CURSOR_PATTERN = "^[A-Za-z0-9_-]+$"


def decode_cursor(text: str, size: int) -> tuple[list, bool]:
    """The edge row's raw values and the direction; the shape only, not the types."""
    if not re.fullmatch(CURSOR_PATTERN, text):
        raise invalid(CURSOR_INVALID, field="cursor")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw)
        values = payload["v"]
        backwards = bool(payload.get("b"))
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise invalid(CURSOR_INVALID, field="cursor") from error
    if not isinstance(values, list) or len(values) != size:
        raise invalid("The cursor does not belong to this ordering.", field="cursor")
    for value in values:
        if not (value is None or isinstance(value, str | int | float | bool)):
            raise invalid(CURSOR_INVALID, field="cursor")
    return values, backwards


def column_field(model, path: str):
    """The model field an ORM path (``owner__name``) ends at."""
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    if field is not None and field.is_relation:
        field = field.target_field  # a foreign key orders by the key it stores
    return field


def json_type(field) -> type | tuple[type, ...]:
    """The JSON type ``encode_cursor`` writes for a value of ``field``."""
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return bool
    if kind.endswith(("IntegerField", "AutoField")):
        return int
    if kind == "FloatField":
        return int | float
    return str  # text, and dates and moments in ISO 8601


def typed_cursor_values(model, keys: list[tuple[str, bool]], values: list) -> list:
    """The cursor's values as the ordering columns hold them, or a 400.

    A tampered cursor (a NUL, ``2026-13-45`` for a timestamp, text for a count) must be
    refused here: passed on, the database would fail on it with a server error.
    """
    typed = []
    for (path, _), value in zip(keys, values, strict=True):
        if value is None:
            typed.append(None)
            continue
        if isinstance(value, str) and "\x00" in value:
            raise invalid(CURSOR_INVALID, field="cursor")
        try:
            field = column_field(model, path)
        except FieldDoesNotExist:
            typed.append(value)  # an annotation: compared as given
            continue
        if (
            field is None
            or not isinstance(value, json_type(field))
            or (isinstance(value, bool) and field.get_internal_type() != "BooleanField")
        ):
            raise invalid(CURSOR_INVALID, field="cursor")
        try:
            value = field.to_python(value)
            if isinstance(value, datetime) and timezone.is_naive(value):
                raise ValidationError("A cursor's moments carry their time zone.")
            field.run_validators(value)  # lengths, and whole numbers in the column's range
            field.get_prep_value(value)
        except (ValidationError, TypeError, ValueError, OverflowError) as error:
            raise invalid(CURSOR_INVALID, field="cursor") from error
        typed.append(value)
    return typed


def after(path: str, descending: bool, value) -> Q:
    """Rows strictly after ``value`` in one column's direction (NULLs last ascending)."""
    if descending:
        return Q(**{f"{path}__isnull": False}) if value is None else Q(**{f"{path}__lt": value})
    if value is None:
        return Q(pk__in=[])
    return Q(**{f"{path}__gt": value}) | Q(**{f"{path}__isnull": True})


def equal(path: str, value) -> Q:
    return Q(**{f"{path}__isnull": True}) if value is None else Q(**{path: value})


def keyset_filter(keys: list[tuple[str, bool]], values: list) -> Q:
    """Lexicographic "after this row" over several columns."""
    condition = Q(pk__in=[])
    prefix = Q()
    for (path, descending), value in zip(keys, values, strict=True):
        condition |= prefix & after(path, descending, value)
        prefix &= equal(path, value)
    return condition


def order_expression(path: str, descending: bool):
    return F(path).desc(nulls_first=True) if descending else F(path).asc(nulls_last=True)


class CursorPagination(BasePagination):
    """``?limit=`` (default 50, max 1000), ``?cursor=``, ``?ordering=``; see the module."""

    cursor_query_param = "cursor"
    limit_query_param = "limit"
    ordering_query_param = "ordering"

    def get_limit(self, request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return DEFAULT_LIMIT
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise invalid(f"limit is a whole number from 1 to {MAX_LIMIT}.", field="limit")
        return int(raw)

    def get_keys(self, request, view) -> list[tuple[str, bool]]:
        """Ordering columns as (ORM path, descending), ending with a unique tiebreak."""
        fields = view.ordering_fields
        raw = request.query_params.get(self.ordering_query_param, view.default_ordering)
        keys = []
        for term in raw.split(","):
            name = term.removeprefix("-")
            if name not in fields:
                raise invalid(
                    f"Cannot order by {name!r}; choose from {', '.join(sorted(fields))} "
                    "(prefix - for descending).",
                    field="ordering",
                )
            keys.append((fields[name], term.startswith("-")))
        tiebreak = getattr(view, "tiebreak", "id")
        if tiebreak not in [path for path, _ in keys]:
            keys.append((tiebreak, keys[-1][1]))
        return keys

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        keys = self.get_keys(request, view)
        self.keys = keys
        raw_cursor = request.query_params.get(self.cursor_query_param)
        values, backwards = (
            decode_cursor(raw_cursor, len(keys)) if raw_cursor is not None else (None, False)
        )
        if values is not None:
            values = typed_cursor_values(queryset.model, keys, values)
        self.count, self.count_is_estimate = list_count(queryset)
        # A view may read its page in a leaner shape (plain values) than the queryset it
        # counts, whose conditions alone are what an index-only count should see.
        page_queryset = getattr(view, "page_queryset", None)
        if page_queryset is not None:
            queryset = page_queryset(queryset)

        # The edge row's key values, read back for the next cursor.
        annotations = {f"cursor_k{index}": F(path) for index, (path, _) in enumerate(keys)}
        page_keys = [(path, desc != backwards) for path, desc in keys]
        queryset = queryset.annotate(**annotations)
        queryset = queryset.order_by(*(order_expression(path, desc) for path, desc in page_keys))
        if values is not None:
            queryset = queryset.filter(keyset_filter(page_keys, values))
        rows = list(queryset[: self.limit + 1])
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        if backwards:
            rows.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_previous, self.has_next = values is not None, more
        self.rows = rows
        return rows

    def row_values(self, row) -> list:
        """The edge row's key values; a row is a model instance, or a dict when the view
        pages a ``values()`` queryset."""
        names = [f"cursor_k{index}" for index in range(len(self.keys))]
        if isinstance(row, dict):
            return [row[name] for name in names]
        return [getattr(row, name) for name in names]

    def link(self, row, backwards: bool) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(
            url, self.cursor_query_param, encode_cursor(self.row_values(row), backwards)
        )

    def get_paginated_response(self, data):
        next_link = self.link(self.rows[-1], False) if self.has_next and self.rows else None
        previous_link = None
        if self.has_previous:
            previous_link = (
                self.link(self.rows[0], True)
                if self.rows
                else remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
            )
        return Response(
            {
                "count": self.count,
                "count_is_estimate": self.count_is_estimate,
                "next": next_link,
                "previous": previous_link,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_is_estimate", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "count_is_estimate": {
                    "type": "boolean",
                    "description": "True when count passed 10,000 and is the planner's estimate.",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        fields = sorted(getattr(view, "ordering_fields", {}))
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a previous answer's next or previous "
                "link; any other value is refused (400).",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            },
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Sort by one or more of: {', '.join(fields)}; comma-separated, prefix - "
                    f"for descending. Default: {getattr(view, 'default_ordering', '')}."
                ),
                "style": "form",
                "explode": False,
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "string",
                        "enum": [f"{sign}{name}" for name in fields for sign in ("", "-")],
                    },
                },
            },
        ]
