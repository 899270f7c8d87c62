"""The account tree, users, roles and API tokens."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender, using="default", verbosity=1, **kwargs):
    """Throttle counts live in the database cache by default; ``migrate`` creates its table.

    Django's ``createcachetable`` does nothing when the table exists or the cache is not
    a database cache (Redis), so this is safe after every migration.
    """
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class AccountsConfig(AppConfig):
    name = "didhub.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="didhub_cache_table")
