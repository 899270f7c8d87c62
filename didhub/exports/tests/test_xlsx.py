"""The XLSX export: a real workbook, typed cells, formulas made inert."""

import io
from datetime import datetime

from openpyxl import load_workbook

from didhub.exports.columns import HEADERS
from didhub.exports.tests.conftest import (
    ACME_NUMBERS,
    FORMULA_GROUP,
    GLOBEX_NUMBER,
    INITECH_NUMBER,
    content_of,
)

URL = "/api/v1/numbers/export.xlsx"


def workbook_rows(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(content_of(response)))
    assert book.sheetnames == ["Phone Numbers"]
    sheet = book["Phone Numbers"]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_holds_the_visible_numbers_with_typed_cells(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="PhoneNumbers.xlsx"'
    header, *rows = workbook_rows(response)
    assert header == HEADERS
    assert [row[0] for row in rows] == ACME_NUMBERS
    first = dict(zip(HEADERS, rows[0], strict=True))
    assert first["Number"] == "+12125550100"
    assert first["CAC"] == 2
    assert first["Country Code"] == 1
    assert isinstance(first["Created"], datetime)
    assert first["Created"] == inventory.acme[0].created_at.replace(tzinfo=None, microsecond=0)
    assert first["Reserved Until"] is None


def test_xlsx_neutralizes_formulas_but_keeps_numbers(client, tree, inventory):
    client.force_login(tree.acme_admin)
    _, first, second, *_ = workbook_rows(client.get(URL))
    first, second = dict(zip(HEADERS, first, strict=True)), dict(zip(HEADERS, second, strict=True))

    assert first["Number"] == "+12125550100"
    assert first["Service Info"] == "'@SUM(A1:A2)"
    assert first["Tags"] == "'-1+1;vip"
    assert first["SIP Connection"] == "'+1 (212) trunk"
    assert second["Assigned To"] == "'" + FORMULA_GROUP


def test_xlsx_filters_and_selection(client, tree, inventory):
    client.force_login(tree.master_admin)
    _, *rows = workbook_rows(client.get(URL, {"route": "operator_connect"}))
    assert [row[0] for row in rows] == [GLOBEX_NUMBER]
    _, *rows = workbook_rows(client.get(URL, {"numbers": f"{ACME_NUMBERS[1]},{INITECH_NUMBER}"}))
    assert [row[0] for row in rows] == [ACME_NUMBERS[1]]


def test_xlsx_of_a_foreign_tenant_holds_none_of_ours(client, tree, inventory):
    client.force_login(tree.initech_admin)
    _, *rows = workbook_rows(client.get(URL, {"filename": "initech"}))
    assert [row[0] for row in rows] == [INITECH_NUMBER]


def test_xlsx_drops_characters_xml_cannot_carry(client, tree, inventory):
    inventory.acme[2].service_info = "bell\x07here"
    inventory.acme[2].save(update_fields=["service_info"])
    client.force_login(tree.acme_admin)
    _, *rows = workbook_rows(client.get(URL))
    assert rows[2][HEADERS.index("Service Info")] == "bellhere"
