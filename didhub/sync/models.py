"""Links to the calling platforms, and the outbox that carries every change to them.

Three tables make "nothing lost, in order per number":

* ``SyncChange``: one row per changed number of a linked enterprise (one per import for
  an upload's numbers), written by the changing transaction itself
  (``didhub.sync.outbox``). A rolled-back change leaves none.
* ``OutboxMessage``: one HTTP request. The worker packs due changes of a link into a
  message (several changes of one number coalesce into its latest state) and freezes its
  body and ``message_id``, so a retry is byte-for-byte the same request and receivers can
  drop duplicates by ``webhook-id``.
* ``SyncedNumber``: what the platform confirmed holding, for resync.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from didhub.core.fields import E164Field
from didhub.sync.choices import Connector, LinkMode, LinkStatus, OutboxState
from didhub.sync.crypto import EncryptedTextField


class PlatformLinkQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or user.account_id is None:
            return self.none()
        if user.account.is_platform:
            return self.all()
        return self.filter(enterprise__path__startswith=user.account.path)


class PlatformLink(models.Model):
    """An enterprise's link to an outside calling organization (docs/sync.md).

    ``credentials`` are write-only: accepted at creation, used by the connector, never
    shown, exported, logged or written to an event, and stored encrypted
    (``didhub.sync.crypto``).

    ``failures`` and ``retry_at`` are the link's back-off (``didhub.sync.delivery``): a
    platform that does not answer is down for every message, so while it is, one message
    at a time probes it at ``retry_at``, and the first delivery brings the others forward.
    """

    enterprise = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="platform_links"
    )
    name = models.CharField(max_length=200, blank=True)
    connector = models.CharField(max_length=16, choices=Connector.choices)
    mode = models.CharField(max_length=16, choices=LinkMode.choices)
    organization_id = models.CharField(max_length=200, blank=True)
    location_id = models.CharField(max_length=200, blank=True)
    endpoint = models.URLField(max_length=500, blank=True)
    credentials = EncryptedTextField(blank=True)
    status = models.CharField(
        max_length=16, choices=LinkStatus.choices, default=LinkStatus.PENDING_CONSENT
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    consented_by = models.CharField(max_length=254, blank=True)
    consent_token_hash = models.CharField(max_length=64, blank=True)
    consent_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(
        default=0, help_text="Attempts that failed in a row, over all the link's messages."
    )
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="While the platform is down: when to probe it next."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PlatformLinkQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=~models.Q(status="disabled"),
                name="platformlink_one_active_per_enterprise",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_connector_display()} link of {self.enterprise}"

    @property
    def sends(self) -> bool:
        """A link sends only once consent exists (integrated links consent at creation)."""
        return self.consented_at is not None and self.status != LinkStatus.DISABLED


class SyncChange(models.Model):
    """One change of one number of a linked enterprise, not yet confirmed by the platform.

    Written in the changing transaction; packed into a message by the worker (``message``
    set); deleted once that message is delivered.

    An import into a linked enterprise writes a single row for all the numbers it
    created (``import_id`` set, ``e164`` empty, ``size`` numbers), as each number points
    at its import instead of carrying its own history row: the upload's transaction
    stays the size of the numbers themselves. The worker expands that row into one row
    per number before it packs the link (``didhub.sync.outbox.expand_imports``).
    """

    # No database foreign key: links are disabled, never deleted, so the per-row check
    # would guard nothing and cost a linked upload about 2 s per million numbers.
    link = models.ForeignKey(
        PlatformLink,
        on_delete=models.CASCADE,
        related_name="changes",
        db_index=False,
        db_constraint=False,
    )
    number_id = models.BigIntegerField(null=True, blank=True)
    e164 = E164Field()
    action = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    import_id = models.BigIntegerField(
        null=True, blank=True, help_text="Stands for every number this import created."
    )
    size = models.PositiveIntegerField(db_default=1, help_text="How many numbers it stands for.")
    message = models.ForeignKey(
        "OutboxMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
        db_index=False,
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # What the worker packs next, oldest first.
            models.Index(
                fields=["link", "id"],
                name="syncchange_unpacked",
                condition=Q(message__isnull=True),
            ),
            # Imports waiting to be expanded: a handful of rows among millions.
            models.Index(
                fields=["link", "id"],
                name="syncchange_import",
                condition=Q(import_id__isnull=False),
            ),
            # "Does this number have a change waiting or in flight?", per number.
            models.Index(fields=["link", "e164"], name="syncchange_link_e164"),
            # Only holds packed rows: inserting a change does not touch it.
            models.Index(
                fields=["message"],
                name="syncchange_packed_message",
                condition=Q(message__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.e164}"


class OutboxMessage(models.Model):
    """One request to a platform, carrying the latest state of many numbers.

    ``body`` is frozen when the message is packed: every retry sends the same bytes with
    the same ``message_id`` (the ``webhook-id``). ``locked_until`` is the lease of the
    worker sending it; a worker killed mid-request leaves the lease to expire and the
    message is sent again (at least once).
    """

    link = models.ForeignKey(PlatformLink, on_delete=models.CASCADE, related_name="outbox")
    message_id = models.CharField(max_length=64, unique=True)
    message_type = models.CharField(max_length=48, default="numbers.changed")
    body = models.TextField()
    size = models.PositiveIntegerField(default=0, help_text="How many numbers it carries.")
    state = models.CharField(
        max_length=12, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=Q(state="pending"),
            ),
            models.Index(fields=["link", "state", "id"], name="outbox_link_state"),
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.message_id} ({self.state})"


class SyncedNumber(models.Model):
    """A number the platform confirmed holding, with the digest of what it was sent."""

    link = models.ForeignKey(PlatformLink, on_delete=models.CASCADE, related_name="synced")
    e164 = E164Field()
    digest = models.CharField(max_length=32)
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["link_id", "e164"]
        constraints = [models.UniqueConstraint(fields=["link", "e164"], name="syncednumber_unique")]

    def __str__(self) -> str:
        return self.e164
