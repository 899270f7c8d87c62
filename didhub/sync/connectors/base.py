"""What every connector shares: one HTTP call, and its outcome as a ``Result``.

Requests go through ``http.client`` rather than ``urllib``: redirects are never followed
(a 3xx is the endpoint's answer, not a place to go), no proxy from the environment is
used, and a webhook's request connects to the address ``didhub.sync.targets`` checked.
What a platform answers is summarized as its status (``HTTP 404 Not Found``); its body
is read for the connector's own use and never stored, logged or shown, since a body is
where a forged request would have leaked an internal answer.
"""

import http.client
import socket
import ssl
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urlsplit

from django.utils import timezone

from didhub.sync import conf
from didhub.sync.targets import Target, UnsafeTarget, check

# Answers worth another try: throttled, timed out, the platform down, or credentials
# that an administrator may fix (401/403). Any other 4xx means the message itself was
# refused, and repeating it would not help.
RETRYABLE_STATUSES = {401, 403, 408, 425, 429, 500, 502, 503, 504}
USER_AGENT = "didhub-sync/1"
# The most of an answer's body read (a Webex page of numbers is far smaller).
MAX_ANSWER_BYTES = 8 * 1024 * 1024


@dataclass
class Result:
    ok: bool
    status: int | None = None
    error: str = ""
    retryable: bool = True
    retry_after: float | None = None  # seconds, from a Retry-After header
    # The answer's body, for the connector (never stored).
    body: bytes = field(default=b"", repr=False)
    # Numbers the platform refused one by one while it took the rest: e164 -> reason.
    rejected: dict[str, str] = field(default_factory=dict)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - timezone.now()).total_seconds(), 0.0)


def describe(status: int) -> str:
    """A refusal in words: the status and its standard phrase, never the answer's text."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
    return f"HTTP {status} {phrase}"


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address while naming the host in ``Host``."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to a checked address; TLS still verifies the certificate of the host."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def target_of(url: str) -> Target:
    """A URL didhub's own settings name (Webex's base URL): resolved when connecting."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    port = parts.port or (443 if scheme == "https" else 80)
    return Target(scheme=scheme, host=parts.hostname or "", port=port, path=path, address="")


def http_call(method: str, url: str, body: bytes | None, headers: dict, *, checked=False) -> Result:
    """One request; never raises for network trouble or an error status.

    ``checked``: the URL was typed by a reseller (a webhook endpoint), so its addresses
    are checked now and the request connects to the checked one.
    """
    if checked:
        try:
            target = check(url)
        except UnsafeTarget as refused:
            return Result(ok=False, error=str(refused), retryable=refused.transient)
    else:
        target = target_of(url)
    timeout = conf.get("DIDHUB_SYNC_TIMEOUT")
    if target.address:
        kind = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
        connection = kind(target.host, target.port, target.address, timeout=timeout)
    elif target.scheme == "https":
        connection = http.client.HTTPSConnection(target.host, target.port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        connection.request(
            method, target.path, body=body, headers={"User-Agent": USER_AGENT, **headers}
        )
        answer = connection.getresponse()
        text = answer.read(MAX_ANSWER_BYTES)
        status = answer.status
        retry_after = retry_after_seconds(answer.getheader("Retry-After"))
    except TimeoutError:
        return Result(ok=False, error="Timed out waiting for the platform.")
    except ssl.SSLError as error:
        return Result(ok=False, error=f"TLS with the platform failed: {error.reason or error}.")
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        return Result(ok=False, error=f"Could not reach the platform: {reason}.")
    finally:
        connection.close()
    if 200 <= status < 300:
        return Result(ok=True, status=status, body=text)
    if 300 <= status < 400:
        return Result(
            ok=False,
            status=status,
            error=f"{describe(status)} (redirects are not followed: set the final URL)",
            retryable=False,
            body=text,
        )
    return Result(
        ok=False,
        status=status,
        error=describe(status),
        retryable=status in RETRYABLE_STATUSES,
        retry_after=retry_after,
        body=text,
    )
