"""Operating didhub: health, readiness, status and metrics for the people who run it."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "didhub.ops"
    label = "ops"
    verbose_name = "Operations"
