"""What every connector shares: one HTTP call, and its outcome as a ``Result``."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from django.utils import timezone

from didhub.sync import conf

# Answers worth another try: throttled, timed out, the platform down, or credentials
# that an administrator may fix (401/403). Any other 4xx means the message itself was
# refused, and repeating it would not help.
RETRYABLE_STATUSES = {401, 403, 408, 425, 429, 500, 502, 503, 504}
USER_AGENT = "didhub-sync/1"


@dataclass
class Result:
    ok: bool
    status: int | None = None
    error: str = ""
    retryable: bool = True
    retry_after: float | None = None  # seconds, from a Retry-After header


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


def describe(status: int, text: str) -> str:
    """A short, safe description of a refusal: the status and the platform's message."""
    message = ""
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            message = str(data.get("message") or data.get("detail") or data.get("title") or "")
    except ValueError:
        message = text.strip().splitlines()[0] if text.strip() else ""
    return f"HTTP {status}" + (f": {message[:300]}" if message else "")


def http_call(method: str, url: str, body: bytes, headers: dict) -> Result:
    """One request; never raises for network trouble or an error status."""
    request = urllib.request.Request(url, data=body, method=method)
    for name, value in {"User-Agent": USER_AGENT, **headers}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=conf.get("DIDHUB_SYNC_TIMEOUT")) as answer:
            answer.read()
            return Result(ok=True, status=answer.status)
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")[:2000]
        return Result(
            ok=False,
            status=error.code,
            error=describe(error.code, text),
            retryable=error.code in RETRYABLE_STATUSES,
            retry_after=retry_after_seconds(error.headers.get("Retry-After")),
        )
    except TimeoutError:
        return Result(ok=False, error="Timed out waiting for the platform.")
    except (urllib.error.URLError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Result(ok=False, error=f"Could not reach the platform: {reason}.")
