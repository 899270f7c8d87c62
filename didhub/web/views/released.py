"""A number's history in pages, and what an enterprise keeps of a number it released.

A release hands the number to the enterprise's reseller, aging, and the enterprise may
restore it until the aging ends (docs/permissions.md). So while it ages the enterprise
still finds it: under the Aging filter of its list and on a read-only page that shows
what the release took away and offers Restore. Nothing of the reseller's is shown
there beyond the number itself.
"""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse

from didhub.core.errors import DomainError, NotVisible, PolicyDenied
from didhub.numbers import selectors, services
from didhub.numbers.services.states import restore_refusal
from didhub.web.acting import acting_user
from didhub.web.views.base import message_from, portal_view, render_page

HISTORY_PAGE = 50


def visible_or_released(actor, e164):
    """``(number, released)``: a number the actor sees, or one its enterprise released."""
    try:
        return selectors.number_get(user=actor, e164=e164), False
    except NotVisible:
        return selectors.released_number_get(user=actor, e164=e164), True


def history_page(actor, number, before: str | None = None) -> dict:
    """One page of a number's history, newest first, and the link to the older ones.

    Keyset on ``(at, id)``: an event's ``before`` id finds the rest after it however
    long the history, and the page says when older events exist.
    """
    events = selectors.number_history(user=actor, number=number)
    if before and before.isdigit():
        edge = events.filter(pk=int(before)).values_list("at", flat=True).first()
        if edge is not None:
            events = events.filter(Q(at__lt=edge) | Q(at=edge, id__lt=int(before)))
    rows = list(events[: HISTORY_PAGE + 1])
    more = len(rows) > HISTORY_PAGE
    rows = rows[:HISTORY_PAGE]
    older = None
    if more and rows:
        older = reverse("web:number_history", args=[number.e164]) + f"?before={rows[-1].pk}"
    return {"events": rows, "older_url": older, "paged": bool(before)}


@portal_view
def number_history(request, e164):
    """Older pages of a number's history (htmx appends them; without it, a page)."""
    actor = acting_user(request)
    number, _released = visible_or_released(actor, e164)
    context = {
        "section": "numbers",
        "number": number,
        "history": history_page(actor, number, request.GET.get("before")),
    }
    return render_page(
        request, "web/numbers/history.html", context, partial="web/partials/history.html"
    )


def released_detail(request, actor, e164):
    """The read-only page of a number the actor's enterprise released (404 otherwise)."""
    number = selectors.released_number_get(user=actor, e164=e164)
    released = number.released_from or {}
    context = {
        "section": "numbers",
        "number": number,
        "released": released,
        "assignments": released.get("assignments") or [],
        "history": history_page(actor, number),
        "can_restore": restore_refusal(actor, number) is None,
    }
    return render_page(request, "web/numbers/released.html", context)


@portal_view
def number_restore(request, e164):
    """Restore an aging number to the enterprise that released it, and its targets.

    Reached by the reseller holding it and by the enterprise that released it (which
    no longer sees it among its own). The confirmation names the targets it comes
    back to.
    """
    actor = acting_user(request)
    number, _released = visible_or_released(actor, e164)
    detail = reverse("web:number_detail", args=[number.e164])
    if refusal := restore_refusal(actor, number):
        # A refused role reads why (403); a number that is not aging says so.
        if isinstance(refusal, NotVisible | PolicyDenied):
            raise refusal
        message_from(request, refusal)
        return redirect(detail)
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            services.number_restore(actor=actor, number=number)
        except DomainError as error:
            message_from(request, error)
        else:
            messages.success(request, f"{number.e164} is restored.")
        return redirect(detail)
    released = number.released_from or {}
    targets = [item["target"]["name"] for item in released.get("assignments") or []]
    owner = (released.get("owner") or {}).get("name", "")
    question = f"Restore {number.e164} to {owner}?"
    if targets:
        question += f" It is assigned again to {', '.join(targets)}."
    context = {
        "section": "numbers",
        "question": question,
        "confirm_label": "Restore",
        "hidden": [],
        "cancel_url": detail,
    }
    return render_page(request, "web/confirm.html", context)
