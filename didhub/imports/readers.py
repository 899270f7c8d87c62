"""Reading upload files as a stream of rows: CSV/TSV text and XLSX workbooks.

Both readers stream, so a file of a million rows needs no more memory than one of a
thousand. Encoding, separator and blank lines are handled here and reported as notes;
what the cells mean is the validator's business.
"""

import codecs
import csv
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from didhub.imports import vendors
from didhub.imports.columns import COLUMNS_BY_KEY, MAX_CELL, column_for_header

# Rows are checked cell by cell; a huge field is refused as a row, never as a crash.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

XLSX_MAGIC = b"PK\x03\x04"
# Files people upload by mistake, named by their first bytes (the message says what it is).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", ""),
    (b"\xff\xd8\xff", "a JPEG image", ""),
    (b"GIF87a", "a GIF image", ""),
    (b"GIF89a", "a GIF image", ""),
    (b"%PDF-", "a PDF document", ""),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an Excel 97-2003 workbook (.xls)",
        " Save it as XLSX or CSV.",
    ),
    (b"\x1f\x8b", "a gzip archive", ""),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", ""),
    (b"Rar!\x1a\x07", "a RAR archive", ""),
)
# Characters of text read to tell a text file from a binary one.
BINARY_PROBE = 64 * 1024
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


def read_header(
    cells: list[str], notes: list[str]
) -> tuple[list[str | None], Callable[[list[str]], list[str]] | None]:
    """Column keys for a header row, and how to translate each row, if it needs that.

    A header of a known system's number export (see ``didhub.imports.vendors``) is read
    with that system's meanings, each row translated into didhub's columns; any other
    header is matched column by column.
    """
    export = vendors.recognise(cells)
    if export is not None:
        notes.append(export.note)
        return export.keys, export.translate
    return map_header(cells, notes), None


def open_table(stream, name: str = "") -> Table:
    """Open an upload (a binary file object) as a CSV or an XLSX table."""
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        return open_xlsx(stream)
    return open_csv(stream)


def _undefined_as_c1(error: UnicodeDecodeError) -> tuple[str, int]:
    """The five bytes Windows-1252 leaves undefined, read as the C1 controls they stand for.

    They then fail as control characters in the cell that holds them, with its line,
    instead of making the whole file unreadable (the WHATWG reading of windows-1252).
    """
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("didhub-c1", _undefined_as_c1)


@dataclass(frozen=True)
class Encoding:
    """How a text file is decoded: the codec, its error handler and a note, if any."""

    codec: str
    errors: str = "strict"
    note: str = ""


def _fully_decodes(stream, codec: str) -> UnicodeDecodeError | None:
    """None when the whole stream decodes as ``codec``, else the first error."""
    decoder = codecs.getincrementaldecoder(codec)()
    stream.seek(0)
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return error
    finally:
        stream.seek(0)
    return None


def _utf16_without_bom(start: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the first line is plain text with every other byte NUL.

    Excel writes "Unicode Text" with a byte-order mark; a file that lost it still shows
    the pattern in its header (ASCII letters with a NUL each), which no UTF-8 or
    Windows-1252 text has, so the test is cheap and safe.
    """
    start = start[: len(start) - len(start) % 2]
    if len(start) < 8:
        return None
    for codec, text_at, zero_at in (("utf-16-le", 0, 1), ("utf-16-be", 1, 0)):
        texts, zeros = start[text_at::2], start[zero_at::2]
        line = texts.split(b"\n", 1)[0]
        width = len(line) if b"\n" in texts else len(texts)
        if width >= 4 and not any(zeros[:width]) and all(line[:width]):
            return codec
    return None


def detect_encoding(stream) -> Encoding:
    """UTF-8 or UTF-16 by their marks, UTF-8 when the whole file decodes, else Windows-1252.

    Windows-1252 (what Excel writes as "CSV" on a Western Windows) is a superset of
    Latin-1 for text: en dash, curly quotes and the euro sign are its bytes 0x80-0x9F,
    which Latin-1 would read as invisible C1 control characters.
    """
    start = stream.read(512)
    stream.seek(0)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    else:
        codec = _utf16_without_bom(start)
    if codec is not None:
        error = _fully_decodes(stream, codec)
        if error is not None:
            raise FileError(
                "unreadable",
                f"The file is UTF-16 text, but bytes at offset {error.start:,} are not "
                "UTF-16: save it again as Unicode Text or as CSV UTF-8.",
            )
        return Encoding(codec)
    error = _fully_decodes(stream, "utf-8")
    if error is None:
        return Encoding("utf-8-sig" if start.startswith(codecs.BOM_UTF8) else "utf-8")
    byte = error.object[error.start]
    return Encoding(
        "cp1252",
        "didhub-c1",
        f"The file is not UTF-8 (byte {byte:#04x} cannot be read as UTF-8); it was read "
        "as Windows-1252 (Western European). Check accented text, or save it as CSV UTF-8.",
    )


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


def open_text(stream) -> tuple[io.TextIOWrapper, list[str]]:
    """A binary upload as text, decoded as :func:`detect_encoding` finds, and its notes.

    Refuses the files :data:`SIGNATURES` names, and binary files it does not: text
    holds no NUL.
    """
    head = stream.read(16)
    stream.seek(0)
    for magic, kind, advice in SIGNATURES:
        if head.startswith(magic):
            raise FileError(
                "unreadable",
                f"The file is {kind}, not a CSV/TSV text file or an XLSX workbook.{advice}",
            )
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding.codec, errors=encoding.errors, newline="")
    if "\x00" in text.read(BINARY_PROBE):
        raise FileError(
            "unreadable",
            "The file holds binary data (NUL bytes): it is not a CSV/TSV text file or an "
            "XLSX workbook.",
        )
    text.seek(0)
    return text, [encoding.note] if encoding.note else []


def first_line(text) -> tuple[str, int]:
    """The header line and how many lines before it were skipped (blank, or ``#TYPE``).

    Windows PowerShell's ``Export-Csv`` writes a ``#TYPE <class>`` line above the
    header unless told not to; it is not data and is skipped like a blank line.
    """
    for skipped, raw in enumerate(text):
        if raw.strip().strip(",;\t") and not (skipped == 0 and raw.startswith("#TYPE ")):
            return raw, skipped
    raise FileError("empty_file", "The file is empty: no header row was found.")


def open_csv(stream) -> Table:
    estimated = count_lines(stream)
    text, notes = open_text(stream)
    first, skipped = first_line(text)
    separator = sniff_separator(first)
    if separator != ",":
        shown = "tabs" if separator == "\t" else repr(separator)
        notes.append(f"Columns are separated by {shown}.")
    header = next(csv.reader([first], delimiter=separator))
    keys, translate = read_header(header, notes)
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
        ended = 0  # the physical line the previous record ended on
        for cells in reader:
            # A quoted cell may span lines: a record is reported on the line it starts.
            line = ended + 1 + offset
            ended = reader.line_num
            if not "".join(cells).strip():
                blank += 1
                continue
            yield line, cells if translate is None else translate(cells)
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
    keys, translate = read_header(header, notes)
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
            yield line, cells if translate is None else translate(cells)
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
