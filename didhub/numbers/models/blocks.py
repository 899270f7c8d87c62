"""Blocks: contiguous runs of numbers, like IP ranges."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from didhub.core.fields import E164Field
from didhub.numbers import attributes
from didhub.numbers.models.owned import OwnedQuerySet


class Block(models.Model):
    """A contiguous run of numbers (``+12125550100``..``+12125550199``), like an IP range.

    Used for range upload, range selection and utilization: how many of the block exist,
    are assigned, are free.
    """

    owner = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="blocks")
    start = E164Field()
    end = E164Field()
    size = models.PositiveIntegerField(editable=False)
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="block_end_after_start"
            ),
            # The ceiling of a range; DIDHUB_MAX_RANGE may set a lower limit (clean()).
            models.CheckConstraint(
                condition=Q(size__gte=1) & Q(size__lte=attributes.MAX_RANGE),
                name="block_size_bounds",
            ),
            models.UniqueConstraint(fields=["start"], name="block_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"

    def clean(self):
        errors = {}
        if problem := attributes.range_problem(
            self.start, self.end, limit=settings.DIDHUB_MAX_RANGE
        ):
            errors["end"] = problem
        else:
            overlapping = Block.objects.filter(start__lte=self.end, end__gte=self.start)
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            if overlapping.exists():
                errors["start"] = f"Overlaps block {overlapping.first()}."
        if errors:
            raise ValidationError(errors)
