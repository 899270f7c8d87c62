"""Throttles: every endpoint is throttled per user (or per address when anonymous), and
authentication is held to a stricter rate (``DIDHUB_THROTTLE_AUTH``, per address).

The stricter rate counts failed token authentications and token creation, so that
guessing keys or minting tokens in a loop is slowed down long before it can succeed.
"""

from rest_framework.throttling import SimpleRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """Per client address, for authentication attempts and token creation."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def failures_wait(self, request) -> float | None:
        """Seconds to wait when this address used up its failed attempts, else None."""
        if not self.rate:
            return None
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def record_failure(self, request) -> None:
        self.failures_wait(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)
