"""The sync app's housekeeping job (registered in ``SyncConfig.ready``)."""

from datetime import timedelta

from django.conf import settings

from didhub.core import housekeeping
from didhub.sync.choices import OutboxState
from didhub.sync.models import OutboxMessage


@housekeeping.register(
    "sync.prune",
    "Delete delivered and superseded outbox messages older than DIDHUB_SYNC_RETENTION_DAYS.",
)
def prune_outbox(now) -> dict:
    """A delivered message is kept a while to show what a platform was sent, then goes.

    Pending and dead messages are never pruned: they still carry work.
    """
    deadline = now - timedelta(days=settings.DIDHUB_SYNC_RETENTION_DAYS)
    deleted, _ = OutboxMessage.objects.filter(
        state__in=[OutboxState.DELIVERED, OutboxState.SUPERSEDED], created_at__lt=deadline
    ).delete()
    return {"deleted": deleted}
