"""Generic webhook: the message body as JSON, signed as Standard Webhooks says.

Headers ``webhook-id`` (the message id, the same on every retry), ``webhook-timestamp``
and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body`` with
the link's ``whsec_`` secret), computed by the ``standardwebhooks`` package.

The endpoint is a URL a reseller typed, so every request checks where it goes
(``didhub.sync.targets``) and connects to the checked address.
"""

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from didhub.sync import conf
from didhub.sync.connectors.base import Result, http_call
from didhub.sync.crypto import UnreadableSecret


def signed_headers(secret: str, message_id: str, body: str) -> dict:
    now = timezone.now()
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
    }


class WebhookConnector:
    @property
    def max_batch(self) -> int:
        return conf.get("DIDHUB_SYNC_BATCH")

    def send(self, link, message) -> Result:
        if isinstance(link.credentials, UnreadableSecret):
            return unreadable_credentials()
        headers = signed_headers(link.credentials, message.message_id, message.body)
        return http_call("POST", link.endpoint, message.body.encode(), headers, checked=True)

    def list_numbers(self, link) -> set[str] | None:
        """A webhook receiver cannot be asked what it holds."""
        return None


def unreadable_credentials() -> Result:
    """Retried: the key may be put back into ``DIDHUB_SECRETS_KEY``, or the secret changed."""
    return Result(
        ok=False,
        error="The link's credentials cannot be decrypted with DIDHUB_SECRETS_KEY; add the "
        "key they were stored with, or enter them again.",
    )
