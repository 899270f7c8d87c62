"""The Phone Numbers table (seeds/000, 002): search, filters, sorting, pages, export."""

from urllib.parse import urlencode

from django.http import QueryDict

from didhub.accounts.models import Account
from didhub.core.errors import ValidationFailed
from didhub.core.policy import Action, allows
from didhub.numbers import selectors
from didhub.numbers.choices import Activity, NumberState, Route, SyncState, TargetKind, Usage
from didhub.numbers.search import PREDEFINED_SEARCHES
from didhub.web.acting import acting_user, is_acting
from didhub.web.paging import paginate
from didhub.web.rows import present, render_rows
from didhub.web.views.base import may_upload, portal_view, render_page

# Parameters of the page itself, not filters of NumberFilterSet.
PAGE_PARAMS = {"cursor", "sort", "view", "cap", "limit"}
VIEWS = {"used": "true", "available": "false"}
COLUMNS = [
    ("number", "Number"),
    ("assigned", "Assigned To"),
    ("capabilities", "Capabilities"),
    ("services", "Services"),
    ("route", "Route"),
    ("owner", "Owner"),
    ("carrier", "Carrier"),
    ("state", "State"),
    ("activity", "Activity"),
    ("sync", "Sync"),
]
SORTABLE = {
    "number",
    "capabilities",
    "services",
    "route",
    "owner",
    "carrier",
    "state",
    "activity",
    "sync",
}
PAGE_SIZES = (25, 50, 100, 200)


def number_filters(params: QueryDict) -> dict:
    """The page's query string as NumberFilterSet filters.

    ``view`` is seeds/002's Numbers Used / Available / All, ``cap`` the capability
    column's filter; both are spelled as the FilterSet's own filters.
    """
    filters = {key: params.get(key) for key in params if key not in PAGE_PARAMS}
    filters = {key: value for key, value in filters.items() if value not in (None, "")}
    if params.get("view") in VIEWS:
        filters["assigned"] = VIEWS[params["view"]]
    if params.get("cap") in ("voice", "sms", "fax"):
        filters[params["cap"]] = "true"
    return filters


def filter_query(params: QueryDict, *, drop=("cursor",)) -> str:
    """The current filters as a query string (without the cursor), for links."""
    kept = [(key, value) for key, value in params.items() if key not in drop and value != ""]
    return urlencode(kept)


def export_query(params: QueryDict, actor) -> str:
    """The API export's query: the same filters, kept to the opened account when acting."""
    query = number_filters(params)
    if is_acting(actor):
        # The export answers for the signed-in user; keep it to the opened account.
        query.setdefault("owner", str(actor.account_id))
    return urlencode(query)


@portal_view
def number_list(request):
    """The Phone Numbers page; with htmx only the table is sent back."""
    actor = acting_user(request)
    params = request.GET
    error = None
    try:
        limit = int(params.get("limit", 50))
    except ValueError:
        limit = 50
    limit = limit if limit in PAGE_SIZES else 50
    try:
        queryset = selectors.number_list(
            user=actor, filters=number_filters(params), with_related=True
        )
        page = paginate(
            queryset,
            sort=params.get("sort"),
            cursor=params.get("cursor"),
            limit=limit,
        )
    except ValidationFailed as failure:
        error = failure
        page = paginate(selectors.number_list(user=actor).none(), sort=None, cursor=None)
    present(actor, page.rows)
    sort_column = page.sort.lstrip("-")
    descending = page.sort.startswith("-")
    headers = []
    for key, label in COLUMNS:
        header = {"key": key, "label": label, "sortable": key in SORTABLE}
        if header["sortable"]:
            next_sort = f"-{key}" if key == sort_column and not descending else key
            query = QueryDict(mutable=True)
            query.update({k: v for k, v in params.items() if k not in ("cursor", "sort")})
            query["sort"] = next_sort
            header["url"] = "?" + query.urlencode()
            if key == sort_column:
                header["aria_sort"] = "descending" if descending else "ascending"
        headers.append(header)
    account = actor.account
    can_bulk = any(
        allows(actor, action)
        for action in (Action.NUMBER_DELEGATE, Action.NUMBER_ASSIGN, Action.NUMBER_UPDATE)
    )
    context = {
        "section": "numbers",
        "page": page,
        "error": error,
        "params": params,
        "headers": headers,
        "query": filter_query(params),
        "query_no_sort": filter_query(params, drop=("cursor", "sort")),
        "export_query": export_query(params, actor),
        "searches": [(key, label) for key, (label, _) in PREDEFINED_SEARCHES.items()],
        "current_search": params.get("search", ""),
        "current_view": params.get("view", "all"),
        "search_label": PREDEFINED_SEARCHES.get(params.get("search", ""), ("",))[0],
        "owners": selectors_owner_choices(actor),
        "carriers": selectors.carrier_list(user=actor)
        .select_related(None)
        .only("id", "name")[:200],
        "choices": {
            "state": NumberState.choices,
            "activity": Activity.choices,
            "sync_state": SyncState.choices,
            "route": Route.choices,
            "target_kind": TargetKind.choices,
            "usage": Usage.choices,
        },
        "page_sizes": PAGE_SIZES,
        "rows_html": render_rows(page.rows, selectable=can_bulk),
        "limit": limit,
        "can_upload": may_upload(actor),
        "can_bulk": can_bulk,
        "can_delegate": allows(actor, Action.NUMBER_DELEGATE),
        "can_update": allows(actor, Action.NUMBER_UPDATE),
        "can_assign": allows(actor, Action.NUMBER_ASSIGN),
        "can_release": allows(actor, Action.NUMBER_RELEASE) and account.is_enterprise,
        "can_delete": allows(actor, Action.NUMBER_DELETE),
        "can_reclaim": allows(actor, Action.NUMBER_RECLAIM),
    }
    return render_page(request, "web/numbers/list.html", context, partial="web/numbers/_table.html")


def selectors_owner_choices(actor, limit: int = 300):
    """Accounts for the Owner filter: the acting account's subtree, nearest first."""
    return list(
        Account.objects.visible_to(actor)
        .order_by("depth", "name")
        .only("id", "name", "depth")[:limit]
    )
