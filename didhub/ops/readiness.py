"""Run the readiness checks in the calling thread and report them as one mapping.

django-health-check's own view runs checks in an executor; ``/readyz`` and
``didhub health`` run them one after another on the caller's own database connection,
so a probe every few seconds never opens connections of its own.
"""

import logging
import time

from asgiref.sync import async_to_sync
from health_check.exceptions import HealthCheckException

from didhub.core.db.replica import replica_state
from didhub.ops.checks import READINESS

logger = logging.getLogger("didhub.health")


def check_readiness() -> dict:
    """``{"status": "ready"|"not ready", "checks": {name: {"ok", "detail", "seconds"}}}``,
    and ``"replica": {"in_use", "detail", "lag_seconds"}`` when a replica is configured: a
    replica that is down or lags is bypassed, so it is reported but never makes didhub
    not ready."""
    results = {}
    for name, check_class in READINESS.items():
        check = check_class()
        started = time.perf_counter()
        detail = ""
        try:
            if _is_async(check):
                async_to_sync(check.run)()
            else:
                check.run()
        except HealthCheckException as error:
            detail = str(error.message)
        except Exception:
            # The database is down, a table is missing...: say which check, log why.
            logger.exception("readiness check %s failed", name)
            detail = "The check could not run (see the server log)."
        results[name] = {
            "ok": not detail,
            "detail": detail or "OK",
            "seconds": round(time.perf_counter() - started, 4),
        }
    ready = all(result["ok"] for result in results.values())
    report = {"status": "ready" if ready else "not ready", "checks": results}
    if (replica := replica_state()) is not None:
        report["replica"] = replica.as_dict()
    return report


def _is_async(check) -> bool:
    import inspect

    return inspect.iscoroutinefunction(check.run)
