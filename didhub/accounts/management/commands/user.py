"""``didhub user add EMAIL --account NAME --role ROLE [--password P] [--token]``."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from didhub.accounts import services
from didhub.accounts.choices import Role, TokenScope
from didhub.accounts.models import Account
from didhub.core.errors import DomainError


def find_account(name_or_id: str) -> Account:
    """An account by id or by name; a name shared by two accounts must be given as id."""
    if name_or_id.isdigit():
        account = Account.objects.filter(pk=int(name_or_id)).first()
    else:
        matches = list(Account.objects.filter(name__iexact=name_or_id)[:2])
        if len(matches) > 1:
            raise CommandError(f"Several accounts are named {name_or_id!r}; give the id instead.")
        account = matches[0] if matches else None
    if account is None:
        raise CommandError(f"No account {name_or_id!r}.")
    return account


class Command(BaseCommand):
    help = "Manage users: `user add EMAIL --account NAME --role ROLE [--token]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="Create a user with one role on one account.")
        add.add_argument("email")
        add.add_argument("--account", required=True, help="Account name or id.")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--name", default="")
        add.add_argument("--password", help="Default: a generated password, printed once.")
        add.add_argument(
            "--token", action="store_true", help="Also create an API token and print it once."
        )
        add.add_argument("--token-scope", default=TokenScope.WRITE, choices=TokenScope.values)

    def handle(self, *args, subcommand, **options):
        account = find_account(options["account"])
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            user = services.user_create(
                actor=None,
                account=account,
                email=options["email"],
                role=options["role"],
                password=password,
                name=options["name"],
            )
            self.stdout.write(f"Created {user.email} ({user.get_role_display()} of {account}).")
            if not options["password"]:
                self.stdout.write(f"Password: {password}")
            if options["token"]:
                scope = options["token_scope"]
                if options["role"] in (Role.PLATFORM_VIEWER, Role.ENTERPRISE_VIEWER):
                    scope = TokenScope.READ
                _, key = services.token_create(actor=user, name="CLI token", scope=scope)
                self.stdout.write(f"API token ({scope}): {key}")
        except DomainError as error:
            raise CommandError(error.message) from error
