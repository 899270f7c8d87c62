"""Accounts: the tree below the acting account, adding and editing resellers and
enterprises, and the account switcher (open an account below as if you were its
administrator; docs/domain.md, "Acting for an account below")."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from didhub.accounts import selectors as account_selectors
from didhub.accounts import selectors as user_selectors
from didhub.accounts import services as account_services
from didhub.accounts.access import switched_off_among
from didhub.accounts.choices import AccountKind
from didhub.accounts.models import Account, User
from didhub.accounts.policy import Action, allows, check
from didhub.core.errors import DomainError
from didhub.numbers import account_defaults
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
# Accounts per page of Switch account (the rest are one "Next" away, and searchable).
SWITCH_PAGE = 100


def visible_account(actor, pk) -> Account:
    return get_object_or_404(account_selectors.accounts_visible_to(actor), pk=pk)


@portal_view
def account_list(request):
    """The tree below the acting account, as an indented list (searchable)."""
    actor = acting_user(request)
    form = AccountSearchForm(request.GET or None)
    query = form.data.get("q", "").strip() if form.is_bound else ""
    accounts = account_selectors.account_tree(user=actor, query=query)
    rows = list(accounts[: TREE_LIMIT + 1])
    base_depth = actor.account.depth
    switched_off = switched_off_among(rows)
    for account in rows:
        account.indent = (account.depth - base_depth) * 22
        account.can_edit = allows(actor, Action.ACCOUNT_UPDATE, account)
        account.switched_off = account.pk in switched_off
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
    form = AccountForm(request.POST or None, uses=parent)
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
        **account_defaults.stored(account),
        "aging_days": account.aging_days,
    }
    form = AccountForm(request.POST or None, initial=initial, uses=account, editing=True)
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


def account_activation(request, pk, *, active: bool):
    """Deactivate (or reactivate) an account below the acting one, after a confirmation.

    Deactivating switches off sign-in and every token of the account and of everything
    below it; its numbers stay where they are. Reactivating restores both.
    """
    actor = acting_user(request)
    account = visible_account(actor, pk)
    check(actor, Action.ACCOUNT_UPDATE, account)
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            account_services.account_update(actor=actor, account=account, is_active=active)
        except DomainError as error:
            message_from(request, error)
        else:
            done = "reactivated" if active else "deactivated"
            messages.success(request, f"{account.name} is {done}.")
        return redirect("web:account_list")
    if active:
        question = f"Reactivate {account.name}? Its users can sign in and use their tokens again."
    else:
        below = account_selectors.accounts_below(account).count()
        people = User.objects.filter(account__path__startswith=account.path, is_active=True)
        question = (
            f"Deactivate {account.name}? Nobody in it"
            + (f" or in the {below:,} account{'s' if below != 1 else ''} below it" if below else "")
            + f" can sign in or use an API token until it is reactivated "
            f"({people.count():,} active user{'s' if people.count() != 1 else ''}). "
            "Its numbers stay in the inventory."
        )
    context = {
        "section": "accounts",
        "question": question,
        "confirm_label": "Reactivate" if active else "Deactivate",
        "hidden": [],
        "cancel_url": reverse("web:account_list"),
    }
    return render_page(request, "web/confirm.html", context)


@portal_view
def account_deactivate(request, pk):
    return account_activation(request, pk, active=False)


@portal_view
def account_reactivate(request, pk):
    return account_activation(request, pk, active=True)


USERS_PER_PAGE = 100


@portal_view
def user_list(request):
    """The people of the acting account and the accounts below it (``?account=`` narrows
    to one account), with deactivate and reactivate where the policy allows."""
    actor = acting_user(request)
    filters = {key: request.GET[key] for key in ("account", "q") if request.GET.get(key)}
    if "account" in filters:
        filters["account_exact"] = True
    try:
        users = user_selectors.user_list(user=actor, filters=filters).order_by(
            "account__path", "email"
        )
    except DomainError as error:
        message_from(request, error)
        users = user_selectors.users_visible_to(actor).none()
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    for person in page:
        person.can_manage = allows(actor, Action.USER_MANAGE, person)
    account = None
    if "account" in filters and str(filters["account"]).isdigit():
        visible = account_selectors.accounts_visible_to(actor)
        account = visible.filter(pk=filters["account"]).first()
    context = {
        "section": "users",
        "page": page,
        "account": account,
        "query": filters.get("q", ""),
        "switched_off": switched_off_among({person.account for person in page}),
    }
    return render_page(request, "web/accounts/users.html", context)


def user_activation(request, pk, *, active: bool):
    actor = acting_user(request)
    person = get_object_or_404(user_selectors.users_visible_to(actor), pk=pk)
    check(actor, Action.USER_MANAGE, person)
    back_to = f"{reverse('web:user_list')}?account={person.account_id}"
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            account_services.user_update(actor=actor, user=person, is_active=active)
        except DomainError as error:
            message_from(request, error)
        else:
            if active:
                messages.success(request, f"{person.email} is reactivated and can sign in again.")
            else:
                messages.success(
                    request,
                    f"{person.email} is deactivated: signed out, and every API token revoked.",
                )
        return redirect(back_to)
    if active:
        question = (
            f"Reactivate {person.email}? They sign in with their password again; "
            "their revoked API tokens stay revoked."
        )
    else:
        tokens = person.tokens.filter(revoked_at__isnull=True).count()
        question = (
            f"Deactivate {person.email} ({person.get_role_display()} of {person.account.name})? "
            f"They are signed out at their next click and their {tokens:,} active API "
            f"token{'s' if tokens != 1 else ''} {'are' if tokens != 1 else 'is'} revoked."
        )
    context = {
        "section": "users",
        "question": question,
        "confirm_label": "Reactivate" if active else "Deactivate",
        "hidden": [],
        "cancel_url": back_to,
    }
    return render_page(request, "web/confirm.html", context)


@portal_view
def user_deactivate(request, pk):
    return user_activation(request, pk, active=False)


@portal_view
def user_reactivate(request, pk):
    return user_activation(request, pk, active=True)


@portal_view
def account_switch(request):
    """Pick an account below your own to open (docs/domain.md, "Acting for an account below")."""
    form = AccountSearchForm(request.GET or None)
    query = form.data.get("q", "").strip() if form.is_bound else ""
    accounts = account_selectors.switchable_accounts(user=request.user, query=query)
    # Pages in tree order, after the last path shown: every account is reachable.
    total = accounts.count()
    after = request.GET.get("after", "")
    page = accounts.filter(path__gt=after) if after else accounts
    rows = list(page[: SWITCH_PAGE + 1])
    more = len(rows) > SWITCH_PAGE
    rows = rows[:SWITCH_PAGE]
    base_depth = request.user.account.depth
    for account in rows:
        account.indent = (account.depth - base_depth) * 22
    next_query = urlencode({"q": query, "after": rows[-1].path}) if more and rows else None
    context = {
        "section": "accounts",
        "accounts": rows,
        "form": form,
        "total": total,
        "paged": bool(after),
        "next_url": f"?{next_query}" if next_query else None,
    }
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
