"""Searchable pickers: the options of a choice that may be long, found by typing.

A select of every account, carrier or free number stops being usable (and was
silently cut) at a few hundred entries. A picker instead shows the first
``PICKER_LIMIT`` matches and says how many match in all, and a search box beside it
asks these endpoints (htmx, ``hx-get`` on input) for the options matching what was
typed. Without JavaScript the same search box is sent with the form and the page
renders the narrowed options itself. Every endpoint reads through the visibility
gate, so a picker never offers what the acting user cannot see.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from didhub.accounts import selectors as account_selectors
from didhub.accounts.models import Account
from didhub.numbers import selectors
from didhub.web.acting import acting_user
from didhub.web.views.base import portal_view, render_page

PICKER_LIMIT = 50


@dataclass
class Picker:
    """Options for a select: ``(value, label)`` pairs, what is selected, and how many
    matched in all (``total`` > ``len(options)`` means the list says it is cut)."""

    options: list[tuple[str, str]]
    total: int
    selected: str = ""
    query: str = ""
    empty_label: str = "Any"
    extra: list[tuple[str, str]] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.options)


def pick(queryset: QuerySet, label, *, query: str, selected, visible: QuerySet) -> Picker:
    """The first matches of ``queryset`` (already narrowed by ``query``); the selected
    entry stays offered, when ``visible`` holds it, even if it is not among them."""
    total = queryset.count()
    options = [(str(row.pk), label(row)) for row in queryset[:PICKER_LIMIT]]
    selected = str(selected or "")
    picker = Picker(options=options, total=total, selected=selected, query=query)
    if selected.isdigit() and selected not in {value for value, _ in options}:
        chosen = visible.filter(pk=int(selected)).first()
        if chosen is not None:
            picker.extra = [(selected, label(chosen))]
    return picker


def accounts_matching(actor, query: str) -> QuerySet[Account]:
    return account_selectors.accounts_by_name(user=actor, query=query)


def account_options(actor, query: str = "", selected=None) -> Picker:
    """Accounts of the actor's subtree by name, nearest first (the Owner filter)."""
    query = query.strip()
    return pick(
        accounts_matching(actor, query).only("id", "name", "depth"),
        lambda account: account.name,
        query=query,
        selected=selected,
        visible=account_selectors.accounts_visible_to(actor),
    )


def carrier_options(actor, query: str = "", selected=None) -> Picker:
    """Voice carriers the actor may see, by name (the Carrier filter)."""
    query = query.strip()
    visible = selectors.carrier_list(user=actor).select_related(None).only("id", "name")
    carriers = visible.filter(name__icontains=query) if query else visible
    return pick(
        carriers.order_by("name", "id"),
        lambda carrier: carrier.name,
        query=query,
        selected=selected,
        visible=visible,
    )


@portal_view
def pick_accounts(request):
    """``?q=``: the Owner filter's options matching a name (htmx)."""
    actor = acting_user(request)
    query = request.GET.get("q") or request.GET.get("owner_q", "")
    picker = account_options(actor, query, request.GET.get("selected"))
    return render_page(request, "web/partials/options.html", {"picker": picker})


@portal_view
def pick_carriers(request):
    """``?q=``: the Carrier filter's options matching a name (htmx)."""
    actor = acting_user(request)
    query = request.GET.get("q") or request.GET.get("carrier_q", "")
    picker = carrier_options(actor, query, request.GET.get("selected"))
    return render_page(request, "web/partials/options.html", {"picker": picker})
