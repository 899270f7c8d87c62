"""Background work for large uploads (Django Tasks API, queue ``imports``).

``didhub worker`` runs them from the database queue; with ``DIDHUB_TASKS_IMMEDIATE=1``
they run inline. Each one is the same service call the inline path makes, so a task
and a request leave the same import behind.

Each task carries the id of the request that queued it: the worker's log lines about
the upload name that request, as its events do.
"""

import logging

from django_tasks import task

from didhub.core.logs import request_context
from didhub.imports import services

logger = logging.getLogger("didhub.imports")


@task(queue_name="imports")
def validate_import(import_id: int, request_id: str = "") -> None:
    """Validate and stage a large upload; progress is written to the import."""
    with request_context(request_id):
        logger.info("import %s: validation started", import_id)
        services.import_validate(import_id=import_id)
        logger.info("import %s: validation ended, %s", import_id, _outcome(import_id))


@task(queue_name="imports")
def commit_import(import_id: int, user_id: int, request_id: str = "") -> None:
    """Commit a large upload in one transaction, acting as the user who asked."""
    from didhub.accounts.models import User

    with request_context(request_id):
        logger.info("import %s: commit started", import_id)
        services.import_commit_run(import_id=import_id, actor=User.objects.get(pk=user_id))
        logger.info("import %s: commit ended, %s", import_id, _outcome(import_id))


def _outcome(import_id: int) -> str:
    from didhub.imports.models import Import

    state = Import.objects.filter(pk=import_id).values_list("state", flat=True).first()
    return f"state {state}" if state else "the import is gone"
