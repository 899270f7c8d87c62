"""Failed portal sign-ins, counted per email address and per client address.

After ``DIDHUB_LOGIN_FAILURES`` failures within ``DIDHUB_LOGIN_WINDOW_MINUTES``, the
email address is refused, and so is the client address, whatever password comes next,
until the oldest of those failures has left the window; attempts sent at the same
moment count as if sent one by one (``SignInThrottle``). Counting per email stops a
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

from didhub.core.middleware import client_address


class SignInThrottle:
    """The failures of one sign-in attempt's email address and client address.

    An attempt takes a slot of both keys *before* its password is checked, with the
    cache's atomic ``add`` (an INSERT on the database cache, SET NX on Redis): attempts
    arriving at the same moment, on any process of any node, never take more slots than
    there are, so no more passwords are checked than the limit allows. A wrong password
    leaves its slots taken (a failure); a right one gives them back. No free slot: the
    attempt is refused unchecked.

    The slots of a key are numbered per *lap* of the window (the window's length since
    the epoch): a slot's cache key is used in one lap only, so an entry expired but still
    stored (the database cache deletes lazily) is never taken over, which ``add`` does
    not do atomically. In lap L, the failures of lap L-1 still inside the window keep the
    first slots closed: the failures inside any window never exceed the limit.
    """

    def __init__(self, request, email: str):
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        self.keys = (
            f"didhub:signin:email:{digest}",
            f"didhub:signin:address:{client_address(request)}",
        )
        self.limit = settings.DIDHUB_LOGIN_FAILURES
        self.window = settings.DIDHUB_LOGIN_WINDOW_MINUTES * 60
        self.taken: list[str] = []

    def slots(self, key: str, lap: int) -> list[str]:
        return [f"{key}:{lap}:{n}" for n in range(self.limit)]

    def take(self, key: str, now: float) -> tuple[str | None, float]:
        """A free slot of ``key``, now taken; or None and the seconds until one frees."""
        lap = int(now // self.window)
        before = cache.get_many(self.slots(key, lap - 1)).values()
        recent = [moment for moment in before if moment > now - self.window]
        current = self.slots(key, lap)
        for slot in current[len(recent) :]:
            # Kept through the next lap, where it is one of the previous lap's failures.
            if cache.add(slot, now, 2 * self.window):
                return slot, 0.0
        recent += [moment for moment in cache.get_many(current).values()]
        return None, (min(recent) + self.window - now) if recent else float(self.window)

    def attempt(self) -> int | None:
        """Count this attempt before its password is checked.

        None when it may go on; else the whole minutes until sign-in opens again (the
        attempt then counts for nothing).
        """
        now = time.time()
        waits = []
        for key in self.keys:
            slot, wait = self.take(key, now)
            if slot is None:
                waits.append(wait)
            else:
                self.taken.append(slot)
        if not waits:
            return None
        self.release()
        return max(1, math.ceil(max(waits) / 60))

    def release(self) -> None:
        """The password was right: this attempt is no failure."""
        cache.delete_many(self.taken)
        self.taken = []

    def forget_email_failures(self) -> None:
        """After a successful sign-in, earlier typos no longer count against the person."""
        lap = int(time.time() // self.window)
        cache.delete_many(self.slots(self.keys[0], lap - 1) + self.slots(self.keys[0], lap))


def locked_message(minutes: int) -> str:
    return (
        "Too many failed sign-in attempts for this email address or from your network. "
        f"Sign-in is locked; try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )
