"""Background work for large uploads (Django Tasks API, queue ``imports``).

``didhub worker`` runs them from the database queue; with ``DIDHUB_TASKS_IMMEDIATE=1``
they run inline. Each one is the same service call the inline path makes, so a task
and a request leave the same import behind.
"""

from django_tasks import task

from didhub.imports import services


@task(queue_name="imports")
def validate_import(import_id: int) -> None:
    """Validate and stage a large upload; progress is written to the import."""
    services.import_validate(import_id=import_id)


@task(queue_name="imports")
def commit_import(import_id: int, user_id: int) -> None:
    """Commit a large upload in one transaction, acting as the user who asked."""
    from didhub.accounts.models import User

    services.import_commit_run(import_id=import_id, actor=User.objects.get(pk=user_id))
