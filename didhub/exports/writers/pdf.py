"""PDF: a landscape report of the main columns, drawn page by page.

The pages are drawn directly on a reportlab canvas, one text object per page, instead
of building a platypus Table (which lays out every row before writing the first page
and cannot cope with 100,000 rows). Every page repeats the title, the filter in words,
the generation time and the column headers; the footer reads "Page N of M", where M is
a form drawn once at the end and referenced by every page.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
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
    datetime_columns = {i for i, column in enumerate(COLUMNS) if column.kind == "datetime"}

    page_number = 0
    text = None
    y = 0.0

    def start_page():
        nonlocal page_number, text, y
        page_number += 1
        _draw_page_frame(canvas, layout, title, description, generated, page_number)
        text = canvas.beginText()
        text.setFont(FONT, SIZE)
        y = layout.first_row_y

    def finish_page():
        canvas.drawText(text)
        canvas.showPage()

    start_page()
    for rows in chunks:
        for row in rows:
            if y < MARGIN:
                finish_page()
                start_page()
            for index, x, width in layout.columns:
                value = row[index]
                if value is None:
                    continue
                if index in datetime_columns:
                    value = format_datetime(value, tz)
                cell = fit(str(value), width)
                if cell:
                    text.setTextOrigin(x, y)
                    text.textOut(cell)
            y -= ROW_HEIGHT
        if progress is not None:
            progress(len(rows))
    if page_number == 1 and y == layout.first_row_y:
        text.setTextOrigin(MARGIN, y)
        text.textOut("No numbers match.")
    finish_page()

    canvas.beginForm(TOTAL_PAGES_FORM)
    canvas.setFont(FONT, SIZE)
    canvas.drawString(0, 0, str(page_number))
    canvas.endForm()
    canvas.save()
    return page_number


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
