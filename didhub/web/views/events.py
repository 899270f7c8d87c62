"""The audit log (filterable) and the user's API tokens (created, shown once, revoked)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from didhub.accounts import events as audit_log
from didhub.accounts import services as account_services
from didhub.accounts.models import ApiToken
from didhub.core.errors import DomainError
from didhub.web.acting import acting_user
from didhub.web.forms import TokenForm
from didhub.web.views.base import form_errors_from, message_from, portal_view, render_page

EVENT_PAGE = 100
EVENT_FILTERS = ("number", "action", "actor", "account", "after", "before")


@portal_view
def event_list(request):
    """Events the acting user may see, newest first, narrowed by the filters."""
    actor = acting_user(request)
    filters = {key: request.GET[key] for key in EVENT_FILTERS if request.GET.get(key)}
    error = None
    try:
        events = audit_log.event_list(user=actor, filters=filters)
        before_id = request.GET.get("before_id")
        if before_id and before_id.isdigit():
            events = events.filter(id__lt=int(before_id))
        rows = list(events.order_by("-id")[: EVENT_PAGE + 1])
    except DomainError as failure:
        error, rows = failure, []
    more = len(rows) > EVENT_PAGE
    rows = rows[:EVENT_PAGE]
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    context = {
        "section": "events",
        "events": rows,
        "error": error,
        "params": request.GET,
        "next_url": f"?{query}&before_id={rows[-1].id}" if more and rows else None,
    }
    return render_page(
        request, "web/events.html", context, partial="web/partials/events_table.html"
    )


@portal_view
def token_list(request):
    """The signed-in user's own tokens (never another user's, also when acting)."""
    user = request.user
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = account_services.token_create(
                actor=user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
            )
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Token {token.name} is created. Copy it now.")
            form = TokenForm()
    context = {
        "section": "tokens",
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at"),
        "form": form,
        "new_key": new_key,
    }
    return render_page(request, "web/tokens.html", context)


@portal_view
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            account_services.token_revoke(actor=request.user, token=token)
        except DomainError as error:
            message_from(request, error)
        else:
            messages.success(request, f"Token {token.name} is revoked.")
        return redirect("web:token_list")
    context = {
        "section": "tokens",
        "question": (
            f"Revoke the token {token.name} ({token.prefix}…)? Scripts using it stop working."
        ),
        "confirm_label": "Revoke",
        "hidden": [],
        "cancel_url": reverse("web:token_list"),
    }
    return render_page(request, "web/confirm.html", context)
