"""Which addresses a webhook may be sent to: no request forgery through a link's endpoint.

A reseller types a webhook's URL, and the worker sends to it from inside the provider's
network. Without a check, ``http://127.0.0.1:8102/api/v1/accounts/`` or the cloud's
metadata service at ``169.254.169.254`` would be reachable from there. So:

* outside debug the URL must be ``https`` (``http`` only to the loopback or private
  addresses that ``DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS`` opens);
* the host is resolved, and **every** address it resolves to is checked: link-local
  (cloud metadata), multicast, unspecified and reserved addresses are always refused;
  loopback, private (RFC 1918, unique-local, shared CGNAT) and the other non-global
  ranges are refused unless ``DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS`` is on (tests, the demo,
  a receiver on the provider's own network);
* the check runs when the link is created or changed, and again before every request,
  which then connects to the address that was checked rather than resolving the name
  again (``didhub.sync.connectors.base``): a name that resolved to a public address at
  creation and to ``127.0.0.1`` later (DNS rebinding) gains nothing.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeTarget(Exception):
    """The endpoint may not be used; ``str()`` says why, in words for the reseller.

    ``transient``: the name did not resolve, which may pass (worth another try at send
    time); any other refusal stands until the endpoint is changed.
    """

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Target:
    """A checked endpoint: where to connect, and what to ask for there."""

    scheme: str
    host: str
    port: int
    path: str  # with the query string
    address: str  # the checked address the request connects to


def allow_private() -> bool:
    return bool(getattr(settings, "DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS", False))


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (tests replace it to resolve made-up names)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def plain(address):
    """An IPv4 address written as IPv6 (``::ffff:127.0.0.1``) is that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an address is refused, or "" when it may be used."""
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "" if allow_private() else "a loopback address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_global or allow_private():
        return ""
    return "a private address"


def check(url: str) -> Target:
    """The endpoint as a ``Target`` to connect to; ``UnsafeTarget`` when it may not be used."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget("The endpoint is not a valid URL.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("The endpoint must be an https:// URL with a host name.")
    if parts.username or parts.password:
        raise UnsafeTarget("The endpoint must not carry a user name or password.")
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise UnsafeTarget(
            f"The endpoint's host {host} cannot be resolved.", transient=True
        ) from error
    if not addresses:
        raise UnsafeTarget(f"The endpoint's host {host} cannot be resolved.", transient=True)
    public = True
    for text in addresses:
        address = plain(ipaddress.ip_address(text.split("%", 1)[0]))
        reason = refusal(address)
        if reason:
            raise UnsafeTarget(
                f"The endpoint's host {host} resolves to {reason} ({address}); webhooks are "
                "sent only to public addresses."
            )
        public = public and address.is_global
    if scheme == "http" and not settings.DEBUG and public:
        raise UnsafeTarget("The endpoint must use https://.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
