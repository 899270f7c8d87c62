"""``didhub secrets rotate`` and ``didhub secrets newkey``: the keys of secrets at rest.

Rotation (docs/sync.md): set ``DIDHUB_SECRETS_KEY=NEW,OLD`` everywhere didhub runs, run
``didhub secrets rotate`` once (every stored credential is re-encrypted under NEW), then
set ``DIDHUB_SECRETS_KEY=NEW``.
"""

from cryptography.fernet import Fernet, InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from didhub.sync import crypto, sql
from didhub.sync.models import PlatformLink


class Command(BaseCommand):
    help = (
        "Keys of the secrets stored encrypted (link credentials). `didhub secrets rotate`: "
        "re-encrypt every stored secret with the first key of DIDHUB_SECRETS_KEY. "
        "`didhub secrets newkey`: print a fresh key."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("rotate", help="Re-encrypt every stored secret with the first key.")
        sub.add_parser("newkey", help="Print a new key for DIDHUB_SECRETS_KEY.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "newkey":
            self.stdout.write(Fernet.generate_key().decode())
            return
        rotated, unreadable = rotate_all()
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} platform links have credentials that no key of "
                f"DIDHUB_SECRETS_KEY decrypts (ids {', '.join(map(str, unreadable))}); "
                "nothing was changed. Add the key they were written with, then run this again."
            )
        self.stdout.write(f"{rotated:,} stored secrets are encrypted with the first key.")


def rotate_all() -> tuple[int, list[int]]:
    """Re-encrypt every link's credentials; all or nothing.

    Reads and writes the column as stored (the field would decrypt and re-encrypt under
    the first key too, but would hide a row it cannot read).
    """
    rotated, unreadable = 0, []
    with transaction.atomic():
        rows = (
            PlatformLink.objects.select_for_update()
            .exclude(credentials="")
            .values_list("pk", flat=True)
        )
        for pk in rows:
            stored = sql.stored_credentials(pk)
            try:
                fresh = crypto.rotate(stored)
            except InvalidToken:
                unreadable.append(pk)
                continue
            sql.store_credentials(pk, fresh)
            rotated += 1
        if unreadable:
            transaction.set_rollback(True)
            return 0, unreadable
    return rotated, unreadable
