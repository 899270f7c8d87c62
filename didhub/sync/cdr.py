"""Call detail records from CSV files: a number column and a time column, found by name.

Providers export CDRs from many switches, so headers vary: ``Called Number``, ``DID``,
``To``, ``Destination``... and ``Start Time``, ``Timestamp``, ``Call Date``... Headers
are matched in any case and spacing; the file is read in chunks of 10,000 rows, each
recorded in one transaction (``calls_record``).
"""

import csv
import io
import re
from collections.abc import Callable, Iterator

from didhub.core.errors import invalid
from didhub.sync.activity import MAX_EVENTS, calls_record

NUMBER_HEADERS = (
    "e164",
    "number",
    "phone number",
    "did",
    "called number",
    "called",
    "callee",
    "to",
    "destination",
    "dst",
    "dnis",
    "called party",
    "calling number",
    "from",
    "caller",
    "src",
    "ani",
)
TIME_HEADERS = (
    "at",
    "time",
    "timestamp",
    "start time",
    "start",
    "call time",
    "call date",
    "calldate",
    "date time",
    "datetime",
    "date",
    "answer time",
    "end time",
)
DIRECTION_HEADERS = ("direction", "call direction", "dir")
DIRECTIONS = {"in": "inbound", "inbound": "inbound", "out": "outbound", "outbound": "outbound"}


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lstrip("\ufeff").lower()).strip()


def find_column(headers: list[str], names: tuple[str, ...]) -> int | None:
    keys = [header_key(header) for header in headers]
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def read_events(stream: io.TextIOBase) -> tuple[Iterator[dict], dict]:
    """Events of a CDR CSV and the columns used; raises ValidationFailed without them."""
    sample = stream.read(64 * 1024)
    stream.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(stream, dialect)
    headers = next(reader, None) or []
    number_at = find_column(headers, NUMBER_HEADERS)
    time_at = find_column(headers, TIME_HEADERS)
    direction_at = find_column(headers, DIRECTION_HEADERS)
    if number_at is None or time_at is None:
        raise invalid(
            "A call record file needs a number column (e.g. Number, DID, Called Number) and "
            "a time column (e.g. Time, Start Time, Timestamp).",
            field="file",
        )
    columns = {"number": headers[number_at], "time": headers[time_at]}

    def events() -> Iterator[dict]:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            cell = row[direction_at].strip().lower() if direction_at is not None else ""
            yield {
                "e164": row[number_at].strip().lstrip("'") if number_at < len(row) else "",
                "at": row[time_at].strip() if time_at < len(row) else "",
                "direction": DIRECTIONS.get(cell, "inbound"),
                "line": reader.line_num,
            }

    return events(), columns


def calls_import_file(path: str, *, actor, progress: Callable[[int], None] | None = None) -> dict:
    """Record every call of a CDR file; returns the summed counts and the first errors."""
    totals = {"received": 0, "applied": 0, "unknown": 0, "invalid": 0, "numbers_updated": 0}
    errors: list[dict] = []
    with open(path, encoding="utf-8-sig", newline="") as stream:
        events, columns = read_events(stream)
        batch: list[dict] = []
        for event in events:
            batch.append(event)
            if len(batch) == MAX_EVENTS:
                flush(batch, actor, totals, errors, progress)
                batch = []
        if batch:
            flush(batch, actor, totals, errors, progress)
    return {**totals, "columns": columns, "errors": errors[:100]}


def flush(batch, actor, totals, errors, progress) -> None:
    """Record one batch; row errors name the file's line."""
    summary = calls_record(actor=actor, events=batch, source="cdr")
    for key in totals:
        totals[key] += summary[key]
    for item in summary["errors"]:
        errors.append({**item, "row": batch[item["row"]]["line"]})
    if progress:
        progress(totals["received"])
