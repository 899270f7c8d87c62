"""Numbers, assignments, targets, blocks, carriers and profiles."""

from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "didhub.numbers"
    label = "numbers"
    verbose_name = "Numbers"

    def ready(self):
        from didhub.numbers import jobs  # noqa: F401  (registers the housekeeping jobs)
