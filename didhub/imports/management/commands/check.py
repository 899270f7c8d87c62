"""``didhub check FILE``: validate an upload file without a database.

Reads and validates every row exactly as an upload would, except the checks that need
the inventory (numbers already present or held elsewhere, calling profile names), and
prints the report. Exit status 1 when any row is invalid. Without a file it is Django's
system check (``didhub check --deploy`` ...), which it extends.
"""

import os
import sys

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.check import Command as SystemCheckCommand

from didhub.imports.readers import FileError, open_table
from didhub.imports.report import progress_bar, write_report
from didhub.imports.validation import Rules, Validator

PROGRESS_EVERY = 20_000


class Command(SystemCheckCommand):
    help = (
        "Validate an upload file (CSV or XLSX) without importing it; no database needed. "
        "Without a file: Django's system check."
    )

    def add_arguments(self, parser):
        # Django's positional app labels double as the file: `didhub check FILE`.
        super().add_arguments(parser)
        parser.add_argument(
            "--country-code",
            help="Country calling code the numbers must carry (an enterprise's location).",
        )
        parser.add_argument("--limit", type=int, default=100, help="Rejected rows to print.")

    def handle(self, *args, country_code=None, limit=100, **options):
        # App labels are plain words; anything that looks like a path is a file.
        if len(args) != 1 or not (os.path.isfile(args[0]) or set("./\\") & set(args[0])):
            return super().handle(*args, **options)
        return self.check_file(args[0], country_code, limit)

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
