"""Targets (users, trunks, services, groups, SMS groups, agents) and assignments made
from a target's page (docs/domain.md, "Assignments and targets"): a PBX user's number,
a trunk's default DID, an SMS user's DIDs moved between Unassigned and Assigned boxes,
then Save Settings."""

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse

from didhub.accounts.policy import Action, allows, check
from didhub.core.errors import DomainError, NotVisible
from didhub.numbers import selectors, services
from didhub.numbers.choices import NumberState, TargetKind
from didhub.numbers.models import Assignment, Number
from didhub.numbers.rules import TARGET_RULES
from didhub.web.acting import acting_user
from didhub.web.forms import TargetForm
from didhub.web.views.base import form_errors_from, message_from, portal_view, render_page

# Free numbers a target's picker lists at once; a search finds the others.
CHOICE_LIMIT = 50
LIST_LIMIT = 500


def get_target(actor, pk):
    try:
        return selectors.target_get(user=actor, pk=pk)
    except NotVisible:
        raise
    except (ValueError, TypeError) as error:
        raise NotVisible("Not found.", code="not_found") from error


def fitting_numbers(target):
    """Numbers of the target's enterprise that fit its kind and are free on its channel."""
    rule = TARGET_RULES[target.kind]
    condition = Q(owner_id=target.enterprise_id, **{rule.capability: True})
    condition &= Q(**{f"{rule.channel}_target_kind": ""})
    condition &= Q(state__in=[NumberState.AVAILABLE, NumberState.ASSIGNED]) | Q(
        state=NumberState.RESERVED, reserved_for=target
    )
    if rule.routes is not None:
        condition &= Q(route__in=rule.routes)
    if rule.usages is not None:
        condition &= Q(usage__in=rule.usages)
    return Number.objects.filter(condition).order_by("e164")


@dataclass
class FreeNumbers:
    """The first fitting free numbers matching a search, and how many match in all."""

    numbers: list
    total: int
    query: str

    @property
    def more(self) -> int:
        return self.total - len(self.numbers)


def free_numbers(target, query: str, *, exclude=()) -> FreeNumbers:
    """Fitting free numbers whose digits contain ``query`` (the picker's search)."""
    query = query.strip()
    numbers = fitting_numbers(target).exclude(pk__in=list(exclude))
    digits = "".join(ch for ch in query if ch.isdigit())
    if digits:
        numbers = numbers.filter(e164__contains=digits)
    return FreeNumbers(numbers=list(numbers[:CHOICE_LIMIT]), total=numbers.count(), query=query)


@portal_view
def target_numbers(request, pk):
    """``?q=digits``: the target picker's free numbers (htmx swaps them in)."""
    actor = acting_user(request)
    target = get_target(actor, pk)
    check(actor, Action.NUMBER_ASSIGN, target)
    assigned = Assignment.objects.filter(
        target=target, channel=TARGET_RULES[target.kind].channel
    ).values_list("number_id", flat=True)
    picker = free_numbers(target, request.GET.get("q", ""), exclude=assigned)
    return render_page(request, "web/targets/_free_numbers.html", {"picker": picker})


@portal_view
def target_list(request):
    actor = acting_user(request)
    filters = {key: value for key, value in request.GET.items() if value}
    targets = selectors.target_list(user=actor, filters=filters).select_related("enterprise")
    rows = list(targets[: LIST_LIMIT + 1])
    context = {
        "section": "targets",
        "targets": rows[:LIST_LIMIT],
        "more": len(rows) > LIST_LIMIT,
        "kinds": TargetKind.choices,
        "params": request.GET,
        "can_create": allows(actor, Action.TARGET_MANAGE)
        and (not actor.account.is_enterprise or allows(actor, Action.TARGET_MANAGE, actor.account)),
    }
    return render_page(request, "web/targets/list.html", context, partial="web/targets/_rows.html")


@portal_view
def target_create(request):
    actor = acting_user(request)
    form = TargetForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        enterprise = form.cleaned_data.get("enterprise") or actor.account
        try:
            target = services.target_create(
                actor=actor,
                enterprise=enterprise,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                external_id=form.cleaned_data["external_id"],
                email=form.cleaned_data["email"],
            )
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{target.name} is created.")
            return redirect("web:target_detail", target.pk)
    context = {"section": "targets", "form": form, "title": "Add target"}
    return render_page(request, "web/targets/form.html", context)


@portal_view
def target_edit(request, pk):
    actor = acting_user(request)
    target = get_target(actor, pk)
    check(actor, Action.TARGET_MANAGE, target)
    initial = {"name": target.name, "external_id": target.external_id, "email": target.email}
    form = TargetForm(request.POST or None, initial=initial, actor=actor, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_update(actor=actor, target=target, **form.cleaned_data)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{target.name} is saved.")
            return redirect("web:target_detail", target.pk)
    context = {"section": "targets", "form": form, "title": f"Edit {target.name}", "target": target}
    return render_page(request, "web/targets/form.html", context)


@portal_view
def target_delete(request, pk):
    actor = acting_user(request)
    target = get_target(actor, pk)
    check(actor, Action.TARGET_MANAGE, target)
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            services.target_delete(actor=actor, target=target)
        except DomainError as error:
            message_from(request, error)
            return redirect("web:target_detail", target.pk)
        messages.success(request, f"{target.name} is deleted.")
        return redirect("web:target_list")
    context = {
        "section": "targets",
        "question": f"Delete {target.name}?",
        "confirm_label": "Delete",
        "hidden": [],
        "cancel_url": reverse("web:target_detail", args=[target.pk]),
    }
    return render_page(request, "web/confirm.html", context)


@portal_view
def target_detail(request, pk):
    """A target and its numbers; Save Settings applies the chosen assignments.

    Every kind of target may hold several numbers on its channel (a PBX user with a
    direct line and a fax-to-mail line on voice, a trunk's DIDs), so one form for all:
    the Assigned box lists every number the target holds, selected, and keeps what
    stays selected. Saving a form that takes a number away asks first, naming it.
    """
    actor = acting_user(request)
    target = get_target(actor, pk)
    rule = TARGET_RULES[target.kind]
    assigned = list(
        Number.objects.filter(
            assignments__target=target, assignments__channel=rule.channel
        ).order_by("e164")
    )
    can_assign = allows(actor, Action.NUMBER_ASSIGN, target)
    if request.method == "POST":
        check(actor, Action.NUMBER_ASSIGN, target)
        wanted = set(request.POST.getlist("assigned"))
        leaving = [number.e164 for number in assigned if number.e164 not in wanted]
        if leaving and not request.POST.get("confirmed"):
            return confirm_removal(request, target, sorted(wanted), leaving)
        if save_assignments(request, actor, target, rule.channel, assigned, wanted):
            return redirect("web:target_detail", target.pk)
    picker = free_numbers(target, request.GET.get("q", ""), exclude=[n.pk for n in assigned])
    context = {
        "section": "targets",
        "target": target,
        "rule": rule,
        "assigned": assigned,
        "free": picker.numbers,
        "picker": picker,
        "can_assign": can_assign,
        "can_manage": allows(actor, Action.TARGET_MANAGE, target),
    }
    return render_page(request, "web/targets/detail.html", context)


def confirm_removal(request, target, wanted: list[str], leaving: list[str]):
    """Save Settings would unassign numbers: say which, and save only when confirmed."""
    current = set(leaving)
    added = [e164 for e164 in wanted if e164 not in current]
    details = [f"Unassigned from {target.name}: {e164}" for e164 in leaving]
    details += [f"Assigned to {target.name}: {e164}" for e164 in added]
    context = {
        "section": "targets",
        "question": f"Save the numbers of {target.name}?",
        "details": details,
        "confirm_label": "Save Settings",
        "hidden": [("assigned", e164) for e164 in wanted],
        "cancel_url": target_url(target),
    }
    return render_page(request, "web/confirm.html", context)


def save_assignments(request, actor, target, channel, assigned, wanted: set[str]) -> bool:
    """Make ``wanted`` the target's numbers on ``channel``: all of it or none of it."""
    current = {number.e164: number for number in assigned}
    removed = [current[e164] for e164 in current if e164 not in wanted]
    added = sorted(wanted - set(current))
    if not removed and not added:
        messages.info(request, "Nothing changed.")
        return True
    try:
        with transaction.atomic():
            for number in removed:
                services.number_unassign(actor=actor, number=number, channel=channel)
            for e164 in added:
                number = selectors.number_get(user=actor, e164=e164)
                services.number_assign(actor=actor, number=number, target=target, channel=channel)
    except DomainError as error:
        message_from(request, error)
        return False
    parts = []
    if added:
        parts.append(f"assigned {', '.join(added)}")
    if removed:
        parts.append(f"unassigned {', '.join(number.e164 for number in removed)}")
    messages.success(request, f"{target.name}: {' and '.join(parts)}.")
    return True


def target_url(target) -> str:
    return reverse("web:target_detail", args=[target.pk])
