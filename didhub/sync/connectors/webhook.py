"""Generic webhook: the message body as JSON, signed as Standard Webhooks says.

Headers ``webhook-id`` (the message id, the same on every retry), ``webhook-timestamp``
and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body`` with
the link's ``whsec_`` secret), computed by the ``standardwebhooks`` package.
"""

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from didhub.sync import conf
from didhub.sync.connectors.base import Result, http_call


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
        headers = signed_headers(link.credentials, message.message_id, message.body)
        return http_call("POST", link.endpoint, message.body.encode(), headers)
