from django.db import models


class Connector(models.TextChoices):
    WEBEX_CALLING = "webex_calling", "Webex Calling"
    WEBHOOK = "webhook", "Webhook"


class LinkMode(models.TextChoices):
    INTEGRATED = "integrated", "Integrated (consent API)"
    NON_INTEGRATED = "non_integrated", "Non-integrated (customer consents)"


class LinkStatus(models.TextChoices):
    PENDING_CONSENT = "pending_consent", "Pending consent"
    SYNCING = "syncing", "Syncing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    DISABLED = "disabled", "Disabled"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead"
    # A dead message whose numbers a resync or a disabled link took over.
    SUPERSEDED = "superseded", "Superseded"


class Operation(models.TextChoices):
    """What a message asks the platform to do with one number."""

    ADD = "add", "Add"
    UPDATE = "update", "Update"
    REMOVE = "remove", "Remove"


class CallDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
