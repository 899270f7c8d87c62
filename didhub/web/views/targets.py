"""Targets (users, trunks, services, groups, SMS groups, agents) and assignments made
from a target's page (seeds/001): a PBX user's number, a trunk's default DID, an SMS
user's DIDs moved between Unassigned and Assigned boxes, then Save Settings."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse

from didhub.core.errors import DomainError, NotVisible
from didhub.core.policy import Action, allows, check
from didhub.numbers import selectors, services
from didhub.numbers.choices import Channel, NumberState, TargetKind
from didhub.numbers.models import Number
from didhub.numbers.rules import TARGET_RULES
from didhub.web.acting import acting_user
from didhub.web.forms import TargetForm
from didhub.web.views.base import form_errors_from, message_from, portal_view, render_page

CHOICE_LIMIT = 500
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
    """A target and its numbers; Save Settings applies the chosen assignment(s)."""
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
        if rule.channel == Channel.VOICE and not request.POST.get("multi"):
            wanted = {value for value in [request.POST.get("number", "")] if value}
        if save_assignments(request, actor, target, rule.channel, assigned, wanted):
            return redirect("web:target_detail", target.pk)
    current = {number.e164 for number in assigned}
    free = [
        number for number in fitting_numbers(target)[:CHOICE_LIMIT] if number.e164 not in current
    ]
    context = {
        "section": "targets",
        "target": target,
        "rule": rule,
        "assigned": assigned,
        "free": free,
        "single": rule.channel == Channel.VOICE,
        "can_assign": can_assign,
        "can_manage": allows(actor, Action.TARGET_MANAGE, target),
    }
    return render_page(request, "web/targets/detail.html", context)


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
