"""Reading uploads: the imports a user may see, one import, its rejected rows.

Every read starts from ``Import.objects.visible_to(user)`` (the uploads into the
user's account and the accounts below it). Reading an import that says it is being
validated or committed also checks that its worker is still alive (see
``didhub.imports.locks``), so a crash shows as ``failed`` instead of hanging forever.
"""

from didhub.core.errors import NotVisible
from didhub.imports import services
from didhub.imports.models import Import, ImportRowError
from didhub.numbers.choices import NumberState

IMPORT_ORDERINGS = {
    "created_at": "created_at",
    "state": "state",
    "total_rows": "total_rows",
    "file_name": "file_name",
}


def import_list(*, user):
    """Uploads visible to ``user``, newest first; abandoned ones are marked failed."""
    imports = Import.objects.visible_to(user).select_related("account", "uploaded_by", "user")
    for run in imports.filter(state__in=services.IN_PROGRESS, started_at__isnull=False):
        services.import_recover(import_run=run)
    return imports


def import_get(*, user, pk) -> Import:
    """One upload by id; NotVisible when missing or outside the user's subtree."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    run = (
        Import.objects.visible_to(user)
        .select_related("account", "uploaded_by", "user")
        .filter(pk=pk)
        .first()
        if 0 < pk < 2**63
        else None
    )
    if run is None:
        raise NotVisible(f"No import with id {pk} is visible to you.", code="not_found")
    return services.import_recover(import_run=run)


def import_errors(*, user, import_run: Import):
    """The rejected rows of an upload, in file order."""
    visible = Import.objects.visible_to(user)
    return ImportRowError.objects.filter(import_run=import_run, import_run__in=visible).order_by(
        "line", "id"
    )


def upload_arrivals(import_ids) -> dict[int, tuple[dict, str]]:
    """Import id -> (its account as history events store owners, the state it gave its
    numbers): how a number's history begins when it arrived through an upload."""
    found = {}
    rows = Import.objects.filter(pk__in=import_ids).values_list(
        "pk", "account_id", "account__name", "options"
    )
    for pk, account_id, name, options in rows:
        porting = isinstance(options, dict) and options.get("porting")
        state = NumberState.PORTING_IN if porting else NumberState.AVAILABLE
        found[pk] = ({"id": account_id, "name": name}, str(state))
    return found
