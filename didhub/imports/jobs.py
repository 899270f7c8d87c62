"""The imports' housekeeping job (registered in ``ImportsConfig.ready``)."""

from didhub.core import housekeeping
from didhub.imports import services


@housekeeping.register(
    "imports.abandoned", "Fail uploads whose validation or commit died with its process."
)
def fail_abandoned_imports(now) -> dict:
    return {"failed": services.imports_recover_abandoned()}
