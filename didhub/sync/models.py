"""Links to the calling platforms, and the outbox that carries every change to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from didhub.sync.choices import Connector, LinkMode, LinkStatus, OutboxState


class PlatformLinkQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or user.account_id is None:
            return self.none()
        if user.account.is_platform:
            return self.all()
        return self.filter(enterprise__path__startswith=user.account.path)


class PlatformLink(models.Model):
    """An enterprise's link to an outside calling organization (seeds/004).

    ``credentials`` are write-only: accepted at creation, used by the connector, never
    shown, exported, logged or written to an event.
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
    credentials = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=LinkStatus.choices, default=LinkStatus.PENDING_CONSENT
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    consented_by = models.CharField(max_length=254, blank=True)
    consent_token_hash = models.CharField(max_length=64, blank=True)
    consent_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
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


class OutboxMessage(models.Model):
    """One change of one number waiting for delivery, written with the change itself.

    ``seq`` is global and monotonic, so "in order per number" is ``ORDER BY seq`` among a
    number's messages; ``message_id`` stays the same on every retry so receivers can
    drop duplicates.
    """

    link = models.ForeignKey(PlatformLink, on_delete=models.CASCADE, related_name="outbox")
    number_id = models.BigIntegerField(null=True, blank=True)
    e164 = models.CharField(max_length=16)
    message_type = models.CharField(max_length=48)
    payload = models.JSONField(default=dict)
    message_id = models.CharField(max_length=64, unique=True)
    state = models.CharField(
        max_length=12, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["link", "e164", "id"], name="outbox_link_number"),
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.e164} ({self.state})"
