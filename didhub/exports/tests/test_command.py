"""``didhub export``: the same export to a file, as one user sees it."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from didhub.exports.tests.conftest import (
    ACME_NUMBERS,
    GLOBEX_NUMBER,
    INITECH_NUMBER,
    pdf_text,
)


def read_csv(path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_csv_as_a_user(tmp_path, tree, inventory):
    output = tmp_path / "numbers.csv"
    stdout = io.StringIO()
    call_command("export", "-o", str(output), "--as", tree.acme_admin.email, stdout=stdout)

    assert [row["Number"] for row in read_csv(output)] == ACME_NUMBERS
    assert output.read_bytes().startswith(b"\xef\xbb\xbf")
    assert stdout.getvalue().strip() == f"Wrote 5 numbers to {output} (CSV)."


def test_filters_as_flags_and_as_key_value(tmp_path, tree, inventory):
    output = tmp_path / "numbers.csv"
    call_command(
        "export",
        "-o",
        str(output),
        "--as",
        tree.master_admin.email,
        "--voice",
        "true",
        "--filter",
        "route=external_trunk,operator_connect",
        stdout=io.StringIO(),
    )
    assert [row["Number"] for row in read_csv(output)] == [*ACME_NUMBERS[2:], GLOBEX_NUMBER]

    call_command(
        "export",
        "-o",
        str(output),
        "--as",
        tree.master_admin.email,
        "--country-code",
        "44",
        stdout=io.StringIO(),
    )
    assert [row["Number"] for row in read_csv(output)] == [GLOBEX_NUMBER]


def test_the_format_follows_the_file_name(tmp_path, tree, inventory):
    xlsx = tmp_path / "numbers.xlsx"
    call_command("export", "-o", str(xlsx), "--as", tree.initech_admin.email, stdout=io.StringIO())
    sheet = load_workbook(xlsx)["Phone Numbers"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [INITECH_NUMBER]

    pdf = tmp_path / "report.bin"
    call_command(
        "export",
        "--format",
        "pdf",
        "-o",
        str(pdf),
        "--as",
        tree.platform_viewer.email,
        "--numbers",
        f"{INITECH_NUMBER},{GLOBEX_NUMBER}",
        stdout=io.StringIO(),
    )
    text = pdf_text(pdf.read_bytes())
    assert "Numbers visible to Platform matching the selected numbers" in text
    assert f"({INITECH_NUMBER}) Tj" in text
    assert f"({ACME_NUMBERS[0]}) Tj" not in text


def test_whose_view_must_be_said(tmp_path, tree, inventory):
    with pytest.raises(CommandError, match="--as"):
        call_command("export", "-o", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match=r"No active user 'nobody@example\.test'"):
        call_command("export", "-o", str(tmp_path / "x.csv"), "--as", "nobody@example.test")


def test_bad_filters_are_reported(tmp_path, tree, inventory):
    with pytest.raises(CommandError, match="state"):
        call_command(
            "export", "-o", str(tmp_path / "x.csv"), "--as", tree.acme_admin.email, "--state", "x"
        )
    with pytest.raises(CommandError, match="KEY=VALUE"):
        call_command(
            "export", "-o", str(tmp_path / "x.csv"), "--as", tree.acme_admin.email, "--filter", "x"
        )
