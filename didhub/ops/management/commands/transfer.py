"""``didhub transfer --to postgresql://...``: move this SQLite installation to PostgreSQL.

Stop didhub (web and worker) first; the transfer holds the SQLite file's write lock
while it runs. The source is left as it was. How it works and why: didhub.ops.transfer.
"""

from django.conf import settings
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
        say(next_steps())


def next_steps() -> str:
    """What the operator sets next: the database, and the keys the rows depend on."""
    if not settings.DIDHUB_SECRET_KEY_GENERATED:
        key = "DIDHUB_SECRET_KEY as it is set now"
    else:
        key = f"DIDHUB_SECRET_KEY set to the content of {settings.DATA_DIR / 'secret_key'}"
    if settings.DIDHUB_SECRETS_KEY:
        key += ", and DIDHUB_SECRETS_KEY as it is set now"
    return (
        "Next: stop serving from the SQLite file and start didhub with DIDHUB_DATABASE_URL "
        f"naming the new database and {key}: sessions and the platform links' stored "
        "secrets depend on it (docs/operations.md#move-from-sqlite-to-postgresql)."
    )
