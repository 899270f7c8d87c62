"""``didhub transfer --to postgresql://...``: move this SQLite installation to PostgreSQL.

Stop didhub (web and worker) first; the transfer holds the SQLite file's write lock
while it runs. The source is left as it was. How it works and why: didhub.ops.transfer.
"""

from django.core.management.base import BaseCommand, CommandError

from didhub.ops.transfer import TransferRefused, summary_lines, transfer


class Command(BaseCommand):
    help = (
        "Move this SQLite installation into an empty PostgreSQL database: every row, "
        "verified by counts and checksums, in one transaction."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            required=True,
            metavar="URL",
            help="The empty PostgreSQL database: postgresql://user:pass@host:5432/name.",
        )

    def handle(self, *args, to: str, **options):
        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            report = transfer(to, say=say)
        except TransferRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        for line in summary_lines(report):
            say(line)
        say(
            "Next: serve with DIDHUB_DATABASE_URL set to the target and DIDHUB_SECRET_KEY "
            "(or DIDHUB_SECRETS_KEY) kept as this installation had it: the platform links' "
            "stored secrets are encrypted with it (docs/operations.md)."
        )
