"""`didhub numbers check FILE` (no database) and `didhub numbers import FILE --account NAME`
(`didhub import`, its former spelling)."""

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from didhub.numbers.models import Number

TEXT = (
    "Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"
    "1,212 555 0100,TRUE,FALSE,FALSE,Direct Routing\n"
    "1,212 555 0101,TRUE,FALSE,FALSE,\n"
    "1,2125550100,FALSE,TRUE,FALSE,\n"
)
GOOD = "Phone Number\n+12125550100\n+12125550101\n"


@pytest.fixture
def numbers_file(tmp_path):
    def write(text: str, name="numbers.csv"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def test_check_reports_without_a_database_and_exits_1_on_invalid_rows(numbers_file):
    # No `db` fixture: pytest-django fails any query, so this proves no database is touched.
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("numbers", "check", numbers_file(TEXT), stdout=out)
    assert exit_status.value.code == 1
    report = out.getvalue()
    assert report.startswith("3 rows: 1 valid, 1 invalid, 1 duplicate\n")
    assert "line 3, Voice Route Type: Voice is TRUE" in report
    assert "[voice_without_route]" in report
    assert "not checked" in report.lower()


def test_check_passes_a_clean_file(numbers_file):
    out = io.StringIO()
    call_command("numbers", "check", numbers_file(GOOD), stdout=out)
    assert out.getvalue().startswith("2 rows: 2 valid, 0 invalid, 0 duplicate")


def test_check_with_a_country_code(numbers_file):
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("numbers", "check", numbers_file(GOOD), "--country-code", "44", stdout=out)
    assert "[wrong_country]" in out.getvalue()


def test_check_refuses_an_unreadable_file(numbers_file):
    with pytest.raises(CommandError, match="no_number_column"):
        call_command("numbers", "check", numbers_file("Name\nAnn\n"))


def test_check_in_a_pipe_prints_no_progress_bar(numbers_file):
    done = subprocess.run(
        [sys.executable, "manage.py", "numbers", "check", numbers_file(GOOD)],
        capture_output=True,
        text=True,
        env={
            "DIDHUB_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "PATH": "/usr/bin:/bin",
        },
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("2 rows: 2 valid")


def test_check_is_djangos_system_check_again(db):
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "System check identified no issues" in out.getvalue()
    with pytest.raises(LookupError, match=r"No installed app with label 'numbers\.csv'"):
        call_command("check", "numbers.csv")


def test_numbers_import_is_didhub_import(tree, numbers_file):
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("numbers", "import", numbers_file(TEXT), "--account", "Acme Corp", stdout=out)
    assert "1 valid, 1 invalid, 1 duplicate" in out.getvalue()
    assert "run again with --commit" in out.getvalue()


def test_import_validates_then_commits(tree, numbers_file):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("import", numbers_file(TEXT), account="Acme Corp", stdout=out)
    assert exit_status.value.code == 1
    assert "1 valid, 1 invalid, 1 duplicate" in out.getvalue()
    assert "run again with --commit" in out.getvalue()
    assert Number.objects.count() == 0
    out = io.StringIO()
    call_command("import", numbers_file(GOOD), account="acme corp", commit=True, stdout=out)
    assert "2 numbers added" in out.getvalue()
    assert set(Number.objects.values_list("owner__name", flat=True)) == {"Acme Corp"}


def test_import_names_a_missing_account(tree, numbers_file):
    with pytest.raises(CommandError, match="No account named 'Nobody'"):
        call_command("import", numbers_file(GOOD), account="Nobody")
