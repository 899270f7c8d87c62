"""Numbers, assignments, targets, blocks, carriers and profiles."""

from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "didhub.numbers"
    label = "numbers"
    verbose_name = "Numbers"

    def ready(self):
        from didhub.accounts import parts
        from didhub.numbers import jobs  # noqa: F401  (registers the housekeeping jobs)
        from didhub.numbers.account_defaults import PART

        # An account's default carrier and SMS profile: kept here, set as the account's.
        parts.register(PART)
