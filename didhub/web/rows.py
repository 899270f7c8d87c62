"""What one row of the Phone Numbers table shows, computed once per row in Python.

The table is the portal's hot path (50 to 200 rows per page at millions of numbers):
the Actions menu asks the policy for each row here rather than through template tags,
and the capability icons are built once per combination, not once per cell.
"""

from functools import cache

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from didhub.core.policy import Action, allows
from didhub.numbers.rules import TARGET_RULES
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
NUMBER_PAGES = ("detail", "delegate", "assign", "unassign", "reserve", "release", "edit", "delete")


def url_patterns() -> dict[str, str]:
    patterns = {name: reverse(f"web:number_{name}", args=[PLACEHOLDER]) for name in NUMBER_PAGES}
    patterns["target"] = reverse("web:target_detail", args=[0])
    return patterns


def fill(pattern: str, value: str) -> str:
    return pattern.replace(f"/{PLACEHOLDER}/", f"/{value}/", 1)


def row_actions(actor, number, urls: dict[str, str]) -> list[dict]:
    """The Actions menu of one number: only what the policy allows (seeds/001)."""
    e164 = number.e164
    enterprise = number.owner.is_enterprise
    actions = []

    def add(name, label, *, confirm=None, danger=False):
        url = fill(urls[name], e164)
        actions.append({"label": label, "url": url, "confirm": confirm, "danger": danger})

    if allows(actor, Action.NUMBER_DELEGATE, number):
        add("delegate", "Assign to an account")
    if enterprise and allows(actor, Action.NUMBER_ASSIGN, number):
        add("assign", "Assign to a target")
    if number.is_assigned and allows(actor, Action.NUMBER_UNASSIGN, number):
        add("unassign", "Unassign", confirm=f"Unassign {e164} from every target?")
    if number.state == "available" and allows(actor, Action.NUMBER_RESERVE, number):
        add("reserve", "Reserve")
    if enterprise and number.state != "aging" and allows(actor, Action.NUMBER_RELEASE, number):
        add(
            "release",
            "Release",
            confirm=f"Release {e164} back to the provider? It ages before anyone can reuse it.",
        )
    if allows(actor, Action.NUMBER_UPDATE, number):
        add("edit", "Edit capabilities and carriers")
    if allows(actor, Action.NUMBER_DELETE, number):
        add("delete", "Delete", confirm=f"Delete {e164} from the inventory?", danger=True)
    return actions


def present(actor, numbers) -> None:
    """Attach what the table shows to each number of a page."""
    urls = url_patterns()
    target_url = urls["target"].replace("/0/", "/{}/", 1)
    for number in numbers:
        number.caps_html = capability_icons(number.voice, number.sms, number.fax)
        number.services = services_of(number)
        number.row_actions = row_actions(actor, number, urls)
        number.detail_url = fill(urls["detail"], number.e164)
        number.users = [
            (assignment.target.name, target_url.format(assignment.target_id))
            for assignment in number.assignments.all()
        ]


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


def render_rows(numbers, *, selectable: bool) -> SafeString:
    """The table body's rows as HTML, escaped by ``format_html``.

    The Phone Numbers page renders this in Python rather than through a per-row
    template loop: at 50 to 200 rows it is the largest share of the page's time.
    """
    rows = []
    for number in numbers:
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
        checkbox = (
            format_html(
                '<td><input type="checkbox" name="numbers" value="{}" aria-label="Select {}"></td>',
                number.e164,
                number.e164,
            )
            if selectable
            else ""
        )
        rows.append(
            format_html(
                '<tr data-number="{e164}">{checkbox}'
                '<td><a class="number-link" href="tel:{e164}" title="Call {e164}">{e164}</a><br>'
                '<a class="muted" href="{detail}" style="font-size:.8rem">Details</a></td>'
                "<td>{users}</td>"
                '<td><span class="caps">{caps}</span></td>'
                "<td>{services}</td>"
                '<td class="nowrap">{route}</td>'
                "<td>{owner}</td>"
                "<td>{carrier}</td>"
                '<td><span class="badge badge-{state}">{state_label}</span></td>'
                '<td><span class="badge badge-{activity}">{activity_label}</span></td>'
                '<td><span class="badge badge-{sync}">{sync_label}</span></td>'
                '<td class="actions-cell">{menu}</td></tr>',
                e164=number.e164,
                checkbox=checkbox,
                detail=number.detail_url,
                users=users,
                caps=number.caps_html,
                services=services,
                route=number.get_route_display() or "—",
                owner=number.owner.name,
                carrier=number.voice_carrier.name if number.voice_carrier_id else "—",
                state=number.state,
                state_label=number.get_state_display(),
                activity=number.activity,
                activity_label=number.get_activity_display(),
                sync=number.sync_state,
                sync_label=number.get_sync_state_display(),
                menu=_menu(number),
            )
        )
    return mark_safe("\n".join(rows))
