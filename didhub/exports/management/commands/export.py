"""``didhub export``: the number list as a CSV, XLSX or PDF file.

    didhub export -o numbers.csv --as admin@acme.example --state available --voice true
    didhub export --format pdf -o report.pdf --as viewer@platform.example --filter search=used

Whose view: ``--as EMAIL`` is required. The file holds exactly what that user would see
in the portal, so a platform-wide export needs an explicit platform user, and nobody
exports a tenant's numbers by accident. Filters are those of the number list, as
``--filter key=value`` or as flags of the same names (``--state available``). A progress
bar shows on a terminal; in a pipe the command is quiet but for its last line.
"""

import sys
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import timezone
from rich.console import Console
from rich.progress import Progress

from didhub.accounts.access import access_refusal
from didhub.accounts.models import User
from didhub.core.errors import DomainError
from didhub.exports import selectors
from didhub.exports.naming import describe
from didhub.exports.writers import FORMATS, write_csv_export, write_pdf, write_xlsx
from didhub.numbers.filtersets import NumberFilterSet


class Command(BaseCommand):
    help = "Export numbers to a CSV, XLSX or PDF file, as one user sees them."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="The file to write.")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            help="csv, xlsx or pdf; by default the output file's extension, else csv.",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            metavar="EMAIL",
            help="Export what this user sees (a platform user for the whole platform).",
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A filter of the number list; repeat for more.",
        )
        parser.add_argument("--numbers", help="Only these numbers, comma-separated E.164.")
        filters = parser.add_argument_group("filters of the number list")
        for name, declared in NumberFilterSet.base_filters.items():
            flags = [f"--{name}"]
            if "_" in name:
                flags.append(f"--{name.replace('_', '-')}")
            filters.add_argument(
                *flags, dest=f"filter__{name}", metavar="VALUE", help=declared.label or None
            )

    def handle(self, *args, **options):
        output = options["output"]
        format_name = options["format"] or self.format_from(output)
        user = User.objects.select_related("account").filter(email__iexact=options["as_user"])
        user = user.first()
        if user is None:
            raise CommandError(f"No active user {options['as_user']!r}.")
        if refusal := access_refusal(user):
            raise CommandError(f"{user.email}: {refusal}")
        filters = self.filters_from(options)
        try:
            queryset = selectors.export_queryset(
                user=user, filters=filters, numbers=options["numbers"]
            )
            total = queryset.count()
            self.write(format_name, output, queryset, total, filters, options, user)
        except DomainError as error:
            details = "; ".join(
                f"{item.field or item.row}: {item.message}" for item in error.errors
            )
            raise CommandError(f"{error.message} {details}".strip()) from None
        if output != "-":
            self.stdout.write(f"Wrote {total:,} numbers to {output} ({format_name.upper()}).")

    @staticmethod
    def format_from(output: str) -> str:
        suffix = Path(output).suffix.lower().lstrip(".")
        return suffix if suffix in FORMATS else "csv"

    @staticmethod
    def filters_from(options) -> QueryDict:
        filters = QueryDict(mutable=True)
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--filter takes KEY=VALUE, not {item!r}.")
            filters.appendlist(key.strip(), value.strip())
        for name in NumberFilterSet.base_filters:
            if (value := options.get(f"filter__{name}")) is not None:
                filters.appendlist(name, value)
        return filters

    def write(self, format_name, output, queryset, total, filters, options, user) -> None:
        to_stdout = output == "-"
        if to_stdout and format_name != "csv":
            raise CommandError("Only CSV can be written to standard output.")
        show_progress = sys.stderr.isatty() and options["verbosity"] >= 1
        with self.progress(total, show_progress) as advance:
            if to_stdout:
                write_csv_export(queryset, sys.stdout.buffer, viewer=user, progress=advance)
                sys.stdout.buffer.flush()
                return
            chunks = selectors.export_chunks(queryset, viewer=user)
            with open(output, "wb") as fileobj:
                if format_name == "csv":
                    write_csv_export(queryset, fileobj, viewer=user, progress=advance)
                elif format_name == "xlsx":
                    write_xlsx(chunks, fileobj, progress=advance)
                else:
                    selected = options["numbers"]
                    write_pdf(
                        chunks,
                        fileobj,
                        description=describe(
                            filters,
                            selectors.parse_selection(selected) if selected else None,
                            viewer=user.account.name,
                        ),
                        generated_at=timezone.now(),
                        progress=advance,
                    )

    @staticmethod
    @contextmanager
    def progress(total: int, visible: bool):
        """Gives ``advance(rows)``: a rich bar on a terminal's stderr, else nothing."""
        if not visible:
            yield None
            return
        bar = Progress(console=Console(stderr=True), transient=True)
        task = bar.add_task("Exporting", total=total)
        with bar:
            yield lambda rows: bar.advance(task, rows)
