"""``didhub user add EMAIL --account NAME --role ROLE [--password P] [--token]``, and
``didhub user deactivate|reactivate|remove EMAIL`` for offboarding."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from didhub.accounts import services
from didhub.accounts.choices import READ_ONLY_ROLES, Role, TokenScope
from didhub.accounts.models import Account, User
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
    help = (
        "Manage users: `user add EMAIL --account NAME --role ROLE [--token]`, "
        "`user deactivate EMAIL`, `user reactivate EMAIL`, `user remove EMAIL`."
    )

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
        for name, text in (
            ("deactivate", "Stop a user: sign-in refused, sessions ended, every token revoked."),
            ("reactivate", "Let a deactivated user sign in again (tokens stay revoked)."),
            ("remove", "Remove a user and its tokens; its history stays."),
        ):
            sub.add_parser(name, help=text).add_argument("email")

    def handle(self, *args, subcommand, **options):
        if subcommand != "add":
            return self.change(subcommand, options["email"])
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
                if options["role"] in READ_ONLY_ROLES:
                    scope = TokenScope.READ
                _, key = services.token_create(actor=user, name="CLI token", scope=scope)
                self.stdout.write(f"API token ({scope}): {key}")
        except DomainError as error:
            raise CommandError(error.message) from error

    def change(self, subcommand: str, email: str) -> None:
        user = User.objects.select_related("account").filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No user {email!r}.")
        try:
            if subcommand == "remove":
                services.user_remove(actor=None, user=user)
                self.stdout.write(f"Removed {user.email} from {user.account}.")
                return
            active = subcommand == "reactivate"
            if user.is_active == active:
                state = "active" if active else "deactivated"
                self.stdout.write(f"{user.email} is already {state}.")
                return
            user = services.user_update(actor=None, user=user, is_active=active)
        except DomainError as error:
            raise CommandError(error.message) from error
        if active:
            self.stdout.write(f"Reactivated {user.email}; it signs in with its password again.")
        else:
            self.stdout.write(
                f"Deactivated {user.email}: sign-in refused, its sessions end and every "
                "token it held is revoked."
            )
