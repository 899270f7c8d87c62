"""Platform links, outbox delivery and call activity."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "didhub.sync"
    label = "sync"
    verbose_name = "Platform sync"

    def ready(self):
        from didhub.core import audit
        from didhub.sync import jobs, logs  # noqa: F401  (jobs: registers its housekeeping)
        from didhub.sync.outbox import enqueue_number_changes

        logs.install()
        # Every change of numbers, in whichever app, reaches the outbox this way.
        audit.on_numbers_changed(enqueue_number_changes)
