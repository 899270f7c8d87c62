"""``didhub calls import FILE``: call records set numbers active (seeds/002)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from didhub.core.errors import DomainError
from didhub.sync.cdr import calls_import_file


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

        try:
            summary = calls_import_file(file, actor=None, progress=progress)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {file}") from error
        except DomainError as error:
            raise CommandError(error.message) from error
        if show:
            sys.stderr.write("\n")
        columns = summary["columns"]
        self.stdout.write(
            f"Columns: number={columns['number']!r}, time={columns['time']!r}\n"
            f"{summary['received']:,} call records: {summary['applied']:,} applied, "
            f"{summary['unknown']:,} for unknown numbers, {summary['invalid']:,} invalid; "
            f"{summary['numbers_updated']:,} numbers updated."
        )
        for item in summary["errors"][:20]:
            self.stdout.write(f"  line {item['row']}: {item['message']}")
