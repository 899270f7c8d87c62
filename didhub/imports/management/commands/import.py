"""``didhub import FILE --account NAME [--commit]``: upload a file from the shell.

Validates the file into the account (in this process, with a progress bar on a
terminal), prints the report, and with ``--commit`` imports the valid rows. Exit status
1 when any row is invalid (the valid ones are still committed with ``--commit``).
The actor is ``--user`` or else the first platform admin: whoever runs the CLI on the
server acts with the platform's authority, and the history says who.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from didhub.accounts.access import access_refusal
from didhub.accounts.choices import Role
from didhub.accounts.models import Account, User
from didhub.core.errors import DomainError
from didhub.imports import services
from didhub.imports.choices import ImportState
from didhub.imports.report import progress_bar, write_report


class Command(BaseCommand):
    help = "Validate an upload file into an account, and with --commit import its valid rows."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--account", required=True, help="Destination account: name or id.")
        parser.add_argument("--commit", action="store_true", help="Import the valid rows.")
        parser.add_argument("--voice-carrier", help="Voice carrier name (else the default).")
        parser.add_argument("--sms-profile", help="SMS carrier profile name (else the default).")
        parser.add_argument("--user", help="Act as this user (email); else the platform admin.")
        parser.add_argument("--limit", type=int, default=100, help="Rejected rows to print.")

    def handle(self, *args, **options):
        account = self.account(options["account"])
        actor = self.actor(options["user"])
        sms_profile = options["sms_profile"]
        if sms_profile:
            from didhub.numbers.models import SmsProfile

            found = SmsProfile.objects.usable_by(account).filter(name__iexact=sms_profile).first()
            if found is None:
                raise CommandError(f"No SMS carrier profile {sms_profile!r} is usable there.")
            sms_profile = found
        try:
            with (
                open(options["file"], "rb") as stream,
                progress_bar(sys.stderr, "validating") as update,
            ):
                run = services.import_create(
                    actor=actor,
                    account=account,
                    file=stream,
                    file_name=options["file"].rsplit("/", 1)[-1],
                    voice_carrier=options["voice_carrier"],
                    sms_profile=sms_profile,
                    inline=True,
                    progress=update,
                )
            counts = {
                key: getattr(run, key) for key in ("valid", "invalid", "duplicate", "present")
            }
            counts["total"] = run.total_rows
            write_report(
                self.stdout,
                counts=counts,
                notes=run.notes,
                errors=run.row_errors.order_by("line", "id"),
                limit=options["limit"],
            )
            if options["commit"]:
                run = services.import_commit(actor=actor, import_run=run, inline=True)
                self.stdout.write(f"import {run.pk}: {run.committed:,} numbers added.\n")
            else:
                self.stdout.write(
                    f"import {run.pk} is {run.state}; run again with --commit to "
                    "import it (or commit it in the portal or the API).\n"
                )
        except DomainError as error:
            raise CommandError(error.message) from error
        except OSError as error:
            raise CommandError(f"{options['file']}: {error.strerror}") from error
        if run.state == ImportState.FAILED:
            raise CommandError(run.error)
        if run.invalid:
            sys.exit(1)

    def account(self, name: str) -> Account:
        matches = list(Account.objects.filter(name__iexact=name.strip()))
        if not matches and name.isdigit():
            matches = list(Account.objects.filter(pk=int(name)))
        if not matches:
            raise CommandError(f"No account named {name!r}.")
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} accounts are named {name!r}; give the id.")
        return matches[0]

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
