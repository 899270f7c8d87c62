"""The audit trail and the bookkeeping every interface shares."""

from django.db import models
from django.utils import timezone

from didhub.core.fields import E164Field


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove history."""


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("History is append-only: events are never updated.")

    def delete(self):
        raise AppendOnlyError("History is append-only: events are never deleted.")

    def visible_to(self, user):
        """Events about the user's account or anything below it."""
        if not getattr(user, "is_authenticated", False) or user.account_id is None:
            return self.none()
        if user.account.is_platform:
            return self.all()
        if user.account.is_enterprise:
            # An enterprise is a leaf: equality reads the (account_path, at) index in
            # time order, where a prefix range would sort all of a large tenant's events.
            return self.filter(account_path=user.account.path)
        return self.filter(account_path__startswith=user.account.path)


class Event(models.Model):
    """One change of one object: when, who, what, before and after.

    Append-only. References are kept as plain values (no foreign-key constraint, no
    cascade) so that a number's history outlives the number, and a user's actions
    outlive the user. ``account_path`` is the deepest account the change concerns, so
    both the reseller and the enterprise of a delegation see it.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=48)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, help_text="Who, as shown: email or 'system'.")
    actor_account_id = models.BigIntegerField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    account_path = models.CharField(max_length=255, blank=True)
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField(null=True, blank=True)
    number_e164 = E164Field(blank=True)
    import_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["number_e164", "at"], name="event_number_at"),
            models.Index(fields=["account_path", "at"], name="event_accountpath_at"),
            models.Index(fields=["object_type", "object_id"], name="event_object"),
            models.Index(fields=["actor_user_id", "at"], name="event_actor_at"),
            models.Index(fields=["action", "at"], name="event_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("History is append-only: events are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("History is append-only: events are never deleted.")


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an ``Idempotency-Key``, kept 24 hours."""

    user_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class WorkerHeartbeat(models.Model):
    """A running ``didhub worker`` and the last time it said it was alive.

    Each worker writes its row when it starts, refreshes it every housekeeping interval
    and deletes it when it stops cleanly. A row older than ``DIDHUB_WORKER_STALE_AFTER``
    seconds belongs to a worker that died (a kill, a crash, a lost node): the tasks it
    had claimed are failed by the housekeeping, and readiness reports the worker gone.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.hostname} (pid {self.pid})"
