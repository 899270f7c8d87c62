"""Housekeeping: the periodic jobs of an installation, each run once across all nodes.

Every app registers its own jobs in its ``AppConfig.ready()`` (core knows none of the
apps above it): expiry of reservations and aging, abandoned imports and tasks, pruning.
``didhub worker`` runs them every ``DIDHUB_HOUSEKEEPING_INTERVAL`` seconds and
``didhub housekeeping`` runs them by hand (cron-friendly). Each job holds its own lock
(``didhub.core.db.locks``) while it runs: when several workers on several nodes reach the
same job at the same moment, one runs it and the others skip it.

A job answers a mapping of what it did (``{"failed": 2}``); the runner logs it.
"""

import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from didhub.core.db import locks

logger = logging.getLogger("didhub.housekeeping")

# Keeps housekeeping apart from the other users of didhub's locks.
LOCK_CLASS = 0x4B45
# Where each job's last run is kept, in the cache all processes share (for /metrics).
LAST_RUN_KEY = "didhub:housekeeping:last:"


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[datetime], dict]

    @property
    def lock_key(self) -> int:
        """A stable key per job name (advisory lock keys are 32-bit signed integers)."""
        return zlib.crc32(self.name.encode()) & 0x7FFFFFFF


@dataclass(frozen=True)
class Outcome:
    job: str
    ran: bool
    result: dict
    error: str = ""


_jobs: dict[str, Job] = {}


def register(name: str, description: str):
    """Decorator: ``@register("imports.abandoned", "...")`` over ``def job(now) -> dict``."""

    def decorator(function):
        _jobs[name] = Job(name=name, description=description, run=function)
        return function

    return decorator


def jobs() -> list[Job]:
    return [_jobs[name] for name in sorted(_jobs)]


def run(*, now: datetime | None = None, only: set[str] | None = None) -> list[Outcome]:
    """Run every registered job (or those named in ``only``) that no other process runs.

    A failing job is logged and reported, and does not stop the others.
    """
    outcomes = []
    for job in jobs():
        if only is not None and job.name not in only:
            continue
        with locks.try_hold(LOCK_CLASS, job.lock_key) as mine:
            if not mine:
                outcomes.append(Outcome(job.name, ran=False, result={}))
                continue
            try:
                result = job.run(now or timezone.now())
            except Exception as error:
                logger.exception("housekeeping job %s failed", job.name)
                outcomes.append(Outcome(job.name, ran=True, result={}, error=str(error)))
                continue
        if any(result.values()):
            logger.info("housekeeping %s: %s", job.name, _describe(result))
        cache.set(LAST_RUN_KEY + job.name, (time.time(), result), timeout=None)
        outcomes.append(Outcome(job.name, ran=True, result=result))
    return outcomes


def last_runs() -> dict[str, tuple[float, dict]]:
    """When each job last ran and what it did (Unix time, result), from the shared cache."""
    keys = {LAST_RUN_KEY + job.name: job.name for job in jobs()}
    return {keys[key]: value for key, value in cache.get_many(list(keys)).items()}


def _describe(result: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in result.items())
