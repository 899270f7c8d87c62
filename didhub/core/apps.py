"""Audit events, policy, errors and shared building blocks."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "didhub.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from didhub.core import jobs  # noqa: F401  (registers the housekeeping jobs)
