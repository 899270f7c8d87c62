"""System checks for running didhub on several nodes.

On PostgreSQL didhub may run on many nodes, and every one must sign sessions, CSRF
tokens and consent links with the same key and decrypt the same stored credentials. A
key generated into one node's data folder is that node's alone: sessions signed by one
node are refused by the next, and credentials it encrypts are unreadable elsewhere. So
``didhub serve`` and ``didhub worker`` refuse to start on PostgreSQL with a generated key,
unless ``DIDHUB_ALLOW_GENERATED_SECRET_KEY`` says that this installation is one node
that keeps its data folder. It is a deployment check (``didhub check --deploy`` reports
it too), so that ``didhub migrate`` and the other commands are not held up by it.
"""

from django.conf import settings
from django.core.checks import Error, register

from didhub.core.db import is_postgresql


@register("didhub", deploy=True)
def secret_key_is_shared(app_configs=None, **kwargs):
    if not is_postgresql() or not settings.DIDHUB_SECRET_KEY_GENERATED:
        return []
    if settings.DIDHUB_ALLOW_GENERATED_SECRET_KEY:
        return []
    return [
        Error(
            "didhub runs on PostgreSQL with a secret key generated into this node's data "
            "folder; other nodes would not share it.",
            hint=(
                "Set DIDHUB_SECRET_KEY to the same 50 random characters on every node "
                "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or "
                "DIDHUB_ALLOW_GENERATED_SECRET_KEY=1 for a single node that keeps its data folder."
            ),
            id="didhub.E001",
        )
    ]
