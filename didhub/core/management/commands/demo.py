"""``didhub demo``: load the demo inventory and print how to log in."""

import time

from django.core.management.base import BaseCommand

from didhub.core.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo inventory (once) and print the demo logins with fresh passwords."

    def handle(self, *args, **options):
        started = time.monotonic()
        passwords = load_demo(log=self.stdout.write)
        self.stdout.write(f"Demo ready in {time.monotonic() - started:.1f} s. Log in with:")
        width = max(map(len, passwords), default=0)
        for email, password in sorted(passwords.items()):
            self.stdout.write(f"  {email:<{width}}  {password}")
