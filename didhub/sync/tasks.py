"""Background work of platform sync and activity (Django Tasks API, queue ``sync``).

``didhub worker`` delivers the outbox and runs the expiry itself, continuously; these
tasks are the same work as one-shot jobs, for a site that moves to a Celery or RQ
backend and schedules them there (docs/sync.md).
"""

from django_tasks import task

from didhub.sync import delivery


@task(queue_name="sync")
def deliver_outbox() -> int:
    """Deliver everything due now; returns how many messages were sent."""
    return delivery.deliver_all()


@task(queue_name="sync")
def expire_numbers() -> dict:
    """Expired reservations and finished aging back to available."""
    from didhub.numbers.services import numbers_expire

    return numbers_expire()


@task(queue_name="sync")
def import_calls(path: str) -> dict:
    """Record the call events of a CDR file already on the server (as the system)."""
    from didhub.sync.cdr import calls_import_file

    return calls_import_file(path, actor=None)
