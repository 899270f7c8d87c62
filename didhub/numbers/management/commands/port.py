"""``didhub port complete|cancel NUMBER... [--file FILE] [--user EMAIL]``: finish ports.

Numbers uploaded while their port was pending wait in ``porting_in``. ``complete`` makes
them available; ``cancel`` removes them from the inventory (the port failed or was
withdrawn; their history stays). All the numbers change or none: a refused number is
printed with its reason and the exit status is 1. The actor is ``--user`` or else the
first platform admin, as for ``didhub import``; the history names it.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from didhub.accounts.access import access_refusal
from didhub.accounts.choices import Role
from didhub.accounts.models import User
from didhub.core.errors import DomainError
from didhub.numbers import services

ACTIONS = {"complete": "port_complete", "cancel": "port_cancel"}
DONE = {"complete": "completed", "cancel": "cancelled"}


class Command(BaseCommand):
    help = "Complete or cancel the ports of numbers waiting in porting_in."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, summary in (
            ("complete", "The ports are done: the numbers become available."),
            ("cancel", "The ports failed: the numbers leave the inventory."),
        ):
            command = sub.add_parser(name, help=summary)
            command.add_argument("numbers", nargs="*", help="E.164 numbers.")
            command.add_argument(
                "--file", help="A file with one number per line (- for standard input)."
            )
            command.add_argument(
                "--user", help="Act as this user (email); else the platform admin."
            )

    def handle(self, *args, subcommand, numbers, file, user, **options):
        numbers = list(numbers) + self.read(file)
        if not numbers:
            raise CommandError("Name the numbers, or give --file.")
        actor = self.actor(user)
        try:
            result = services.numbers_bulk(actor=actor, action=ACTIONS[subcommand], numbers=numbers)
        except DomainError as error:
            self.stderr.write(f"Nothing was changed: {error.message}")
            for item in error.errors:
                if item.row is not None and item.message != error.message:
                    self.stderr.write(f"  {item.row}: {item.message}")
            sys.exit(1)
        count = result["count"]
        self.stdout.write(f"{count:,} port{'s' if count != 1 else ''} {DONE[subcommand]}.")

    def read(self, path: str | None) -> list[str]:
        if not path:
            return []
        if path == "-":
            return [line.strip() for line in sys.stdin if line.strip()]
        try:
            with open(path, encoding="utf-8-sig") as stream:
                return [line.strip() for line in stream if line.strip()]
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error

    def actor(self, email: str | None) -> User:
        if email:
            user = User.objects.filter(email__iexact=email.strip()).first()
        else:
            admins = User.objects.filter(is_active=True, role=Role.PLATFORM_ADMIN)
            user = admins.order_by("pk").first()
        if user is None:
            raise CommandError("No such user; create one with `didhub user add`.")
        if refusal := access_refusal(user):
            raise CommandError(f"{user.email}: {refusal}")
        return user
