"""The PDF report: title, filter in words, time, headers on every page, page numbers."""

import io
import re
from datetime import UTC, datetime

from didhub.exports.columns import COLUMNS, HEADERS, PDF_COLUMNS
from didhub.exports.tests.conftest import ACME_NUMBERS, INITECH_NUMBER, content_of, pdf_text
from didhub.exports.writers import write_pdf
from didhub.exports.writers.pdf import Layout, fit

URL = "/api/v1/numbers/export.pdf"


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))


def synthetic_rows(count: int) -> list[list]:
    row = [None] * len(COLUMNS)
    rows = []
    for i in range(count):
        cells = list(row)
        cells[0] = f"+1212555{i:04d}"
        cells[HEADERS.index("Owner")] = "Acme Corp"
        rows.append(cells)
    return rows


def test_pdf_report_of_the_visible_numbers(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL, {"state": "available", "filename": "Acme report"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Acme report.pdf"'
    data = content_of(response)
    text = pdf_text(data)
    assert "(Phone Numbers) Tj" in text
    assert "Numbers visible to Acme Corp matching filter state = available" in text
    assert re.search(r"\(Generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \\\(UTC\\\)\) Tj", text)
    for index in PDF_COLUMNS:
        assert f"({COLUMNS[index].header}) Tj" in text
    for e164 in ACME_NUMBERS[2:]:
        assert f"({e164}) Tj" in text
    assert f"({ACME_NUMBERS[0]}) Tj" not in text
    assert INITECH_NUMBER not in text
    assert page_count(data) == 1
    assert "(Page 1 of ) Tj" in text


def test_pdf_of_a_selection_says_so(client, tree, inventory):
    client.force_login(tree.acme_admin)
    text = pdf_text(content_of(client.get(URL, {"numbers": ACME_NUMBERS[0]})))
    assert "the selected numbers +12125550100" in text
    assert "(Alice \\(Voice\\); =HYPERLINK" in text


def test_pdf_pages_repeat_headers_and_count_pages():
    rows_per_page = Layout().rows_per_page
    output = io.BytesIO()
    pages = write_pdf(
        [synthetic_rows(rows_per_page * 2 + 1)],
        output,
        description="All numbers",
        generated_at=datetime(2026, 3, 1, 14, 5, 9, tzinfo=UTC),
    )
    data = output.getvalue()
    text = pdf_text(data)

    assert pages == 3
    assert page_count(data) == 3
    assert text.count("(Phone Numbers) Tj") == 3
    assert text.count("(Assigned To) Tj") == 3
    assert text.count("(Generated 2026-03-01 14:05:09 \\(UTC\\)) Tj") == 3
    for page in (1, 2, 3):
        assert f"(Page {page} of ) Tj" in text
    # The total is drawn once, in the form every footer shows.
    assert "(3) Tj" in text
    assert text.count("/FormXob.didhub_total_pages Do") == 3
    assert f"(+1212555{rows_per_page * 2:04d}) Tj" in text


def test_pdf_of_nothing_says_so():
    output = io.BytesIO()
    assert write_pdf([], output) == 1
    assert "(No numbers match.) Tj" in pdf_text(output.getvalue())


def test_long_text_is_cut_to_its_column():
    assert fit("Alice", 100) == "Alice"
    cut = fit("A very long target name that cannot fit a narrow column", 60)
    assert cut.endswith("…")
    assert len(cut) < 30
