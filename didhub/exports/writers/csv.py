"""CSV: UTF-8 with a byte-order mark (so that Excel reads the accents), one header row.

Produced as an iterator of byte strings, one per chunk, so that a streaming response
or a file receives a million rows without ever holding them.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone

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


def csv_chunks(
    chunks: Iterable[list[tuple]],
    *,
    tz=None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The export as CSV bytes: the BOM and the header first, then one piece per chunk."""
    prepare = csv_prepare(tz or timezone.get_current_timezone())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    yield (BOM + buffer.getvalue()).encode("utf-8")
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(prepared(rows, prepare))
        yield buffer.getvalue().encode("utf-8")
        if progress is not None:
            progress(len(rows))


def write_csv(chunks: Iterable[list[tuple]], fileobj, **options) -> None:
    """Write the CSV export to a binary file."""
    for piece in csv_chunks(chunks, **options):
        fileobj.write(piece)
