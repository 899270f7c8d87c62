"""``didhub numbers check FILE`` and ``didhub numbers import FILE --account NAME``.

``check`` reads and validates every row exactly as an upload would, except the checks
that need the inventory (numbers already present or held elsewhere, calling profile
names), and prints the report; it needs no database. Exit status 1 when any row is
invalid. ``import`` is ``didhub import`` (its former spelling, kept for a release).
``didhub check`` is Django's system check, as everywhere.
"""

import importlib
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from didhub.imports.readers import FileError, open_table
from didhub.imports.report import progress_bar, write_report
from didhub.imports.validation import Rules, Validator

# ``import`` is a keyword: the module of `didhub import` is reached by name.
ImportCommand = importlib.import_module("didhub.imports.management.commands.import").Command
PROGRESS_EVERY = 20_000


class Command(BaseCommand):
    help = (
        "Numbers from files. `didhub numbers check FILE`: validate a CSV or XLSX file "
        "without a database. `didhub numbers import FILE --account NAME [--commit]`: "
        "validate it into an account and import its valid rows."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = actions.add_parser("check", help="Validate a file without importing it.")
        check.add_argument("file")
        check.add_argument(
            "--country-code",
            help="Country calling code the numbers must carry (an enterprise's location).",
        )
        check.add_argument("--limit", type=int, default=100, help="Rejected rows to print.")
        upload = actions.add_parser("import", help="Validate a file into an account.")
        ImportCommand().add_arguments(upload)

    def handle(self, *args, action, **options):
        if action == "check":
            return self.check_file(options["file"], options["country_code"], options["limit"])
        importer = ImportCommand(stdout=self.stdout, stderr=self.stderr)
        return importer.handle(**options)

    def check_file(self, file: str, country_code: str | None, limit: int) -> None:
        rules = Rules(
            country_code=int(country_code.lstrip("+")) if country_code else None,
            country=f"+{country_code.lstrip('+')}" if country_code else "",
            max_range=settings.DIDHUB_MAX_RANGE,
        )
        try:
            with open(file, "rb") as stream:
                table = open_table(stream, file)
                validator = Validator(table, rules)
                with progress_bar(sys.stderr, "checking") as update:
                    for _ in validator:
                        if validator.rows_read % PROGRESS_EVERY == 0:
                            update(validator.rows_read, table.estimated_rows)
        except FileError as error:
            raise CommandError(f"{file}: {error.message} [{error.code}]") from error
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from error
        notes = list(table.notes)
        if table.blank_lines:
            notes.append(f"{table.blank_lines:,} blank line(s) skipped.")
        notes.append(
            "Not checked without a database: numbers already in the inventory, "
            "calling profile names."
        )
        counts = vars(validator.counts)
        write_report(
            self.stdout,
            counts=counts,
            notes=notes,
            errors=sorted(validator.errors, key=lambda e: e.line),
            limit=limit,
        )
        if counts["invalid"]:
            sys.exit(1)
