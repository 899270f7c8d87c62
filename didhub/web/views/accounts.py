"""Accounts: the tree below the acting account, adding and editing resellers and
enterprises, and the account switcher (seeds/002: open an account below as if you
were its administrator)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from didhub.accounts import services as account_services
from didhub.accounts.choices import AccountKind
from didhub.accounts.models import Account
from didhub.core.errors import DomainError
from didhub.core.policy import Action, allows, check
from didhub.web.acting import account_close, account_open, acting_user, is_acting
from didhub.web.forms import AccountForm, AccountSearchForm
from didhub.web.views.base import (
    form_errors_from,
    message_from,
    navigation,
    portal_view,
    render_page,
)

TREE_LIMIT = 500


def visible_account(actor, pk) -> Account:
    return get_object_or_404(Account.objects.visible_to(actor), pk=pk)


@portal_view
def account_list(request):
    """The tree below the acting account, as an indented list (searchable)."""
    actor = acting_user(request)
    form = AccountSearchForm(request.GET or None)
    accounts = Account.objects.visible_to(actor).order_by("path")
    query = form.data.get("q", "").strip() if form.is_bound else ""
    if query:
        accounts = accounts.filter(name__icontains=query)
    rows = list(accounts[: TREE_LIMIT + 1])
    base_depth = actor.account.depth
    for account in rows:
        account.indent = (account.depth - base_depth) * 22
        account.can_edit = allows(actor, Action.ACCOUNT_UPDATE, account)
    context = {
        "section": "accounts",
        "accounts": rows[:TREE_LIMIT],
        "more": len(rows) > TREE_LIMIT,
        "form": form,
        "can_create": allows(actor, Action.ACCOUNT_CREATE_CHILD, actor.account),
    }
    return render_page(request, "web/accounts/list.html", context)


@portal_view
def account_create(request):
    """Add a reseller or enterprise below the acting account (or a chosen parent)."""
    actor = acting_user(request)
    parent = visible_account(actor, request.GET.get("parent") or actor.account_id)
    check(actor, Action.ACCOUNT_CREATE_CHILD, parent)
    form = AccountForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            account = account_services.account_create(
                actor=actor,
                parent=parent,
                name=form.cleaned_data["name"],
                kind=kind,
                **form.settings(kind),
            )
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{account.name} is created.")
            return redirect("web:account_list")
    context = {"section": "accounts", "form": form, "parent": parent, "title": "Add account"}
    return render_page(request, "web/accounts/form.html", context)


@portal_view
def account_edit(request, pk):
    actor = acting_user(request)
    account = visible_account(actor, pk)
    check(actor, Action.ACCOUNT_UPDATE, account)
    initial = {
        "name": account.name,
        "allow_external_numbers": account.allow_external_numbers,
        "stations_purchased": account.stations_purchased,
        "location_country": account.location_country,
        "default_voice_carrier": account.default_voice_carrier_id,
        "default_sms_profile": account.default_sms_profile_id,
        "aging_days": account.aging_days,
    }
    form = AccountForm(
        request.POST or None, initial=initial, parent=account.parent or account, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_services.account_update(
                actor=actor,
                account=account,
                name=form.cleaned_data["name"],
                **form.settings(account.kind),
            )
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{account.name} is saved.")
            return redirect("web:account_list")
    context = {
        "section": "accounts",
        "form": form,
        "account": account,
        "parent": account.parent,
        "title": f"Edit {account.get_kind_display().lower()}",
        "is_enterprise": account.kind == AccountKind.ENTERPRISE,
    }
    return render_page(request, "web/accounts/form.html", context)


@portal_view
def account_delete(request, pk):
    actor = acting_user(request)
    account = visible_account(actor, pk)
    check(actor, Action.ACCOUNT_DELETE, account)
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            account_services.account_delete(actor=actor, account=account)
        except DomainError as error:
            message_from(request, error)
        else:
            messages.success(request, f"{account.name} is deleted.")
        return redirect("web:account_list")
    context = {
        "section": "accounts",
        "question": f"Delete {account.name}? Only an empty account can be deleted.",
        "confirm_label": "Delete",
        "hidden": [],
        "cancel_url": reverse("web:account_list"),
    }
    return render_page(request, "web/confirm.html", context)


@portal_view
def account_switch(request):
    """Pick an account below your own to open (seeds/002)."""
    form = AccountSearchForm(request.GET or None)
    query = form.data.get("q", "").strip() if form.is_bound else ""
    accounts = Account.objects.subtree_of(request.user.account).order_by("path")
    if query:
        accounts = accounts.filter(name__icontains=query)
    rows = list(accounts[:TREE_LIMIT])
    base_depth = request.user.account.depth
    for account in rows:
        account.indent = (account.depth - base_depth) * 22
    context = {"section": "accounts", "accounts": rows, "form": form}
    return render_page(request, "web/accounts/switch.html", context)


@require_POST
@portal_view
def account_switch_open(request, pk):
    account = account_open(request, pk)
    if account.pk == request.user.account_id:
        messages.success(request, f"Back to {account.name}.")
    else:
        messages.success(request, f"You are working in {account.name}.")
    return redirect("web:dashboard")


@require_POST
@portal_view
def account_switch_close(request):
    account_close(request)
    messages.success(request, f"Back to {request.user.account.name}.")
    return redirect("web:dashboard")


@portal_view
def password_changed(request):
    messages.success(request, "Your password is changed.")
    return redirect("web:dashboard")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change, inside the portal's layout."""

    template_name = "web/registration/password_change.html"
    success_url = reverse_lazy("web:password_changed")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actor = acting_user(self.request)
        context.update(actor=actor, acting=is_acting(actor), nav=navigation(actor))
        return context
