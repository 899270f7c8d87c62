"""``didhub calls import FILE``: call records set numbers active (docs/sync.md).

A file is recorded all or nothing (one transaction): when the command fails, it says
so and nothing of the file was recorded, so it can be run again once fixed.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from didhub.core.errors import DomainError
from didhub.sync.cdr import calls_import_file

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Call activity. `didhub calls import FILE`: a CDR CSV with a number and a time column."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imports = sub.add_parser("import", help="Record the calls of a CDR CSV file.")
        imports.add_argument("file")

    def handle(self, *args, subcommand, file, **options):
        show = sys.stderr.isatty()

        def progress(count: int) -> None:
            if show:
                sys.stderr.write(f"\r{count:,} call records read")

        nothing = "Nothing of the file was recorded."
        try:
            summary = calls_import_file(file, actor=None, progress=progress)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {file}") from error
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from error
        except DomainError as error:
            raise CommandError(f"{file}: {error.message} [{error.code}] {nothing}") from error
        except Exception as error:  # the transaction rolled back: say so, not a traceback
            raise CommandError(f"{file}: the import stopped ({error}). {nothing}") from error
        if show:
            sys.stderr.write("\n")
        columns = summary["columns"]
        for note in summary["notes"]:
            self.stdout.write(note)
        self.stdout.write(
            f"Columns: number={columns['number']!r}, time={columns['time']!r}\n"
            f"{summary['received']:,} call records: {summary['applied']:,} applied, "
            f"{summary['unknown']:,} for unknown numbers, {summary['invalid']:,} invalid; "
            f"{summary['numbers_updated']:,} numbers updated."
            + (
                f" {summary['ports_completed']:,} ports completed by their first call."
                if summary["ports_completed"]
                else ""
            )
        )
        shown = summary["errors"][:SHOWN_ERRORS]
        for item in shown:
            self.stdout.write(f"  line {item['row']}: {item['message']} [{item['code']}]")
        if summary["invalid"] > len(shown):
            self.stdout.write(f"  and {summary['invalid'] - len(shown):,} more invalid rows.")
