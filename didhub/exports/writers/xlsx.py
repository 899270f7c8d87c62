"""XLSX: one sheet, written with openpyxl's write-only workbook.

Write-only mode streams rows to a temporary file inside openpyxl instead of keeping a
cell object per value, so memory stays flat at any row count. Dates are real Excel
dates (in the export's time zone: Excel has none), counts real numbers, and text is
kept as text: a string starting with ``=`` would otherwise become a formula.
"""

from collections.abc import Callable, Iterable

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from didhub.exports.columns import COLUMNS, HEADERS, Prepare, prepared
from didhub.exports.safety import FORMULA_STARTS, neutralize

SHEET_TITLE = "Phone Numbers"


def write_xlsx(
    chunks: Iterable[list[list]],
    fileobj,
    *,
    tz=None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the export as an XLSX workbook to ``fileobj`` (a path or a binary file)."""
    tz = tz or timezone.get_current_timezone()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(COLUMNS, start=1):
        width = 20 if column.kind == "datetime" else max(12, len(column.header) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header_font = Font(bold=True)
    sheet.append([_header_cell(sheet, header, header_font) for header in HEADERS])

    prepare = xlsx_prepare(tz)
    for rows in chunks:
        for row in prepared(rows, prepare):
            sheet.append(row)
        if progress is not None:
            progress(len(rows))
    workbook.save(fileobj)


def xlsx_prepare(tz) -> Prepare:
    """Cells for Excel: naive local datetimes, formula-safe text XML can carry."""

    def local(value):
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)

    def safe(text):
        if text[0] in FORMULA_STARTS:
            text = neutralize(text)
        # XML cannot carry most control characters; a name must not break the file.
        return ILLEGAL_CHARACTERS_RE.sub("", text)

    def prepare(column, values):
        if column.kind == "datetime":
            return [None if v is None else local(v) for v in values]
        if column.free_text:
            return [safe(v) if v else v for v in values]
        return values

    return prepare


def _header_cell(sheet, header: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=header)
    cell.font = font
    return cell
