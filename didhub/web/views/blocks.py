"""Blocks: contiguous runs of numbers with their utilization (how many of the block
are in the inventory, assigned, free, and who holds them), added and deleted here.

The figures are ``selectors.block_utilization``'s: one grouped range scan of the
unique E.164 index per block, counting only numbers the actor may see.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from didhub.accounts import selectors as account_selectors
from didhub.accounts.models import Account
from didhub.accounts.policy import Action, allows, check
from didhub.core.errors import DomainError
from didhub.numbers import selectors, services
from didhub.numbers.models import Block
from didhub.web.acting import acting_user
from didhub.web.forms import AccountChoiceField
from didhub.web.views.base import form_errors_from, message_from, portal_view, render_page

BLOCK_PAGE = 25


class BlockForm(forms.Form):
    owner = AccountChoiceField(queryset=Account.objects.none(), label="Account")
    start = forms.CharField(
        label="First number", max_length=32, help_text="E.164, e.g. +12125550100."
    )
    end = forms.CharField(label="Last number", max_length=32)
    name = forms.CharField(label="Name", max_length=200, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        limit = settings.DIDHUB_MAX_RANGE
        self.fields["end"].help_text = f"Same length; at most {limit:,} numbers."


def block_owners(actor):
    """Accounts the actor may create blocks for: those the policy lets it upload into."""
    accounts = account_selectors.account_tree(user=actor)
    allowed = [account.pk for account in accounts if allows(actor, Action.NUMBERS_UPLOAD, account)]
    return accounts.filter(pk__in=allowed)


def visible_block(actor, pk) -> Block:
    return get_object_or_404(Block.objects.visible_to(actor).select_related("owner"), pk=pk)


@portal_view
def block_list(request):
    """Blocks of the actor's subtree by first number, a page at a time, with utilization."""
    actor = acting_user(request)
    blocks = Block.objects.visible_to(actor).select_related("owner").order_by("start")
    query = request.GET.get("q", "").strip()
    if query:
        blocks = blocks.filter(name__icontains=query) | blocks.filter(start__startswith=query)
    after = request.GET.get("after", "")
    total = blocks.count()
    page = list((blocks.filter(start__gt=after) if after else blocks)[: BLOCK_PAGE + 1])
    more = len(page) > BLOCK_PAGE
    page = page[:BLOCK_PAGE]
    rows = [(block, selectors.block_utilization(user=actor, block=block)) for block in page]
    may_create = allows(actor, Action.NUMBERS_UPLOAD)
    form = None
    if may_create:
        form = BlockForm(
            request.POST or None, owners=block_owners(actor), initial={"owner": actor.account_id}
        )
        if request.method == "POST" and form.is_valid():
            try:
                block = services.block_create(
                    actor=actor,
                    owner=form.cleaned_data["owner"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    name=form.cleaned_data["name"],
                )
            except DomainError as error:
                form_errors_from(form, error)
            else:
                messages.success(request, f"Block {block.start}..{block.end} is created.")
                return redirect("web:block_detail", block.pk)
    context = {
        "section": "blocks",
        "rows": rows,
        "total": total,
        "query": query,
        "next_url": f"?q={query}&after={page[-1].start}" if more and page else None,
        "form": form,
    }
    return render_page(request, "web/blocks/list.html", context)


@portal_view
def block_detail(request, pk):
    actor = acting_user(request)
    block = visible_block(actor, pk)
    context = {
        "section": "blocks",
        # Not "block": the template engine names the {% block %} being rendered so.
        "item": block,
        "usage": selectors.block_utilization(user=actor, block=block),
        "can_delete": allows(actor, Action.NUMBERS_UPLOAD, block.owner),
    }
    return render_page(request, "web/blocks/detail.html", context)


@portal_view
def block_delete(request, pk):
    actor = acting_user(request)
    block = visible_block(actor, pk)
    check(actor, Action.NUMBERS_UPLOAD, block.owner)
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            services.block_delete(actor=actor, block=block)
        except DomainError as error:
            message_from(request, error)
            return redirect("web:block_detail", block.pk)
        messages.success(request, f"Block {block.start}..{block.end} is deleted; its numbers stay.")
        return redirect("web:block_list")
    context = {
        "section": "blocks",
        "question": (
            f"Delete the block {block.start}..{block.end}? Its numbers stay in the inventory."
        ),
        "confirm_label": "Delete",
        "hidden": [],
        "cancel_url": reverse("web:block_detail", args=[block.pk]),
    }
    return render_page(request, "web/confirm.html", context)
