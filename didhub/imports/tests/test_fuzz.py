"""Random and hostile files: never a crash, every row accounted for, nothing half-written."""

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from didhub.core.errors import ValidationFailed
from didhub.imports import services
from didhub.imports.models import Import, ImportRow
from didhub.numbers.models import Number

HEADERS = [
    "Country Code",
    "Phone Number",
    "Voice",
    "SMS",
    "Fax",
    "Voice Route Type",
    "Usage",
    "CAC",
    "Tags",
    "Range End",
    "Service Info",
    "colour",
    "",
    "PHONE number",
]
NASTY = [
    "",
    "+12125550100",
    "212 555 0100",
    "1",
    "44",
    "TRUE",
    "x",
    "no",
    "Direct Routing",
    "1.21E+10",
    "'+12125550101",
    "=cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    '"quoted, comma"',
    "a\x00b",
    "\x00",
    "\ufeff",
    "tab\there",
    "new\nline",
    "x" * 5000,
    "é" * 300,
    "+12125550100",
    "+12125550199",
    "0012125550102",
    "999",
    "Contact Center",
    "0",
    "-1",
]
cells = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
rows = st.lists(st.lists(cells, min_size=0, max_size=14), max_size=25)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"])
separators = st.sampled_from([",", ";", "\t", "|"])


def csv_bytes(header, body, separator, encoding) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode(encoding, errors="replace")


def check_upload(actor, account, data: bytes, name: str):
    stream = io.BytesIO(data)
    stream.name = name
    numbers_before = Number.objects.count()
    try:
        run = services.import_create(actor=actor, account=account, file=stream)
    except ValidationFailed as error:
        run = Import.objects.order_by("-pk").first()
        assert run.state == "failed" and run.error, error
        assert error.errors[0].field == "file"
        assert not ImportRow.objects.filter(import_run=run).exists()
        assert Number.objects.count() == numbers_before
        return
    assert run.state == "ready", run.error
    assert run.valid + run.invalid + run.duplicate == run.total_rows
    assert ImportRow.objects.filter(import_run=run).count() == run.valid
    assert run.row_errors.count() >= run.invalid + run.duplicate
    run = services.import_commit(actor=actor, import_run=run)
    assert run.state == "done"
    assert Number.objects.count() == numbers_before + run.committed
    assert run.committed == run.valid - run.present


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    body=rows,
    separator=separators,
    encoding=encodings,
)
def test_hostile_csv_files(tree, header, body, separator, encoding):
    check_upload(tree.master_admin, tree.sub, csv_bytes(header, body, separator, encoding), "f.csv")


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(tree, data):
    check_upload(tree.master_admin, tree.sub, data, "f.csv")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.lists(
        st.lists(
            st.one_of(cells, st.integers(), st.floats(allow_nan=True), st.booleans()), max_size=6
        ),
        max_size=10,
    )
)
def test_hostile_xlsx_files(tree, body):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Country Code", "Phone Number", "Voice", "SMS", "Fax", "Voice Route Type"])
    for row in body:
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
                for value in row
            ]
        )
    sheet.append(["1", "=A2*2", "TRUE"])  # a formula cell: read as its (absent) cached value
    out = io.BytesIO()
    workbook.save(out)
    check_upload(tree.master_admin, tree.sub, out.getvalue(), "f.xlsx")


def test_ten_thousand_columns(tree):
    header = ["Phone Number"] + [f"extra {n}" for n in range(9999)]
    body = [["+12125550100"] + ["x"] * 9999, ["+12125550101"]]
    data = csv_bytes(header, body, ",", "utf-8")
    check_upload(tree.master_admin, tree.sub, data, "wide.csv")
    run = Import.objects.get()
    assert run.valid == 2
    assert "and 9989 more" in run.notes[0]


def test_a_huge_field(tree):
    data = b"Phone Number,Service Info\n+12125550100," + b"y" * 2_000_000 + b"\n+12125550101,ok\n"
    check_upload(tree.master_admin, tree.sub, data, "huge.csv")
    run = Import.objects.get()
    assert (run.valid, run.invalid) == (1, 1)
    assert run.row_errors.get().code == "cell_too_long"
