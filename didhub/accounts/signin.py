"""Failed portal sign-ins, counted per email address and per client address.

After ``DIDHUB_LOGIN_FAILURES`` failures within ``DIDHUB_LOGIN_WINDOW_MINUTES``, the
email address is refused, and so is the client address, whatever password comes next,
until the oldest of those failures has left the window. Counting per email stops a
slow guess at one person's password from many addresses; counting per address stops
one client trying many people. Counts live in the shared cache (the database by
default), so every process of the installation sees the same ones.

The client address is the one the API's throttles use (DRF's ``get_ident``):
``X-Forwarded-For`` counts only through ``DIDHUB_TRUSTED_PROXIES`` proxies, so a client
can neither escape the count by inventing addresses nor lock out someone else's.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The client's address, believing only the trusted proxies' X-Forwarded-For."""
    return BaseThrottle().get_ident(request)


class SignInThrottle:
    def __init__(self, request, email: str):
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        self.keys = (
            f"didhub:signin:email:{digest}",
            f"didhub:signin:address:{client_address(request)}",
        )
        self.limit = settings.DIDHUB_LOGIN_FAILURES
        self.window = settings.DIDHUB_LOGIN_WINDOW_MINUTES * 60

    def recent(self, key: str, now: float) -> list[float]:
        return sorted(moment for moment in cache.get(key, []) if moment > now - self.window)

    def locked_for(self) -> int | None:
        """Whole minutes until sign-in is possible again, or None when it is now."""
        now = time.time()
        waits = []
        for key in self.keys:
            failures = self.recent(key, now)
            if len(failures) >= self.limit:
                # Open again once enough of the failures have aged out of the window.
                waits.append(failures[len(failures) - self.limit] + self.window - now)
        if not waits:
            return None
        return max(1, math.ceil(max(waits) / 60))

    def record_failure(self) -> None:
        now = time.time()
        for key in self.keys:
            cache.set(key, [*self.recent(key, now), now], self.window)

    def forget_email_failures(self) -> None:
        """After a successful sign-in, earlier typos no longer count against the person."""
        cache.delete(self.keys[0])


def locked_message(minutes: int) -> str:
    return (
        "Too many failed sign-in attempts for this email address or from your network. "
        f"Sign-in is locked; try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )
