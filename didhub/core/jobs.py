"""The core housekeeping jobs (registered in ``CoreConfig.ready``)."""

from didhub.core import housekeeping, workers


@housekeeping.register("tasks.abandoned", "Fail tasks whose worker stopped without finishing.")
def fail_abandoned_tasks(now) -> dict:
    return {"failed": workers.fail_abandoned_tasks(now=now)}


@housekeeping.register(
    "tasks.prune", "Delete finished task rows older than DIDHUB_TASK_RETENTION_DAYS days."
)
def prune_tasks(now) -> dict:
    return {"deleted": workers.prune_finished_tasks(now=now)}


@housekeeping.register("workers.prune", "Forget workers silent for a day.")
def prune_workers(now) -> dict:
    return {"forgotten": workers.prune_dead_heartbeats(now=now)}
