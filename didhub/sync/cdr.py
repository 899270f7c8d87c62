"""Call detail records from CSV files: a number column and a time column, found by name.

Providers export CDRs from many switches, so headers vary: ``Called Number``, ``DID``,
``To``, ``Destination``... and ``Start Time``, ``Timestamp``, ``Call Date``... Headers
are matched in any case and spacing. The file is decoded and split as an upload is
(``didhub.imports.readers``: UTF-8, UTF-16 or Windows-1252; the separator of the header
line), and recorded in chunks of 10,000 rows (``calls_record``) inside one transaction
for the whole file: a file is recorded completely or not at all.
"""

import csv
import re
from collections.abc import Callable, Iterator

from django.db import transaction

from didhub.core.errors import ErrorItem, invalid
from didhub.imports.readers import FileError, first_line, open_text, sniff_separator
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
REPORTED_ERRORS = 100  # row errors listed; the counts cover every row


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lstrip("\ufeff").lower()).strip()


def find_column(headers: list[str], names: tuple[str, ...]) -> int | None:
    keys = [header_key(header) for header in headers]
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def read_events(text) -> tuple[Iterator[dict], dict]:
    """Events of a CDR text and the columns used; raises ValidationFailed without them.

    Each event carries its ``line`` (the header is line 1; a quoted record spanning
    lines is on the line it starts). A row shorter than the header yields
    ``{"line", "problem"}`` instead: its cells cannot be trusted to be in their
    columns. A direction other than in/out/inbound/outbound (or blank, inbound) is
    passed on as written, for ``calls_record`` to refuse as the API does.
    """
    try:
        header_line, skipped = first_line(text)
    except FileError as error:
        raise invalid(
            "The call record file is empty: no header row was found.",
            field="file",
            code="empty_file",
        ) from error
    separator = sniff_separator(header_line)
    headers = next(csv.reader([header_line], delimiter=separator))
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
    width = len(headers)
    offset = skipped + 1  # physical lines up to and including the header

    def events() -> Iterator[dict]:
        reader = csv.reader(text, delimiter=separator)
        ended = 0
        for row in reader:
            line = ended + 1 + offset
            ended = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < width:
                yield {
                    "line": line,
                    "problem": ErrorItem(
                        code="short_row",
                        message=f"The row has {len(row)} of the header's {width} columns "
                        "(a separator or a closing quote is missing).",
                    ),
                }
                continue
            written = row[direction_at].strip() if direction_at is not None else ""
            yield {
                "e164": row[number_at].strip().lstrip("'"),
                "at": row[time_at].strip(),
                "direction": DIRECTIONS.get(written.lower(), written),
                "line": line,
            }

    return events(), columns


def calls_import_file(path: str, *, actor, progress: Callable[[int], None] | None = None) -> dict:
    """Record every call of a CDR file; returns the summed counts and the first errors."""
    totals = dict.fromkeys(
        ("received", "applied", "unknown", "invalid", "numbers_updated", "ports_completed"), 0
    )
    errors: list[dict] = []
    with open(path, "rb") as raw:
        try:
            text, notes = open_text(raw)
        except FileError as error:
            raise invalid(error.message, field="file", code=error.code) from error
        events, columns = read_events(text)
        # One transaction for the file: an error part-way leaves no batch recorded, so
        # the file can simply be imported again.
        with transaction.atomic():
            batch: list[dict] = []
            for event in events:
                problem = event.get("problem")
                if problem is not None:
                    totals["received"] += 1
                    totals["invalid"] += 1
                    errors.append({**problem.as_dict(), "row": event["line"]})
                    keep_first(errors)
                    continue
                batch.append(event)
                if len(batch) == MAX_EVENTS:
                    flush(batch, actor, totals, errors, progress)
                    batch = []
            if batch:
                flush(batch, actor, totals, errors, progress)
    keep_first(errors, exact=True)
    return {**totals, "columns": columns, "notes": notes, "errors": errors}


def keep_first(errors: list[dict], *, exact: bool = False) -> None:
    """Keep the first ``REPORTED_ERRORS`` errors by line (now and then, or ``exact``).

    An error dropped has that many before it already, so it can never be among the
    file's first ones, whatever order the rest arrive in.
    """
    if exact or len(errors) > 2 * REPORTED_ERRORS:
        errors.sort(key=lambda item: item["row"])
        del errors[REPORTED_ERRORS:]


def flush(batch, actor, totals, errors, progress) -> None:
    """Record one batch; row errors name the file's line."""
    summary = calls_record(actor=actor, events=batch, source="cdr")
    for key in totals:
        totals[key] += summary[key]
    for item in summary["errors"]:
        errors.append({**item, "row": batch[item["row"]]["line"]})
    keep_first(errors)
    if progress:
        progress(totals["received"])
