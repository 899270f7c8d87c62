"""``didhub demo [--url URL]``: load the demo (once) and print who can sign in."""

import time

from django.core.management.base import BaseCommand, CommandError

from didhub.demo.loader import load_demo
from didhub.demo.platforms import DEFAULT_SERVER_URL, reachable

COLUMNS = (("Email", "email"), ("Role", "role"), ("Account", "account"), ("Password", "password"))


def login_table(logins) -> list[str]:
    """The logins as aligned columns under a header, for a terminal."""
    rows = [[label for label, _ in COLUMNS]]
    rows += [[getattr(login, name) for _, name in COLUMNS] for login in logins]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return ["  " + line for line in lines]


class Command(BaseCommand):
    help = (
        "Load the demo inventory, its call activity and its platform links (each once) "
        "and print the demo logins with their roles and passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=DEFAULT_SERVER_URL,
            help="Where `didhub serve` answers: the demo's platform links send their "
            f"webhooks to its /demo/platform/ receiver (default {DEFAULT_SERVER_URL}).",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Shrink the inventory: 0.1 builds about a tenth of the numbers, in the same "
            "shape (a quick look, the tests). Only the first load uses it.",
        )

    def handle(self, *args, url, scale, **options):
        if not 0 < scale <= 1:
            raise CommandError("--scale is a share of the full demo, above 0 and at most 1.")
        started = time.monotonic()
        report = load_demo(scale=scale, server_url=url)
        took = time.monotonic() - started
        write = self.stdout.write
        done = "loaded" if report.built else "already loaded"
        write(
            f"Demo {done} ({took:.1f} s): {report.numbers:,} numbers, "
            f"{report.numbers_called:,} of them with calls (Active), the others Pending."
        )
        for link in report.links:
            write(f"Platform link of {link.enterprise} ({link.status}): {link.endpoint}")
            write(f"  {link.description}")
        if report.links_refused:
            write(
                self.style.WARNING(
                    f"No webhook may go to the demo's platform: {report.links_refused}"
                )
            )
            write(
                "  Its receiver is this didhub itself: set DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS=true "
                "for `didhub demo` and `didhub serve` (make run does). Without it the demo's "
                "platform links are not created, and those created before cannot deliver."
            )
        write("")
        write(f"Sign in at {reachable(url)}/ with:")
        for line in login_table(report.logins):
            write(line)
