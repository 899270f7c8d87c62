"""One number: its page, and every action of its Actions menu (docs/lifecycle.md).

Each action is a GET form (or a confirmation page for destructive ones, so that it
works without JavaScript) and a POST that calls one service. A domain error lands
beside the field or as a message; success is confirmed by a message at the top right.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from didhub.core.errors import DomainError, NotVisible, PolicyDenied
from didhub.numbers import selectors, services
from didhub.numbers.choices import NumberState
from didhub.numbers.lineage import References
from didhub.numbers.models import Target
from didhub.numbers.services.actions import PREDICATES
from didhub.web.acting import acting_user
from didhub.web.forms import (
    AssignForm,
    DelegateForm,
    NumberEditForm,
    ReserveForm,
)
from didhub.web.views import released
from didhub.web.views.base import (
    form_errors_from,
    message_from,
    portal_view,
    render_page,
    safe_next,
)


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
    try:
        number = selectors.number_get(user=actor, e164=e164)
    except NotVisible:
        # A number the actor's enterprise released: read-only while it ages (or 404).
        return released.released_detail(request, actor, e164)
    history = released.history_page(actor, number)
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
        # Uploader, carriers and profiles where the actor may read them (lineage.py).
        "shown": References(actor).of(number),
        "channels": channels,
        "history": history,
        # What the services accept now, decided by their predicates (services/actions.py).
        "can": dict.fromkeys(services.number_actions(actor, number), True),
        "release_leaves": release_leaves(number),
    }
    return render_page(request, "web/numbers/detail.html", context)


def release_unassigns(number) -> list[str]:
    """What a release of ``number`` unassigns, one line per target, for its confirmation."""
    lines = [
        f"Unassigned from {a.target.name} ({a.target.get_kind_display()}, "
        f"{a.get_channel_display()} channel)"
        for a in number.assignments.select_related("target").order_by("channel")
    ]
    if number.state == NumberState.RESERVED:
        held = f" for {number.reserved_for.name}" if number.reserved_for_id else ""
        lines.append(f"Its reservation{held} ends")
    return lines


def release_leaves(number) -> str:
    """The release's consequences in one sentence, for the JavaScript dialog."""
    lines = release_unassigns(number)
    return "; ".join(lines) + "." if lines else ""


def run_action(request, number, action_label: str, call) -> bool:
    """Call a service; a success or a domain error becomes a message. True on success."""
    try:
        call()
    except DomainError as error:
        message_from(request, error)
        return False
    messages.success(request, f"{number.e164}: {action_label}.")
    return True


def refused(request, actor, number, action: str):
    """The action's predicate (services/actions.py): a 404 or 403 page when the policy
    refuses, else the number's page with the reason when its state does; None if offered.
    """
    refusal = PREDICATES[action](actor, number, None)
    if refusal is None:
        return None
    if isinstance(refusal, NotVisible | PolicyDenied):
        raise refusal
    message_from(request, refusal)
    return redirect(number_url(number))


def form_action(
    request, e164, *, action, form_class, title, submit, service, form_kwargs=None, done
):
    """A number action with a form: GET shows it, POST calls ``service(form, number)``.

    The action's predicate is asked first, so a refused action shows why instead of a form.
    """
    actor = acting_user(request)
    number = selectors.number_get(user=actor, e164=e164)
    if answer := refused(request, actor, number, action):
        return answer
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
    """Modify Assignments for Phone Number: pick a target, Save Settings (the words
    people know from other calling portals; docs/domain.md, "Assignments and targets")."""
    return form_action(
        request,
        e164,
        action="assign",
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
    """Assign a number to a reseller or enterprise below: a delegation
    (docs/domain.md, "Delegation and reclaim")."""
    return form_action(
        request,
        e164,
        action="delegate",
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
        action="reserve",
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
    if answer := refused(request, actor, number, "update"):
        return answer
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


def confirm_action(request, e164, *, action, question, label, done, call, after=None, details=None):
    """A destructive action: a confirmation page (or the JS dialog), then the service.

    ``details(number)``: what else the action changes, listed on the confirmation.
    """
    actor = acting_user(request)
    number = selectors.number_get(user=actor, e164=e164)
    if answer := refused(request, actor, number, action):
        return answer
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
        "details": details(number) if details else [],
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
        action="unassign",
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
        action="release",
        question=("Release {e164} back to the provider? It ages before anyone can use it again."),
        details=release_unassigns,
        label="Release",
        done="released",
        call=lambda actor, number, **extra: services.number_release(actor=actor, number=number),
        after=lambda number: reverse("web:number_list"),
    )


@portal_view
def number_unreserve(request, e164):
    return confirm_action(
        request,
        e164,
        action="unreserve",
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
        action="reclaim",
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
        action="delete",
        question="Delete {e164} from the inventory? Its history is kept.",
        label="Delete",
        done="deleted",
        call=lambda actor, number, **extra: services.number_delete(actor=actor, number=number),
        after=lambda number: reverse("web:number_list"),
    )


@portal_view
def number_port_complete(request, e164):
    return confirm_action(
        request,
        e164,
        action="port_complete",
        question="Is the port of {e164} complete? It becomes available for use.",
        label="Complete port",
        done="port completed",
        call=lambda actor, number, **extra: services.number_port_complete(
            actor=actor, number=number
        ),
    )


@portal_view
def number_port_cancel(request, e164):
    return confirm_action(
        request,
        e164,
        action="port_cancel",
        question=(
            "Cancel the port of {e164}? The number never arrived: it leaves the inventory "
            "(its history is kept)."
        ),
        label="Cancel port",
        done="port cancelled",
        call=lambda actor, number, **extra: services.number_port_cancel(actor=actor, number=number),
        after=lambda number: reverse("web:number_list"),
    )
