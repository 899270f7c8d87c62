"""The Phone Numbers table (docs/domain.md, "Finding numbers"): search, filters, columns,
sorting, pages, export."""

from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from didhub.accounts.policy import Action, allows
from didhub.core.db.replica import reads_from_replica
from didhub.core.errors import ValidationFailed
from didhub.numbers import selectors
from didhub.numbers.choices import Activity, NumberState, Route, SyncState, TargetKind, Usage
from didhub.numbers.models import Number
from didhub.numbers.search import PREDEFINED_SEARCHES
from didhub.web import columns as table_columns
from didhub.web.acting import acting_user, is_acting
from didhub.web.paging import paginate
from didhub.web.rows import present, render_rows
from didhub.web.views.base import may_upload, portal_view, render_page, safe_next
from didhub.web.views.pickers import account_options, carrier_options

# Parameters of the page itself, not filters of NumberFilterSet.
PAGE_PARAMS = {"cursor", "sort", "view", "cap", "limit", "exact", "owner_q", "carrier_q"}
VIEWS = {"used": "true", "available": "false"}
PAGE_SIZES = (25, 50, 100, 200)
# Filters of the filter panel, for "n filters" on its button.
PANEL_FILTERS = (
    "e164__startswith",
    "assigned",
    "cap",
    "target_kind",
    "route",
    "usage",
    "owner",
    "voice_carrier",
    "state",
    "activity",
    "sync_state",
    "tag",
)


def number_filters(params: QueryDict) -> dict:
    """The page's query string as NumberFilterSet filters.

    ``view`` is the Numbers Used / Available / All choice (docs/domain.md, "Finding
    numbers"), ``cap`` the capability
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


def account_opener(request):
    """``opener(account)``: the URL that opens an account (the account switcher), or None.

    Only users who may switch (above an enterprise) get one, and only for accounts
    below their own, which every account of the table is.
    """
    if request.user.account.is_enterprise:
        return None
    own = request.user.account

    def opener(account):
        if account.pk == own.pk or not account.path.startswith(own.path):
            return None
        return reverse("web:account_open", args=[account.pk])

    return opener


def headers_for(chosen, params: QueryDict, sort: str) -> list[dict]:
    sort_column = sort.lstrip("-")
    descending = sort.startswith("-")
    headers = []
    for column in chosen:
        header = {"key": column.key, "label": column.label, "sortable": column.sortable}
        if column.sortable:
            next_sort = (
                f"-{column.key}" if column.key == sort_column and not descending else column.key
            )
            query = QueryDict(mutable=True)
            query.update({k: v for k, v in params.items() if k not in ("cursor", "sort")})
            query["sort"] = next_sort
            header["url"] = "?" + query.urlencode()
            if column.key == sort_column:
                header["aria_sort"] = "descending" if descending else "ascending"
        headers.append(header)
    return headers


@portal_view
@reads_from_replica
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
    filters = number_filters(params)
    try:
        queryset = selectors.number_list(
            user=actor, filters=filters, with_related=True, with_released=True
        ).select_related("owner__parent")
        page = paginate(
            queryset,
            sort=params.get("sort"),
            cursor=params.get("cursor"),
            limit=limit,
            exact=params.get("exact") == "1",
        )
    except ValidationFailed as failure:
        error = failure
        page = paginate(selectors.number_list(user=actor).none(), sort=None, cursor=None)
    present(actor, page.rows)
    chosen = table_columns.chosen(actor, request.user)
    account = actor.account
    can_bulk = any(
        allows(actor, action)
        for action in (Action.NUMBER_DELEGATE, Action.NUMBER_ASSIGN, Action.NUMBER_UPDATE)
    )
    released = selectors.released_by(actor)
    exact_query = QueryDict(mutable=True)
    exact_query.update({k: v for k, v in params.items() if k not in ("cursor", "exact")})
    exact_query["exact"] = "1"
    context = {
        "section": "numbers",
        "page": page,
        "error": error,
        "params": params,
        "headers": headers_for(chosen, params, page.sort),
        "columns": chosen,
        "column_count": len(chosen) + (2 if can_bulk else 1),
        "offered_columns": table_columns.offered(actor),
        "chosen_keys": {column.key for column in chosen},
        "query": filter_query(params),
        "query_no_sort": filter_query(params, drop=("cursor", "sort")),
        "exact_url": "?" + exact_query.urlencode(),
        "export_query": export_query(params, actor),
        "searches": [(key, label) for key, (label, _) in PREDEFINED_SEARCHES.items()],
        "current_search": params.get("search", ""),
        "current_view": params.get("view", "all"),
        "search_label": PREDEFINED_SEARCHES.get(params.get("search", ""), ("",))[0],
        "owner_picker": account_options(actor, params.get("owner_q", ""), params.get("owner")),
        "carrier_picker": carrier_options(
            actor, params.get("carrier_q", ""), params.get("voice_carrier")
        ),
        "filter_count": sum(1 for key in PANEL_FILTERS if params.get(key)),
        "choices": {
            "state": NumberState.choices,
            "activity": Activity.choices,
            "sync_state": SyncState.choices,
            "route": Route.choices,
            "target_kind": TargetKind.choices,
            "usage": Usage.choices,
        },
        "released_aging": Number.objects.filter(released).count() if released else 0,
        "page_sizes": PAGE_SIZES,
        "rows_html": render_rows(
            page.rows, selectable=can_bulk, columns=chosen, opener=account_opener(request)
        ),
        "limit": limit,
        "can_upload": may_upload(actor),
        "can_bulk": can_bulk,
        "can_delegate": allows(actor, Action.NUMBER_DELEGATE),
        "can_update": allows(actor, Action.NUMBER_UPDATE),
        "can_assign": allows(actor, Action.NUMBER_ASSIGN),
        "can_release": allows(actor, Action.NUMBER_RELEASE) and account.is_enterprise,
        "can_delete": allows(actor, Action.NUMBER_DELETE),
        "can_reclaim": allows(actor, Action.NUMBER_RECLAIM),
        # Ports are completed or cancelled by the uploader or above (services/states.py).
        "can_port": allows(actor, Action.NUMBERS_UPLOAD),
    }
    return render_page(request, "web/numbers/list.html", context, partial="web/numbers/_table.html")


@require_POST
@portal_view
def number_columns(request):
    """The column chooser: keep the signed-in person's columns, back to the list."""
    if request.POST.get("reset"):
        table_columns.reset(request.user)
    else:
        table_columns.save(request.user, request.POST.getlist("columns"))
    return redirect(safe_next(request, reverse("web:number_list")))
