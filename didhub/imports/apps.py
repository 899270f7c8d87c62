"""Two-phase bulk upload of numbers."""

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "didhub.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self):
        from didhub.imports import jobs  # noqa: F401  (registers the housekeeping jobs)
