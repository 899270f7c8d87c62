"""Operating didhub: health, readiness, status and metrics for the people who run it."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "didhub.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self):
        from didhub.ops import deployment, inventory  # noqa: F401  (register a check, a job)
