"""One number: its page, and every action of its Actions menu (seeds/001, 003).

Each action is a GET form (or a confirmation page for destructive ones, so that it
works without JavaScript) and a POST that calls one service. A domain error lands
beside the field or as a message; success is confirmed at the top right (seeds/001).
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from didhub.core.errors import DomainError
from didhub.core.policy import Action, allows, check
from didhub.numbers import selectors, services
from didhub.numbers.models import Target
from didhub.web.acting import acting_user
from didhub.web.forms import (
    AssignForm,
    DelegateForm,
    NumberEditForm,
    ReserveForm,
)
from didhub.web.views.base import (
    form_errors_from,
    message_from,
    portal_view,
    render_page,
    safe_next,
)

HISTORY_LIMIT = 200


def number_url(number) -> str:
    return reverse("web:number_detail", args=[number.e164])


def targets_for(actor, number):
    """Targets of the enterprise holding the number (targets live in enterprises)."""
    if not number.owner.is_enterprise:
        return Target.objects.none()
    return selectors.target_list(user=actor).filter(enterprise_id=number.owner_id)


@portal_view
def number_detail(request, e164):
    actor = acting_user(request)
    number = selectors.number_get(user=actor, e164=e164)
    history = list(selectors.number_history(user=actor, number=number)[:HISTORY_LIMIT])
    for event in history:
        event.changes = event_changes(event)
    assignments = {a.channel: a for a in number.assignments.all()}
    channels = [
        {
            "key": key,
            "label": label,
            "capable": getattr(number, key),
            "assignment": assignments.get(key),
        }
        for key, label in (("voice", "Voice"), ("sms", "SMS"), ("fax", "Fax"))
    ]
    context = {
        "section": "numbers",
        "number": number,
        "channels": channels,
        "history": history,
        "can": {
            "assign": allows(actor, Action.NUMBER_ASSIGN, number) and number.owner.is_enterprise,
            "unassign": allows(actor, Action.NUMBER_UNASSIGN, number) and number.is_assigned,
            "delegate": allows(actor, Action.NUMBER_DELEGATE, number),
            "reclaim": allows(actor, Action.NUMBER_RECLAIM, number),
            "reserve": allows(actor, Action.NUMBER_RESERVE, number) and number.state == "available",
            "unreserve": allows(actor, Action.NUMBER_RESERVE, number)
            and number.state == "reserved",
            "release": allows(actor, Action.NUMBER_RELEASE, number)
            and number.owner.is_enterprise
            and number.state != "aging",
            "restore": allows(actor, Action.NUMBER_RESTORE, number) and number.state == "aging",
            "update": allows(actor, Action.NUMBER_UPDATE, number),
            "delete": allows(actor, Action.NUMBER_DELETE, number),
        },
    }
    return render_page(request, "web/numbers/detail.html", context)


def event_changes(event) -> list[tuple[str, object, object]]:
    """``(field, before, after)`` of an event, for the timeline's before/after view."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys]


def run_action(request, number, action_label: str, call) -> bool:
    """Call a service; a success or a domain error becomes a message. True on success."""
    try:
        call()
    except DomainError as error:
        message_from(request, error)
        return False
    messages.success(request, f"{number.e164}: {action_label}.")
    return True


def form_action(
    request, e164, *, action, form_class, title, submit, service, form_kwargs=None, done
):
    """A number action with a form: GET shows it, POST calls ``service(form, number)``.

    The policy is asked first, so a refused action shows why instead of a form.
    """
    actor = acting_user(request)
    number = selectors.number_get(user=actor, e164=e164)
    check(actor, action, number)
    kwargs = form_kwargs(actor, number) if form_kwargs else {}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor, form, number)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, done(form, number))
            return redirect(safe_next(request, number_url(number)))
    context = {
        "section": "numbers",
        "number": number,
        "form": form,
        "title": title,
        "submit": submit,
        "next": safe_next(request, number_url(number)),
    }
    return render_page(request, "web/numbers/action_form.html", context)


@portal_view
def number_assign(request, e164):
    """Modify Assignments for Phone Number (seeds/001): pick a target, Save Settings."""
    return form_action(
        request,
        e164,
        action=Action.NUMBER_ASSIGN,
        form_class=AssignForm,
        title="Modify Assignments for Phone Number",
        submit="Save Settings",
        form_kwargs=lambda actor, number: {"targets": targets_for(actor, number)},
        service=lambda actor, form, number: services.number_assign(
            actor=actor,
            number=number,
            target=form.cleaned_data["target"],
            channel=form.cleaned_data["channel"] or None,
        ),
        done=lambda form, number: f"{number.e164} is assigned to {form.cleaned_data['target']}.",
    )


@portal_view
def number_delegate(request, e164):
    """Assign a number to a reseller or enterprise below (seeds/001: Assign -> account)."""
    return form_action(
        request,
        e164,
        action=Action.NUMBER_DELEGATE,
        form_class=DelegateForm,
        title="Assign to an account",
        submit="Assign",
        form_kwargs=lambda actor, number: {"actor": actor},
        service=lambda actor, form, number: services.numbers_delegate(
            actor=actor, numbers=[number], to_account=form.cleaned_data["to_account"]
        ),
        done=lambda form, number: (
            f"{number.e164} now belongs to {form.cleaned_data['to_account'].name}."
        ),
    )


@portal_view
def number_reserve(request, e164):
    return form_action(
        request,
        e164,
        action=Action.NUMBER_RESERVE,
        form_class=ReserveForm,
        title="Reserve",
        submit="Reserve",
        form_kwargs=lambda actor, number: {"targets": targets_for(actor, number)},
        service=lambda actor, form, number: services.number_reserve(
            actor=actor,
            number=number,
            until=form.cleaned_data["until"],
            target=form.cleaned_data["target"],
        ),
        done=lambda form, number: f"{number.e164} is reserved.",
    )


@portal_view
def number_edit(request, e164):
    """Capabilities, route and carriers (resellers; carriers only while unassigned)."""
    actor = acting_user(request)
    number = selectors.number_get(user=actor, e164=e164)
    check(actor, Action.NUMBER_UPDATE, number)
    initial = {
        "voice": number.voice,
        "sms": number.sms,
        "fax": number.fax,
        "route": number.route,
        "usage": number.usage,
        "cac_limit": number.cac_limit,
        "voice_carrier": number.voice_carrier_id,
        "sms_profile": number.sms_profile_id,
        "calling_profile": number.calling_profile_id,
        "sip_connection": number.sip_connection,
        "service_info": number.service_info,
        "tags": "; ".join(number.tag_list),
    }
    form = NumberEditForm(request.POST or None, initial=initial, owner=number.owner)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(number)
        try:
            if changes:
                services.number_update(actor=actor, number=number, **changes)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{number.e164} is saved.")
            return redirect(safe_next(request, number_url(number)))
    context = {
        "section": "numbers",
        "number": number,
        "form": form,
        "title": "Edit capabilities and carriers",
        "submit": "Save Settings",
        "next": safe_next(request, number_url(number)),
    }
    return render_page(request, "web/numbers/action_form.html", context)


def confirm_action(request, e164, *, action, question, label, done, call, after=None):
    """A destructive action: a confirmation page (or the JS dialog), then the service."""
    actor = acting_user(request)
    number = selectors.number_get(user=actor, e164=e164)
    check(actor, action, number)
    if request.method == "POST" and request.POST.get("confirmed"):
        # The channel comes with the confirm page's form, or in the dialog's URL.
        extra = {"channel": request.POST.get("channel") or request.GET.get("channel") or None}
        ok = run_action(request, number, done, lambda: call(actor, number, **extra))
        target = after(number) if (ok and after) else number_url(number)
        return redirect(safe_next(request, target) if not (ok and after) else target)
    hidden = [("next", safe_next(request, number_url(number)))]
    if request.GET.get("channel"):
        hidden.append(("channel", request.GET["channel"]))
    context = {
        "section": "numbers",
        "question": question.format(e164=number.e164),
        "confirm_label": label,
        "hidden": hidden,
        "cancel_url": number_url(number),
    }
    return render_page(request, "web/confirm.html", context)


@portal_view
def number_unassign(request, e164):
    return confirm_action(
        request,
        e164,
        action=Action.NUMBER_UNASSIGN,
        question="Unassign {e164}? The target keeps existing; the number becomes available.",
        label="Unassign",
        done="unassigned",
        call=lambda actor, number, **extra: services.number_unassign(
            actor=actor, number=number, channel=extra.get("channel")
        ),
    )


@portal_view
def number_release(request, e164):
    return confirm_action(
        request,
        e164,
        action=Action.NUMBER_RELEASE,
        question=(
            "Release {e164} back to the provider? It leaves every target and ages before "
            "anyone can use it again."
        ),
        label="Release",
        done="released",
        call=lambda actor, number, **extra: services.number_release(actor=actor, number=number),
        after=lambda number: reverse("web:number_list"),
    )


@portal_view
def number_restore(request, e164):
    return confirm_action(
        request,
        e164,
        action=Action.NUMBER_RESTORE,
        question="Restore {e164} to its previous owner and targets?",
        label="Restore",
        done="restored",
        call=lambda actor, number, **extra: services.number_restore(actor=actor, number=number),
    )


@portal_view
def number_unreserve(request, e164):
    return confirm_action(
        request,
        e164,
        action=Action.NUMBER_RESERVE,
        question="End the reservation of {e164}?",
        label="End reservation",
        done="no longer reserved",
        call=lambda actor, number, **extra: services.number_unreserve(actor=actor, number=number),
    )


@portal_view
def number_reclaim(request, e164):
    return confirm_action(
        request,
        e164,
        action=Action.NUMBER_RECLAIM,
        question="Reclaim {e164} from the account holding it?",
        label="Reclaim",
        done="reclaimed",
        call=lambda actor, number, **extra: services.numbers_reclaim(actor=actor, numbers=[number]),
    )


@portal_view
def number_delete(request, e164):
    return confirm_action(
        request,
        e164,
        action=Action.NUMBER_DELETE,
        question="Delete {e164} from the inventory? Its history is kept.",
        label="Delete",
        done="deleted",
        call=lambda actor, number, **extra: services.number_delete(actor=actor, number=number),
        after=lambda number: reverse("web:number_list"),
    )
