"""Numbers, assignments, targets, blocks, carriers and profiles."""

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def forget_tallies_without_numbers(sender, using="default", apps=global_apps, **kwargs):
    """With no numbers left, no tally may count any: ``flush`` ends with this signal.

    ``flush`` on SQLite deletes the tables in no fixed order (Django collects them in a
    set). When it empties the tallies before the numbers, the numbers' delete trigger
    writes each removed number back as a negative count, and an empty inventory would
    show minus its old size. After a ``migrate`` this is one ``EXISTS`` and nothing else.
    ``migrate`` passes the migrated state's models; ``flush`` passes none.
    """
    try:
        Number, Tally = apps.get_model("numbers", "Number"), apps.get_model("numbers", "Tally")
    except LookupError:  # migrated back to before the tallies
        return
    if not Number.objects.using(using).exists():
        Tally.objects.using(using).all().delete()


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
        post_migrate.connect(
            forget_tallies_without_numbers, sender=self, dispatch_uid="didhub_tallies_flushed"
        )
