"""What every portal view shares: the acting user, rendering, and domain errors.

Views stay thin: they read a form, call a service or selector with the acting user, and
turn what comes back into a page. A domain error (``didhub.core.errors``) becomes a
404, a refusal page, a field error or a message, never a 500.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from didhub.accounts.policy import Action, allows
from didhub.core.errors import DomainError, NotVisible, PolicyDenied
from didhub.web.acting import acting_user, is_acting


def portal_view(view):
    """Signed-in only; a foreign or missing object is a 404, a refusal a 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotVisible as error:
            raise Http404(str(error)) from error
        except PolicyDenied as error:
            return render_page(request, "web/refused.html", {"reason": str(error)}, status=403)

    return wrapper


def navigation(actor) -> list[dict]:
    """The menu, showing only what the actor's role allows on its account."""
    account = actor.account
    items = [
        {"name": "dashboard", "label": "Dashboard", "url": "web:dashboard", "icon": "home"},
        {"name": "numbers", "label": "Phone Numbers", "url": "web:number_list", "icon": "phone"},
    ]
    if may_upload(actor):
        items.append({"name": "upload", "label": "Upload", "url": "web:upload", "icon": "upload"})
    items.append({"name": "imports", "label": "Imports", "url": "web:import_list", "icon": "list"})
    if not account.is_enterprise:
        items.append(
            {"name": "accounts", "label": "Accounts", "url": "web:account_list", "icon": "tree"}
        )
    items.append({"name": "users", "label": "Users", "url": "web:user_list", "icon": "user"})
    items.append({"name": "targets", "label": "Targets", "url": "web:target_list", "icon": "user"})
    # Every role reads the links of its subtree; the list offers only what it may change.
    items.append(
        {"name": "links", "label": "Platform links", "url": "web:link_list", "icon": "link"}
    )
    items.append(
        {"name": "catalog", "label": "Carriers & profiles", "url": "web:catalog", "icon": "tag"}
    )
    items.append({"name": "blocks", "label": "Blocks", "url": "web:block_list", "icon": "blocks"})
    items.append(
        {"name": "number_at", "label": "Point in time", "url": "web:number_at", "icon": "history"}
    )
    items.append({"name": "events", "label": "Audit log", "url": "web:event_list", "icon": "clock"})
    items.append({"name": "tokens", "label": "API tokens", "url": "web:token_list", "icon": "key"})
    return items


def may_upload(actor) -> bool:
    """May open the upload page: into its own account, or (platform) into one below."""
    if actor.account.is_platform:
        return allows(actor, Action.NUMBERS_UPLOAD)
    return allows(actor, Action.NUMBERS_UPLOAD, actor.account)


def render_page(request, template, context=None, *, partial=None, status=200):
    """Render a full page, or only ``partial`` when htmx asks for a fragment."""
    actor = acting_user(request) if request.user.is_authenticated else None
    context = dict(context or {})
    if actor is not None:
        context.setdefault("actor", actor)
        context["acting"] = is_acting(actor)
        context["nav"] = navigation(actor)
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, partial, context, status=status)
    return render(request, template, context, status=status)


def form_errors_from(form, error: DomainError) -> None:
    """Put a domain error's items beside the form's fields, or above the form."""
    placed = False
    for item in error.errors:
        if item.field and item.field in form.fields:
            form.add_error(item.field, item.message)
            placed = True
        elif item.row is not None:
            form.add_error(None, f"{item.row}: {item.message}")
            placed = True
    if not placed:
        form.add_error(None, str(error))


def message_from(request, error: DomainError) -> None:
    """A domain error as a message at the top of the next page."""
    details = [
        f"{item.row}: {item.message}" if item.row is not None else item.message
        for item in error.errors[:5]
        if item.message != str(error)
    ]
    text = str(error) + (" " + " · ".join(details) if details else "")
    messages.error(request, text)


def safe_next(request, default: str) -> str:
    """Where to go after a form: a same-site ``next`` or the default."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def back(request, default: str):
    return redirect(safe_next(request, default))
