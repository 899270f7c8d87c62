"""Every knob is an environment variable read in settings.py and listed in the README.

One way to configure didhub: ``didhub/config/settings.py`` reads every ``DIDHUB_*``
variable (the rest of the code reads Django settings), and the README's configuration
table lists exactly those.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "didhub" / "config" / "settings.py"
# Read by the test run and the Makefile, not by didhub itself.
NOT_SETTINGS = {"DIDHUB_TEST_DATABASE_URL", "DIDHUB_CHROMIUM", "DIDHUB_BENCH_PG"}
READ = re.compile(
    r"""(?:environ(?:\.get)?\(|environ\[|env_bool\(|env_list\()\s*["'](DIDHUB_[A-Z0-9_]+)"""
)


def read_in(path: Path) -> set[str]:
    return set(READ.findall(path.read_text()))


def readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `DIDHUB_")]
    return {name for row in rows for name in re.findall(r"`(DIDHUB_[A-Z0-9_]+)`", row)}


def test_the_readme_table_lists_exactly_the_variables_settings_reads():
    listed = readme_table() - NOT_SETTINGS
    assert read_in(SETTINGS) == listed, {
        "read but not listed": sorted(read_in(SETTINGS) - listed),
        "listed but not read": sorted(listed - read_in(SETTINGS)),
    }


def test_no_module_but_settings_reads_a_didhub_variable():
    readers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "didhub").rglob("*.py")
        if path != SETTINGS and "tests" not in path.parts and read_in(path)
    }
    assert not readers, readers
