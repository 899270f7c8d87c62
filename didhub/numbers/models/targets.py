"""Targets: whatever uses a number inside an enterprise."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from didhub.numbers.choices import TargetKind
from didhub.numbers.models.owned import OwnedQuerySet


class TargetQuerySet(OwnedQuerySet):
    owner_field = "enterprise"


class Target(models.Model):
    """Whatever uses a number inside an enterprise: a user, a trunk, a service, a group."""

    enterprise = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="targets"
    )
    kind = models.CharField(max_length=32, choices=TargetKind.choices)
    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "kind", "name"], name="target_unique_name_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TargetKind.values), name="target_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "kind", "name"], name="target_ent_kind")]

    def __str__(self) -> str:
        return self.name
