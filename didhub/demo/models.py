"""Which platform links the demo created, and how their platform answers.

A row here is what opens the receiver for a link (``didhub.demo.receiver``): without one,
``/demo/platform/<name>/`` is a 404. Nothing sensitive is kept: the
webhook secret stays encrypted on the link, and the receiver stores no message.
"""

from django.db import models


class PlatformBehaviour(models.TextChoices):
    # Takes every message, except one carrying a number of a country the platform has
    # no location in: that message is refused (422), so its numbers read Failed.
    LIVE = "live", "Live: takes the numbers of its countries, refuses the others"
    # Answers 503 with Retry-After: one hour, so the link backs off and its numbers
    # read Pending, as during a platform's maintenance window.
    MAINTENANCE = "maintenance", "In maintenance: answers 503, retry in an hour"


class DemoPlatform(models.Model):
    # The last part of the receiver's URL, /demo/platform/<name>/.
    name = models.SlugField(max_length=40, unique=True)
    link = models.OneToOneField(
        "sync.PlatformLink", on_delete=models.CASCADE, related_name="demo_platform"
    )
    behaviour = models.CharField(max_length=16, choices=PlatformBehaviour.choices)
    # ISO regions the platform has locations in (LIVE): "US,CA".
    regions = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["link_id"]

    def __str__(self) -> str:
        return f"demo platform {self.name} ({self.behaviour})"

    @property
    def region_set(self) -> set[str]:
        return {region for region in self.regions.split(",") if region}
