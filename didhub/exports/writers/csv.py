"""CSV: UTF-8 with a byte-order mark (so that Excel reads the accents), one header row.

Produced as an iterator of byte strings, one per chunk, so that a streaming response
or a file receives a million rows without ever holding them.

On PostgreSQL the database writes the rows itself (``COPY ... TO STDOUT (FORMAT csv)``),
from the columns' SQL (``didhub.exports.sql``) and with the same formatting as the
Python writer, byte for byte: turning every cell into text in Python capped the export
at about 70,000 rows a second. SQLite, and a time zone without a name, take the Python writer.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from django.db.models import QuerySet
from django.utils import timezone

from didhub.core.db import is_postgresql
from didhub.exports import selectors, sql
from didhub.exports.columns import HEADERS, Prepare, format_datetime, prepared
from didhub.exports.safety import FORMULA_STARTS, neutralize

BOM = "\ufeff"


class DatetimeText:
    """Formats datetimes, remembering recent ones: uploads stamp many rows alike."""

    def __init__(self, tz, size: int = 4096):
        self.tz = tz
        self.size = size
        self.cache: dict = {}

    def __call__(self, value) -> str:
        text = self.cache.get(value)
        if text is None:
            if len(self.cache) >= self.size:
                self.cache.clear()
            text = self.cache[value] = format_datetime(value, self.tz)
        return text


def csv_prepare(tz) -> Prepare:
    """Cells as CSV text: datetimes formatted, typed-in text made formula-safe."""
    datetimes = DatetimeText(tz)

    def prepare(column, values):
        if column.kind == "datetime":
            return [None if v is None else datetimes(v) for v in values]
        if column.free_text:
            return [neutralize(v) if v and v[0] in FORMULA_STARTS else v for v in values]
        return values

    return prepare


def csv_writer(buffer):
    return csv.writer(buffer, lineterminator="\r\n")


def csv_header() -> bytes:
    """The BOM and the header row."""
    buffer = io.StringIO()
    csv_writer(buffer).writerow(HEADERS)
    return (BOM + buffer.getvalue()).encode("utf-8")


def csv_chunks(
    chunks: Iterable[list[tuple]],
    *,
    tz=None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The export as CSV bytes: the BOM and the header first, then one piece per chunk."""
    prepare = csv_prepare(tz or timezone.get_current_timezone())
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    yield csv_header()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(prepared(rows, prepare))
        yield buffer.getvalue().encode("utf-8")
        if progress is not None:
            progress(len(rows))


def write_csv(chunks: Iterable[list[tuple]], fileobj, **options) -> None:
    """Write the CSV export of ``chunks`` to a binary file."""
    for piece in csv_chunks(chunks, **options):
        fileobj.write(piece)


def crlf_rows(data: bytes, rows: int) -> bytes:
    """``rows`` rows from COPY, which ends each with a newline, ended with CRLF instead.

    So end the Python writer's rows. A newline inside a quoted cell stays as it is, in
    both. When there is none (nearly always) every newline ends a row; else a newline
    ends a row when its row has an even number of quotes before it (a cell holding a
    quote is quoted, and the quote doubled).
    """
    if data.count(b"\n") == rows:
        return data.replace(b"\n", b"\r\n")
    pieces, quoted = [], False
    for line in data.split(b"\n")[:-1]:
        quoted ^= line.count(b'"') % 2 == 1
        pieces += (line, b"\n" if quoted else b"\r\n")
    return b"".join(pieces)


def csv_export(
    queryset: QuerySet,
    *,
    viewer,
    tz=None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The CSV export of ``queryset`` (see ``selectors.export_queryset``) for ``viewer``,
    as bytes.

    The database writes it on PostgreSQL, the Python writer elsewhere: the same bytes.
    """
    tz = tz or timezone.get_current_timezone()
    zone = getattr(tz, "key", None)
    if not is_postgresql(queryset.db) or zone is None:
        chunks = selectors.export_chunks(queryset, viewer=viewer)
        return csv_chunks(chunks, tz=tz, progress=progress)
    return _copied_csv(queryset, zone, progress, viewer)


def _copied_csv(queryset: QuerySet, zone: str, progress, viewer) -> Iterator[bytes]:
    yield csv_header()
    select = partial(sql.csv_select, zone=zone)
    copied = selectors.export_copy_chunks(queryset, select, viewer=viewer)
    for data, rows in copied:
        yield crlf_rows(data, rows)
        if progress is not None:
            progress(rows)


def write_csv_export(queryset: QuerySet, fileobj, **options) -> None:
    """Write the CSV export of ``queryset`` to a binary file."""
    for piece in csv_export(queryset, **options):
        fileobj.write(piece)
