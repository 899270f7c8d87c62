"""What one row of the Phone Numbers table shows, computed once per row in Python.

The table is the portal's hot path (50 to 200 rows per page at millions of numbers):
the Actions menu is decided for the whole page at once (``numbers_actions``: the same
predicates as the services) rather than through template tags,
and the capability icons are built once per combination, not once per cell.
"""

from functools import cache

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from didhub.numbers.lineage import References
from didhub.numbers.rules import TARGET_RULES
from didhub.numbers.services.actions import numbers_actions
from didhub.web.templatetags.didhub import icon

CAPABILITIES = (
    ("voice", "Voice", "cap"),
    ("sms", "SMS", "cap cap-sms"),
    ("fax", "Fax", "cap cap-fax"),
)


@cache
def capability_icons(voice: bool, sms: bool, fax: bool) -> SafeString:
    """Icons with text for screen readers, for one combination of capabilities."""
    present = [
        (css, label, icon(name, label, 14))
        for (name, label, css), on in zip(CAPABILITIES, (voice, sms, fax), strict=True)
        if on
    ]
    if not present:
        return mark_safe('<span class="muted">none</span>')
    return format_html_join("", '<span class="{}" title="{}">{}</span>', present)


def services_of(number) -> list[str]:
    """The services a number carries, from the target kinds mirrored on it."""
    services = []
    for kind in (number.voice_target_kind, number.sms_target_kind, number.fax_target_kind):
        if kind and TARGET_RULES[kind].service not in services:
            services.append(TARGET_RULES[kind].service)
    return services


# A number's URLs differ only by its E.164 text: reverse once per page, not per cell.
PLACEHOLDER = "+0"
NUMBER_PAGES = (
    "detail",
    "delegate",
    "reclaim",
    "assign",
    "unassign",
    "reserve",
    "unreserve",
    "restore",
    "release",
    "port_complete",
    "port_cancel",
    "edit",
    "delete",
)


def url_patterns() -> dict[str, str]:
    patterns = {name: reverse(f"web:number_{name}", args=[PLACEHOLDER]) for name in NUMBER_PAGES}
    patterns["target"] = reverse("web:target_detail", args=[0])
    return patterns


def fill(pattern: str, value: str) -> str:
    return pattern.replace(f"/{PLACEHOLDER}/", f"/{value}/", 1)


def release_consequences(number) -> str:
    """What a release unassigns, from the row's prefetched assignments."""
    names = [
        f"{assignment.target.name} ({assignment.get_channel_display()})"
        for assignment in number.assignments.all()
    ]
    return f" It is unassigned from {', '.join(names)}." if names else ""


def row_actions(number, urls: dict[str, str]) -> list[dict]:
    """The Actions menu of one number: exactly the actions its services accept now
    (``number.actions``, from ``numbers_actions``), in the detail page's words."""
    e164 = number.e164
    allowed = set(number.actions)
    menu = []

    def add(action, page, label, *, confirm=None, danger=False):
        if action in allowed:
            url = fill(urls[page], e164)
            menu.append({"label": label, "url": url, "confirm": confirm, "danger": danger})

    add("delegate", "delegate", "Assign to an account")
    add("reclaim", "reclaim", "Reclaim", confirm=f"Reclaim {e164} from the account holding it?")
    add("assign", "assign", "Assign to a target")
    add("unassign", "unassign", "Unassign", confirm=f"Unassign {e164} from every target?")
    add("reserve", "reserve", "Reserve")
    add("unreserve", "unreserve", "End reservation", confirm=f"End the reservation of {e164}?")
    add("restore", "restore", "Restore", confirm=f"Restore {e164} to its previous owner?")
    add(
        "port_complete",
        "port_complete",
        "Complete port",
        confirm=f"Is the port of {e164} complete? It becomes available for use.",
    )
    add(
        "release",
        "release",
        "Release",
        confirm=f"Release {e164} back to the provider? It ages before anyone can reuse it."
        + release_consequences(number),
    )
    add("update", "edit", "Edit capabilities and carriers")
    add(
        "port_cancel",
        "port_cancel",
        "Cancel port",
        confirm=f"Cancel the port of {e164}? It leaves the inventory.",
        danger=True,
    )
    add("delete", "delete", "Delete", confirm=f"Delete {e164} from the inventory?", danger=True)
    return menu


def present(actor, numbers) -> None:
    """Attach what the table shows to each number of a page."""
    urls = url_patterns()
    target_url = urls["target"].replace("/0/", "/{}/", 1)
    actions = numbers_actions(actor, numbers)
    references = References(actor)
    for number in numbers:
        number.shown = references.of(number)  # carriers and uploader the actor may read
        number.caps_html = capability_icons(number.voice, number.sms, number.fax)
        number.services = services_of(number)
        number.actions = actions[number.pk]
        number.row_actions = row_actions(number, urls)
        number.detail_url = fill(urls["detail"], number.e164)
        number.users = [
            (assignment.target.name, target_url.format(assignment.target_id))
            for assignment in number.assignments.all()
        ]
        company_and_var(actor, number)


def company_and_var(actor, number) -> None:
    """The Company (the enterprise holding it) and VAR (the reseller above) of a row.

    Read from ``owner`` and ``owner.parent`` (selected with the page, no query per
    row), and shown only when they lie in the actor's subtree: an enterprise never
    reads its provider's name here. A number an enterprise released and may still
    restore is shown read-only, held by "its provider" rather than by name.
    """
    owner = number.owner
    path = actor.account.path

    def visible(account):
        return account if account is not None and account.path.startswith(path) else None

    number.released_view = not owner.path.startswith(path)
    if number.released_view:
        number.company = number.var = None
        number.owner_label = "Released to the provider (aging)"
        return
    number.owner_label = owner.name
    if owner.is_enterprise:
        number.company = visible(owner)
        parent = owner.parent
        number.var = visible(parent) if parent is not None and parent.is_reseller else None
    else:
        number.company = None
        number.var = visible(owner) if owner.is_reseller else None


DASH = mark_safe('<span class="muted">—</span>')
MORE_ICON = icon("more")


def _menu(number) -> SafeString:
    if not number.row_actions:
        return mark_safe("")
    items = []
    for action in number.row_actions:
        items.append(
            format_html(
                '{}<a role="menuitem" href="{}"{}{}>{}</a>',
                mark_safe("<hr>") if action["danger"] else "",
                action["url"],
                mark_safe(' class="danger"') if action["danger"] else "",
                format_html(' data-confirm="{}"', action["confirm"]) if action["confirm"] else "",
                action["label"],
            )
        )
    return format_html(
        '<details class="menu" data-testid="row-actions"><summary class="btn btn-sm btn-ghost" '
        'title="Actions">{}<span class="sr-only">Actions for {}</span></summary>'
        '<div class="menu-items" role="menu">{}</div></details>',
        MORE_ICON,
        number.e164,
        mark_safe("".join(items)),
    )


def _account_cell(account, opener) -> SafeString:
    """An account's name; a button opening it where the actor may switch to it."""
    if account is None:
        return DASH
    url = opener(account) if opener else None
    if url is None:
        return format_html("{}", account.name)
    return format_html(
        '<button class="linkish" type="submit" form="open-account" formaction="{}" '
        'title="Open {} as its administrator">{}</button>',
        url,
        account.name,
        account.name,
    )


def _cells(number, opener) -> dict[str, SafeString]:
    """Every column's cell of one row; the page keeps the chosen ones (``columns.py``)."""
    users = (
        format_html_join(", ", '<a href="{}">{}</a>', ((u, n) for n, u in number.users))
        if number.users
        else DASH
    )
    services = (
        format_html_join("", '<span class="service">{}</span>', ((s,) for s in number.services))
        if number.services
        else DASH
    )
    released = getattr(number, "released_view", False)
    return {
        "number": format_html(
            '<a class="number-link" href="tel:{e164}" title="Call {e164}">{e164}</a><br>'
            '<a class="muted small" href="{detail}">Details</a>',
            e164=number.e164,
            detail=number.detail_url,
        ),
        "assigned": users,
        "company": _account_cell(number.company, opener),
        "var": _account_cell(number.var, opener),
        "capabilities": format_html('<span class="caps">{}</span>', number.caps_html),
        "services": services,
        "usage": format_html("{}", number.get_usage_display()),
        "route": format_html("{}", number.get_route_display() or "—"),
        "owner": format_html("{}", number.owner_label),
        "carrier": format_html("{}", _carrier_name(number) if not released else "—"),
        "state": format_html(
            '<span class="badge badge-{}">{}</span>', number.state, number.get_state_display()
        ),
        "activity": format_html(
            '<span class="badge badge-{}">{}</span>', number.activity, number.get_activity_display()
        ),
        "sync": format_html(
            '<span class="badge badge-{}">{}</span>',
            number.sync_state,
            number.get_sync_state_display(),
        ),
    }


def _carrier_name(number) -> str:
    """The voice carrier's name where the viewer may read it (``present``), else a dash."""
    shown = getattr(number, "shown", None)
    carrier = shown.voice_carrier if shown is not None else None
    return carrier.name if carrier is not None else "—"


def render_rows(numbers, *, selectable: bool, columns=None, opener=None) -> SafeString:
    """The table body's rows as HTML, escaped by ``format_html``.

    The Phone Numbers page renders this in Python rather than through a per-row
    template loop: at 50 to 200 rows it is the largest share of the page's time.
    ``columns`` are the chosen ``didhub.web.columns.Column`` (every column when None);
    each cell carries its heading in ``data-label`` for the phone's card layout.
    ``opener(account)`` gives the URL that opens an account, or None.
    """
    if columns is None:
        from didhub.web.columns import COLUMNS

        columns = COLUMNS
    rows = []
    for number in numbers:
        cells = _cells(number, opener)
        checkbox = (
            format_html(
                '<td class="select-cell"><input type="checkbox" name="numbers" value="{}" '
                'aria-label="Select {}"></td>',
                number.e164,
                number.e164,
            )
            if selectable and not getattr(number, "released_view", False)
            else (mark_safe('<td class="select-cell"></td>') if selectable else "")
        )
        body = format_html_join(
            "",
            '<td class="col-{}" data-label="{}">{}</td>',
            ((column.key, column.label, cells[column.key]) for column in columns),
        )
        rows.append(
            format_html(
                '<tr data-number="{}">{}{}<td class="actions-cell">{}</td></tr>',
                number.e164,
                checkbox,
                body,
                _menu(number),
            )
        )
    return mark_safe("\n".join(rows))
