"""Platform links, outbox delivery and call activity."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "didhub.sync"
    label = "sync"
    verbose_name = "Platform sync"

    def ready(self):
        from didhub.sync import logs

        logs.install()
