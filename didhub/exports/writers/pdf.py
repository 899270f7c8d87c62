"""PDF: a landscape report of the main columns, drawn page by page.

The pages are drawn directly on a reportlab canvas, one text object per page, instead
of building a platypus Table (which lays out every row before writing the first page
and cannot cope with 100,000 rows). Every page repeats the title, the filter in words,
the generation time and the column headers; the footer reads "Page N of M", where M is
a form drawn once at the end and referenced by every page.
"""

import zlib
from collections.abc import Callable, Iterable
from datetime import datetime

from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from didhub.exports.columns import COLUMNS, PDF_COLUMNS, format_datetime

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 28
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE = 7
ROW_HEIGHT = 10
PADDING = 4
# No Helvetica glyph is wider than 1.02 em: text shorter than this never needs measuring.
WIDEST_GLYPH = 1.02
ELLIPSIS = "…"
TOTAL_PAGES_FORM = "didhub_total_pages"


def fit(text: str, width: float, font: str = FONT, size: float = SIZE) -> str:
    """``text`` cut with an ellipsis so that it fits in ``width`` points."""
    if len(text) * size * WIDEST_GLYPH <= width or stringWidth(text, font, size) <= width:
        return text
    room = width - stringWidth(ELLIPSIS, font, size)
    while text and stringWidth(text, font, size) > room:
        text = text[: max(len(text) - max(1, len(text) // 8), 0)]
    return text + ELLIPSIS


# Text as a PDF string in the standard fonts' WinAnsi (cp1252) encoding: the three
# delimiters escaped, every byte outside printable ASCII written in octal.
PDF_STRING_ESCAPES = {
    **{code: f"\\{code:03o}" for code in [*range(32), *range(127, 256)]},
    ord("("): "\\(",
    ord(")"): "\\)",
    ord("\\"): "\\\\",
}


def pdf_string(text: str) -> str:
    """``text`` ready to go between parentheses in a content stream."""
    return text.encode("cp1252", "replace").decode("latin-1").translate(PDF_STRING_ESCAPES)


class CellText:
    """One row's drawing operators, with fitted cells remembered: names repeat a lot.

    Rows are written as raw text operators (``Tm``/``Tj``) rather than through
    reportlab's text object, which measures and re-encodes every string in Python.
    """

    def __init__(self, layout: "Layout", cache_size: int = 10_000):
        self.columns = [(index, f"{x:.2f}", width) for index, x, width in layout.columns]
        self.datetime_columns = {
            index for index, column in enumerate(COLUMNS) if column.kind == "datetime"
        }
        self.cache: dict = {}
        self.cache_size = cache_size

    def cell(self, value: str, width: float) -> str:
        key = (value, width)
        text = self.cache.get(key)
        if text is None:
            if len(self.cache) >= self.cache_size:
                self.cache.clear()
            text = self.cache[key] = pdf_string(fit(value, width))
        return text

    def row(self, row, y: float, tz) -> str:
        at = f"{y:.2f}"
        parts = []
        for index, x, width in self.columns:
            value = row[index]
            if value is None or value == "":
                continue
            if index in self.datetime_columns:
                value = format_datetime(value, tz)
            parts.append(f"1 0 0 1 {x} {at} Tm ({self.cell(str(value), width)}) Tj")
        return "\n".join(parts)


class Layout:
    """Where things go on a page; every page looks the same."""

    def __init__(self):
        usable = PAGE_WIDTH - 2 * MARGIN
        widths = [COLUMNS[i].pdf_width for i in PDF_COLUMNS]
        scale = usable / sum(widths)
        self.columns = []
        x = MARGIN
        for index, width in zip(PDF_COLUMNS, widths, strict=True):
            self.columns.append((index, x, width * scale - PADDING))
            x += width * scale
        self.title_y = PAGE_HEIGHT - MARGIN - 12
        self.description_y = self.title_y - 14
        self.generated_y = self.description_y - 11
        self.header_y = self.generated_y - 18
        self.first_row_y = self.header_y - ROW_HEIGHT - 3
        self.footer_y = MARGIN - 10
        self.rows_per_page = int((self.first_row_y - MARGIN) // ROW_HEIGHT) + 1


def write_pdf(
    chunks: Iterable[list[list]],
    fileobj,
    *,
    title: str = "Phone Numbers",
    description: str = "All numbers",
    generated_at: datetime | None = None,
    tz=None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the report to ``fileobj`` (a path or a binary file); returns the page count."""
    tz = tz or timezone.get_current_timezone()
    generated_at = generated_at or timezone.now()
    layout = Layout()
    canvas = Canvas(fileobj, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(title)
    canvas.setSubject(description)
    canvas.setCreator("didhub")
    generated = f"Generated {format_datetime(generated_at, tz)} ({tz})"

    font = canvas._doc.getInternalFontName(FONT)
    cells = CellText(layout)
    page_number = 0
    y = 0.0

    def start_page():
        nonlocal page_number, y
        page_number += 1
        _draw_page_frame(canvas, layout, title, description, generated, page_number)
        canvas.addLiteral(f"BT {font} {SIZE} Tf")
        y = layout.first_row_y

    def finish_page():
        canvas.addLiteral("ET")
        canvas.showPage()
        compress_last_page(canvas)

    start_page()
    for rows in chunks:
        for row in rows:
            if y < MARGIN:
                finish_page()
                start_page()
            canvas.addLiteral(cells.row(row, y, tz))
            y -= ROW_HEIGHT
        if progress is not None:
            progress(len(rows))
    if page_number == 1 and y == layout.first_row_y:
        canvas.addLiteral(f"1 0 0 1 {MARGIN} {y:.2f} Tm ({pdf_string('No numbers match.')}) Tj")
    finish_page()

    canvas.beginForm(TOTAL_PAGES_FORM)
    canvas.setFont(FONT, SIZE)
    canvas.drawString(0, 0, str(page_number))
    canvas.endForm()
    canvas.save()
    return page_number


def compress_last_page(canvas: Canvas) -> None:
    """Deflate the page just finished, now rather than when the document is saved.

    reportlab keeps every page's drawing commands as text until ``save``; compressed
    at once, a page takes a few kilobytes, so 100,000 rows stay within a small,
    nearly flat amount of memory. A stream that already names its filter is written
    as it is (``PDFStream.format``).
    """
    page = canvas._doc.Pages.pages[-1]
    content = page.stream.encode("utf-8") if isinstance(page.stream, str) else page.stream
    page.Contents = PDFStream(
        PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}),
        content=zlib.compress(content),
    )
    page.stream = None


def _draw_page_frame(canvas, layout, title, description, generated, page_number) -> None:
    """Title, filter, time, column headers and the page footer of one page."""
    canvas.setFont(BOLD, 14)
    canvas.drawString(MARGIN, layout.title_y, title)
    canvas.setFont(FONT, 8)
    canvas.drawString(MARGIN, layout.description_y, fit(description, PAGE_WIDTH - 2 * MARGIN))
    canvas.drawString(MARGIN, layout.generated_y, generated)
    canvas.setFont(BOLD, SIZE)
    for index, x, width in layout.columns:
        canvas.drawString(x, layout.header_y, fit(COLUMNS[index].header, width, BOLD))
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, layout.header_y - 3, PAGE_WIDTH - MARGIN, layout.header_y - 3)
    canvas.setFont(FONT, SIZE)
    label = f"Page {page_number} of "
    x = PAGE_WIDTH / 2 - 20
    canvas.drawString(x, layout.footer_y, label)
    canvas.saveState()
    canvas.translate(x + stringWidth(label, FONT, SIZE), layout.footer_y)
    canvas.doForm(TOTAL_PAGES_FORM)
    canvas.restoreState()
