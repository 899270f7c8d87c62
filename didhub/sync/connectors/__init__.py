"""Connectors deliver one outbox message to one kind of platform.

A connector is a class with ``max_batch`` (most numbers per message) and
``send(link, message) -> Result``. It must not raise for a platform's answer: every
outcome, including a timeout or a refused connection, is a ``Result``, so that the
worker can retry, back off or give up. Adding a platform is one module and one line in
``CONNECTORS``.
"""

from didhub.sync.choices import Connector
from didhub.sync.connectors.base import Result
from didhub.sync.connectors.webex_calling import WebexCallingConnector
from didhub.sync.connectors.webhook import WebhookConnector

CONNECTORS = {
    Connector.WEBHOOK: WebhookConnector,
    Connector.WEBEX_CALLING: WebexCallingConnector,
}


def connector_for(link):
    return CONNECTORS[link.connector]()


__all__ = ["CONNECTORS", "Result", "connector_for"]
