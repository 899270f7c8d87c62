"""The imports' housekeeping job (registered in ``ImportsConfig.ready``)."""

from didhub.core import housekeeping
from didhub.imports import services


@housekeeping.register(
    "imports.abandoned", "Fail uploads whose validation or commit died with its process."
)
def fail_abandoned_imports(now) -> dict:
    return {"failed": services.imports_recover_abandoned()}


@housekeeping.register(
    "imports.expire_ready",
    "Fail uploads validated but not committed within DIDHUB_IMPORT_READY_DAYS days.",
)
def expire_ready_imports(now) -> dict:
    return {"expired": services.imports_expire_ready(now=now)}
