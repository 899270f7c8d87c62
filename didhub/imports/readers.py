"""Reading upload files as a stream of rows: CSV/TSV text and XLSX workbooks.

Both readers stream, so a file of a million rows needs no more memory than one of a
thousand. Encoding, separator and blank lines are handled here and reported as notes;
what the cells mean is the validator's business.
"""

import codecs
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from didhub.imports.columns import COLUMNS_BY_KEY, MAX_CELL, column_for_header

# Rows are checked cell by cell; a huge field is refused as a row, never as a crash.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

XLSX_MAGIC = b"PK\x03\x04"
SEPARATORS = (",", ";", "\t")
MAX_UNKNOWN_LISTED = 10


class FileError(ValueError):
    """The file as a whole cannot be read: ``code`` from FILE_ERROR_CODES."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Table:
    """A file opened for reading: what its columns mean and its rows, lazily.

    ``keys`` has one column key (or None for an ignored column) per position; ``rows``
    yields ``(line, cells)`` with ``line`` as a spreadsheet shows it (the header is
    line 1) and cells as text. Blank rows are skipped and counted in ``blank_lines``.
    ``rereadable``: another process opening the same file reads the same rows cheaply
    (a CSV, not an unpacked XLSX), so a large file can be shared out to validate.
    """

    keys: list[str | None]
    rows: Iterator[tuple[int, list[str]]]
    notes: list[str] = field(default_factory=list)
    estimated_rows: int = 0
    blank_lines: int = 0
    rereadable: bool = False


def map_header(cells: list[str], notes: list[str]) -> list[str | None]:
    """Column keys for a header row; unknown headers are ignored with a note."""
    keys: list[str | None] = []
    seen: dict[str, str] = {}
    unknown: list[str] = []
    for cell in cells:
        key = column_for_header(cell)
        if key is not None and key in seen:
            raise FileError(
                "duplicate_column",
                f"The headers {seen[key]!r} and {cell!r} both name the column "
                f"{COLUMNS_BY_KEY[key].header!r}.",
            )
        if key is not None:
            seen[key] = cell
        elif str(cell).strip():
            unknown.append(str(cell).strip()[:40])
        keys.append(key)
    if "phone_number" not in seen:
        shown = ", ".join(repr(str(cell)[:40]) for cell in cells[:8])
        raise FileError(
            "no_number_column",
            f"No column is named Phone Number (or Number, DID, TN); the header row is: {shown}.",
        )
    if unknown:
        listed = ", ".join(repr(name) for name in unknown[:MAX_UNKNOWN_LISTED])
        more = len(unknown) - MAX_UNKNOWN_LISTED
        notes.append(
            f"Ignored column{'s' if len(unknown) > 1 else ''} {listed}"
            + (f" and {more} more" if more > 0 else "")
            + ": not upload columns."
        )
    return keys


def open_table(stream, name: str = "") -> Table:
    """Open an upload (a binary file object) as a CSV or an XLSX table."""
    head = stream.read(4)
    stream.seek(0)
    if head == XLSX_MAGIC or name.lower().endswith((".xlsx", ".xlsm")):
        return open_xlsx(stream)
    return open_csv(stream)


def detect_encoding(stream) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM) when the whole file decodes, else Latin-1 with a note."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = stream.read(3)
    bom = start == codecs.BOM_UTF8
    stream.seek(0)
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        stream.seek(0)
        return "latin-1", [
            f"The file is not UTF-8 (byte {error.object[error.start]:#04x} cannot be read as "
            "UTF-8); it was read as Latin-1. Check accented text, or save it as UTF-8."
        ]
    stream.seek(0)
    return ("utf-8-sig" if bom else "utf-8"), []


def count_lines(stream) -> int:
    lines = 0
    while chunk := stream.read(1 << 20):
        lines += chunk.count(b"\n")
    stream.seek(0)
    return lines


def sniff_separator(line: str) -> str:
    """The most frequent of `,` `;` tab in the header line (`,` on a tie)."""
    counts = {separator: line.count(separator) for separator in SEPARATORS}
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def open_csv(stream) -> Table:
    encoding, notes = detect_encoding(stream)
    estimated = count_lines(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first = ""
    skipped = 0
    for raw in text:
        if raw.strip().strip(",;\t"):
            first = raw
            break
        skipped += 1
    if not first:
        raise FileError("empty_file", "The file is empty: no header row was found.")
    separator = sniff_separator(first)
    if separator != ",":
        shown = "tabs" if separator == "\t" else repr(separator)
        notes.append(f"Columns are separated by {shown}.")
    header = next(csv.reader([first], delimiter=separator))
    keys = map_header(header, notes)
    table = Table(
        keys=keys,
        rows=iter(()),
        notes=notes,
        estimated_rows=max(estimated - 1, 0),
        rereadable=True,
    )
    offset = skipped + 1  # physical lines before the first data line

    def rows():
        reader = csv.reader(text, delimiter=separator)
        blank = 0
        for cells in reader:
            if not "".join(cells).strip():
                blank += 1
                continue
            yield reader.line_num + offset, cells
        table.blank_lines = blank + skipped

    table.rows = rows()
    return table


def cell_text(value) -> str:
    """An XLSX cell as the text a person would type.

    Whole numbers stay exact (Excel keeps all 15 digits even when it displays
    ``1.21E+10``); a fraction cannot be a phone number and is shown as it is stored.
    """
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def open_xlsx(stream) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileError("unreadable", f"The XLSX workbook cannot be read: {error}.") from error
    sheet = workbook.worksheets[0]
    notes: list[str] = []
    if len(workbook.worksheets) > 1:
        notes.append(f"Only the first sheet ({sheet.title!r}) was read.")
    values = sheet.iter_rows(values_only=True)
    skipped = 0
    header = None
    for row in values:
        cells = [cell_text(value) for value in row]
        if any(cell.strip() for cell in cells):
            header = cells
            break
        skipped += 1
    if header is None:
        workbook.close()
        raise FileError("empty_file", "The first sheet is empty: no header row was found.")
    keys = map_header(header, notes)
    estimated = max((sheet.max_row or 0) - skipped - 1, 0)
    table = Table(keys=keys, rows=iter(()), notes=notes, estimated_rows=estimated)

    def rows():
        blank = 0
        line = skipped + 1
        for row in values:
            line += 1
            cells = [cell_text(value) for value in row]
            if not any(cell.strip() for cell in cells):
                blank += 1
                continue
            yield line, cells
        table.blank_lines = blank + skipped
        workbook.close()

    table.rows = rows()
    return table


def entries_table(entries: list, keys_hint: tuple[str, ...] = ()) -> Table:
    """A JSON list (strings, or objects keyed by column key or header) as a table.

    The line of an entry is its position in the list, from 1.
    """
    keys: list[str] = ["phone_number"]
    for entry in entries:
        if isinstance(entry, dict):
            for name in entry:
                key = column_for_header(name)
                if key is None:
                    raise FileError("unknown_field", f"{name!r} is not an upload column.")
                if key not in keys:
                    keys.append(key)
    for key in keys_hint:
        if key not in keys:
            keys.append(key)

    def rows():
        for line, entry in enumerate(entries, 1):
            if isinstance(entry, dict):
                by_key = {column_for_header(name): value for name, value in entry.items()}
                yield line, [json_cell(by_key.get(key)) for key in keys]
            else:
                yield line, [json_cell(entry)] + [""] * (len(keys) - 1)

    return Table(keys=list(keys), rows=rows(), estimated_rows=len(entries))


def json_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    text = cell_text(value)
    return text[: MAX_CELL + 1]
