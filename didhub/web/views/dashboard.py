"""The dashboard: inventory of the acting account and its subtree, stations, charts."""

from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from didhub.core.db.replica import reads_from_replica
from didhub.imports.models import Import
from didhub.numbers import selectors
from didhub.numbers.models import Number
from didhub.sync import selectors as sync_selectors
from didhub.web import charts
from didhub.web.acting import acting_user
from didhub.web.views.base import portal_view, render_page

# Below this share of free numbers (or free stations) the dashboard warns.
LOW_INVENTORY_SHARE = 0.10
IMPORT_DAYS = 14


def warnings_for(inventory: dict) -> list[str]:
    """Low-inventory warnings: few free numbers per capability, few free stations."""
    warnings = []
    for key, label in (("voice", "voice"), ("sms", "SMS"), ("fax", "fax")):
        group = inventory["numbers"][key]
        if group["owned"] and group["available"] <= group["owned"] * LOW_INVENTORY_SHARE:
            warnings.append(
                f"Only {group['available']:,} of {group['owned']:,} {label} numbers are available."
            )
    stations = inventory["stations"]
    if stations and stations["purchased"] is not None:
        if stations["available"] == 0:
            warnings.append(
                f"All {stations['purchased']:,} purchased stations are in use; "
                "ask your provider for more before assigning users."
            )
        elif stations["available"] <= stations["purchased"] * LOW_INVENTORY_SHARE:
            warnings.append(f"Only {stations['available']:,} stations are left.")
    return warnings


def imports_over_time(actor) -> list[tuple[str, int]]:
    """Numbers committed per day over the last two weeks (visible imports only)."""
    today = timezone.localdate()
    since = today - timedelta(days=IMPORT_DAYS - 1)
    rows = (
        Import.objects.visible_to(actor)
        .filter(created_at__date__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(numbers=Sum("committed"), uploads=Count("pk"))
        .order_by("day")
    )
    by_day = {row["day"]: row["numbers"] or 0 for row in rows}
    return [
        (
            str((since + timedelta(days=offset)).day),
            by_day.get(since + timedelta(days=offset), 0),
        )
        for offset in range(IMPORT_DAYS)
    ]


@portal_view
@reads_from_replica
def dashboard(request):
    actor = acting_user(request)
    account = actor.account
    inventory = selectors.account_inventory(user=actor, account=account)
    activity = selectors.account_activity(user=actor, account=account)
    numbers = inventory["numbers"]
    everything = numbers["all"]
    # An enterprise holds no aging numbers: its reseller holds what it released. The
    # Aging card counts those it may still restore, as its list's Aging filter shows.
    released = selectors.released_by(actor)
    released_aging = Number.objects.filter(released).count() if released else None
    if released_aging is not None:
        everything = {**everything, "aging": released_aging}
    states = [
        ("Available", everything["available"]),
        ("Assigned", everything["assigned"]),
        ("Reserved", everything["reserved"]),
        ("Aging", everything["aging"]),
        ("Porting in", everything["porting_in"]),
    ]
    capabilities = [
        ("Voice", numbers["voice"]["owned"]),
        ("SMS", numbers["sms"]["owned"]),
        ("Fax", numbers["fax"]["owned"]),
    ]
    children = []
    if not account.is_enterprise:
        children = selectors.account_children_utilization(user=actor, account=account)
    child_rows = [
        {
            "label": child["account"]["name"],
            "assigned": child["assigned"],
            "available": child["free"],
            "other": child["owned"] - child["assigned"] - child["free"],
        }
        for child in sorted(children, key=lambda c: -c["owned"])[:12]
    ]
    recent = list(
        Import.objects.visible_to(actor)
        .select_related("account", "user")
        .order_by("-created_at")[:5]
    )
    # Only an account with a linked enterprise at or below it has syncs that can fail.
    failed_syncs = None
    if sync_selectors.has_active_links(user=actor):
        failed_syncs = sync_selectors.failed_sync_count(user=actor)
    context = {
        "section": "dashboard",
        "failed_syncs": failed_syncs,
        "activity": activity,
        "inventory": inventory,
        "everything": everything,
        "released_aging": released_aging,
        "numbers": numbers,
        "stations": inventory["stations"],
        "warnings": warnings_for(inventory),
        "state_chart": charts.donut("Numbers by state", states, charts.STATE_COLORS),
        "capability_chart": charts.bars("Numbers by capability", capabilities),
        "children_chart": charts.stacked("Utilization per account below", child_rows)
        if child_rows
        else None,
        "children": children,
        "imports_chart": charts.columns("Numbers imported per day", imports_over_time(actor)),
        "recent_imports": recent,
    }
    return render_page(request, "web/dashboard.html", context)
