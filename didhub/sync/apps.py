"""Platform links, outbox delivery and call activity."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "didhub.sync"
    label = "sync"
    verbose_name = "Platform sync"
