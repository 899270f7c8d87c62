"""``didhub calls import`` with the CDR files switches really write: short rows, tabs,
encodings, unknown directions, and a file recorded all or nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from didhub.core.models import Event
from didhub.numbers.choices import Activity
from didhub.numbers.models import Number
from didhub.sync import cdr
from didhub.sync.activity import MAX_EVENTS
from didhub.sync.tests.conftest import add_range

pytestmark = pytest.mark.django_db


def run(tmp_path, data: bytes, capsys) -> str:
    path = tmp_path / "cdr.csv"
    path.write_bytes(data)
    call_command("calls", "import", str(path))
    return capsys.readouterr().out


def active(*numbers: str) -> set[str]:
    return set(
        Number.objects.filter(e164__in=numbers, activity=Activity.ACTIVE).values_list(
            "e164", flat=True
        )
    )


def test_a_short_row_is_reported_on_its_line_and_the_rest_is_recorded(tree, tmp_path, capsys):
    add_range(tree, tree.acme, "+12125550100", 3)
    out = run(
        tmp_path,
        b"Called Number,Start Time,Direction,Duration\n"
        b"+12125550100,2026-03-01 10:00:00,in,30\n"
        b"+12125550101,2026-03-01 10:05:00\n"
        b"+12125550102,2026-03-01 10:10:00,out,12\n",
        capsys,
    )
    assert "3 call records: 2 applied, 0 for unknown numbers, 1 invalid" in out
    assert (
        "line 3: The row has 2 of the header's 4 columns (a separator or a closing quote "
        "is missing). [short_row]"
    ) in out
    assert active("+12125550100", "+12125550101", "+12125550102") == {
        "+12125550100",
        "+12125550102",
    }


def test_one_short_row_does_not_change_the_separator_of_a_tab_separated_file(
    tree, tmp_path, capsys
):
    add_range(tree, tree.acme, "+12125550100", 3)
    out = run(
        tmp_path,
        b"DID\tTimestamp\tCaller, Name\n"
        b"+12125550100\t2026-03-01T10:00:00Z\tDoe, Jane\n"
        b"+12125550101\n"
        b"+12125550102\t2026-03-01T10:10:00Z\tRoe, Rick\n",
        capsys,
    )
    assert "number='DID', time='Timestamp'" in out
    assert "3 call records: 2 applied, 0 for unknown numbers, 1 invalid" in out
    assert "line 3: The row has 1 of the header's 3 columns" in out
    assert active("+12125550100", "+12125550102") == {"+12125550100", "+12125550102"}


def test_an_unknown_direction_is_refused_as_the_api_refuses_it(tree, tmp_path, capsys):
    add_range(tree, tree.acme, "+12125550100", 2)
    out = run(
        tmp_path,
        b"Number,Time,Direction\n"
        b"+12125550100,2026-03-01 10:00:00,transfer\n"
        b"+12125550101,2026-03-01 10:00:00,\n",
        capsys,
    )
    assert "2 call records: 1 applied, 0 for unknown numbers, 1 invalid" in out
    assert "line 2: direction is one of inbound, outbound. [invalid_direction]" in out
    assert active("+12125550100", "+12125550101") == {"+12125550101"}


def test_a_quoted_multi_line_record_is_reported_on_its_first_line(tree, tmp_path, capsys):
    out = run(
        tmp_path,
        b'Number,Time,Note\n+12125550100,not a time,"two\nlines"\n',
        capsys,
    )
    assert "line 2: at must be a date and time. [invalid_time]" in out


@pytest.mark.parametrize(
    ("encoding", "note"),
    [
        ("utf-16", ""),
        ("cp1252", "read as Windows-1252"),
    ],
)
def test_utf16_and_windows_1252_files_are_read(tree, tmp_path, capsys, encoding, note):
    add_range(tree, tree.acme, "+12125550100", 1)
    caller = "Jos\u00e9 \u2013 \u201cB\u00fcro\u201d"  # accents, an en dash, curly quotes
    text = f"Number\tTime\tCaller\r\n+12125550100\t2026-03-01 10:00:00\t{caller}\r\n"
    out = run(tmp_path, text.encode(encoding), capsys)
    assert "1 call records: 1 applied" in out
    assert (note in out) if note else ("Windows-1252" not in out)
    assert active("+12125550100") == {"+12125550100"}


def test_a_file_that_is_not_text_is_refused_and_nothing_is_recorded(tree, tmp_path):
    path = tmp_path / "cdr.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CommandError) as error:
        call_command("calls", "import", str(path))
    assert str(error.value) == (
        f"{path}: The file is a PNG image, not a CSV/TSV text file or an XLSX workbook. "
        "[unreadable] Nothing of the file was recorded."
    )


def test_a_file_is_recorded_all_or_nothing(tree, tmp_path, monkeypatch):
    """The second batch fails (a lost database, a kill): the first is not kept either."""
    add_range(tree, tree.acme, "+12125550100", 2)
    rows = ["+12125550100,2026-03-01 10:00:00"] * MAX_EVENTS + ["+12125550101,2026-03-01"]
    path = tmp_path / "cdr.csv"
    path.write_text("Number,Time\n" + "\n".join(rows) + "\n")
    record = cdr.calls_record
    batches = []

    def second_batch_fails(**kwargs):
        batches.append(len(kwargs["events"]))
        if len(batches) == 2:
            raise RuntimeError("connection to the database lost")
        return record(**kwargs)

    monkeypatch.setattr(cdr, "calls_record", second_batch_fails)
    with pytest.raises(CommandError) as error:
        call_command("calls", "import", str(path))
    assert str(error.value) == (
        f"{path}: the import stopped (connection to the database lost). "
        "Nothing of the file was recorded."
    )
    assert batches == [MAX_EVENTS, 1]
    assert active("+12125550100", "+12125550101") == set()
    assert not Event.objects.filter(action="calls.recorded").exists()
