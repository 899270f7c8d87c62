"""Bulk actions and exports of the selected rows, or of every row the filter matches.

All or nothing: ``numbers_bulk`` changes every number or none, and its refusals come
back one per number (the first ``REFUSALS_LISTED``, with the count of all), shown as a
list on the confirmation page. "Select all N matching" hands the service the list's
filter, so a million numbers are one request; the confirmation names the action, the
count and the first numbers it will change.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import redirect

from didhub.core.errors import DomainError
from didhub.numbers import attributes, e164, selectors, services
from didhub.numbers.choices import Channel, Route, Usage
from didhub.numbers.models import Assignment, Carrier, Number, SmsProfile, Target
from didhub.web.acting import acting_user, is_acting
from didhub.web.forms import DelegateForm, ReserveForm, SmsProfileChoiceField, UnassignForm
from didhub.web.views.base import portal_view, render_page
from didhub.web.views.numbers import number_filters

ACTION_LABELS = {
    "delegate": ("Assign to an account", "Assign"),
    "reclaim": ("Reclaim", "Reclaim"),
    "unassign": ("Unassign", "Unassign"),
    "release": ("Release", "Release"),
    "update": ("Edit capabilities and carriers", "Save Settings"),
    "tags_add": ("Add tags", "Add tags"),
    "tags_remove": ("Remove tags", "Remove tags"),
    "reserve": ("Reserve", "Reserve"),
    "delete": ("Delete", "Delete"),
    "port_complete": ("Complete port", "Complete port"),
    "port_cancel": ("Cancel port", "Cancel port"),
}
# A release's confirmation lists this many of the assignments it ends, then counts the rest.
LISTED_ASSIGNMENTS = 200
# The confirmation of "every matching number" shows this many of them, then counts.
LISTED_NUMBERS = 20
# Refusals shown on the page (the service lists up to REFUSALS_LISTED and counts all).
SHOWN_REFUSALS = 200
EXPORT_FORMATS = ("csv", "xlsx", "pdf")


class BulkUpdateForm(forms.Form):
    """Attributes to set on every selected number; empty fields stay as they are."""

    route = forms.ChoiceField(choices=[("", "Leave as it is"), *Route.choices], required=False)
    usage = forms.ChoiceField(choices=[("", "Leave as it is"), *Usage.choices], required=False)
    voice_carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.none(), required=False, empty_label="Leave as it is"
    )
    sms_profile = SmsProfileChoiceField(
        queryset=SmsProfile.objects.none(), required=False, empty_label="Leave as it is"
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voice_carrier"].queryset = Carrier.objects.usable_by(actor.account)
        self.fields["sms_profile"].queryset = SmsProfile.objects.usable_by(
            actor.account
        ).select_related("owner")

    def params(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class TagsForm(forms.Form):
    tags = forms.CharField(
        max_length=attributes.TEXT_LIMITS["tags"],
        help_text="Several tags separated by ;",
        label="Tags",
    )

    def params(self) -> dict:
        return {"tags": self.cleaned_data["tags"]}


class BulkReserveForm(ReserveForm):
    def params(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value is not None}


def form_for(action, data, actor):
    if action in ("tags_add", "tags_remove"):
        return TagsForm(data)
    if action == "reserve":
        return BulkReserveForm(data, targets=Target.objects.visible_to(actor).order_by("name"))
    if action == "delegate":
        return DelegateForm(data, actor=actor)
    if action == "reclaim":
        return None
    if action == "unassign":
        form = UnassignForm(data)
        form.fields["channel"].choices = [("", "Every channel"), *Channel.choices]
        return form
    if action == "update":
        return BulkUpdateForm(data, actor=actor)
    return None


def selection(request, actor):
    """The chosen numbers: E.164 texts, or the queryset of every number the filter matches."""
    if request.POST.get("all_matching"):
        filters = number_filters(QueryDict(request.POST.get("filter_query", "")))
        return selectors.number_list(user=actor, filters=filters), True
    return request.POST.getlist("numbers"), False


@portal_view
def number_bulk(request):
    actor = acting_user(request)
    if request.method != "POST":
        return redirect("web:number_list")
    action = request.POST.get("action", "")
    if action not in ACTION_LABELS:
        messages.error(request, "Choose an action for the selected numbers.")
        return redirect("web:number_list")
    try:
        numbers, all_matching = selection(request, actor)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("web:number_list")
    if not all_matching and not numbers:
        messages.error(request, "Select at least one number, or every matching number.")
        return redirect("web:number_list")
    confirmed = bool(request.POST.get("confirmed"))
    form = form_for(action, request.POST if confirmed else None, actor)
    errors, unlisted = [], 0
    if confirmed and (form is None or form.is_valid()):
        params = {}
        if form is not None:
            params = form.params() if hasattr(form, "params") else dict(form.cleaned_data)
            if action == "unassign":
                params["channel"] = params.get("channel") or None
        try:
            result = services.numbers_bulk(actor=actor, action=action, numbers=numbers, **params)
        except DomainError as error:
            errors = [
                f"{item.row}: {item.message}" if item.row is not None else item.message
                for item in error.errors
            ] or [str(error)]
            total = getattr(error, "errors_total", None) or len(errors)
            unlisted = total - min(len(errors), SHOWN_REFUSALS)
            messages.error(request, f"Nothing was changed. {error}")
        else:
            count = result.get("count", 0)
            messages.success(
                request,
                f"{ACTION_LABELS[action][0]}: {count:,} number{'s' if count != 1 else ''} done.",
            )
            return redirect(f"{_list_url()}?{request.POST.get('filter_query', '')}")
    count = numbers.count() if all_matching else len(numbers)
    first = (
        list(numbers.order_by("e164").values_list("e164", flat=True)[:LISTED_NUMBERS])
        if (all_matching)
        else []
    )
    unassigns = release_unassigns(actor, numbers) if action == "release" else None
    context = {
        "section": "numbers",
        "action": action,
        "title": ACTION_LABELS[action][0],
        "submit": ACTION_LABELS[action][1],
        "form": form,
        "count": count,
        "numbers": [] if all_matching else numbers,
        "all_matching": all_matching,
        "filter_query": request.POST.get("filter_query", ""),
        "errors": errors[:SHOWN_REFUSALS],
        "unlisted_errors": unlisted,
        "first_numbers": first,
        "more_numbers": max(count - len(first), 0),
        "destructive": action in ("delete", "release", "reclaim", "unassign", "port_cancel"),
        "unassigns": unassigns,
    }
    return render_page(request, "web/numbers/bulk.html", context)


def release_unassigns(actor, numbers) -> dict:
    """What releasing ``numbers`` unassigns, by target, for the confirmation page.

    ``numbers``: the filter's queryset or the selected E.164 texts; only numbers the
    actor can see are read, so a foreign target is never named. The first
    ``LISTED_ASSIGNMENTS`` are listed and the rest are counted.
    """
    if isinstance(numbers, QuerySet):
        chosen = numbers
    else:
        texts = []
        for text in numbers:
            try:
                texts.append(e164.normalize(text))
            except e164.NumberError:
                continue
        chosen = Number.objects.visible_to(actor).filter(e164__in=texts)
    assignments = Assignment.objects.filter(number__in=chosen.values("pk"))
    total = assignments.count()
    listed = assignments.select_related("target", "number").order_by("target__name", "number__e164")
    by_target: dict[tuple, list[str]] = {}
    for assignment in listed[:LISTED_ASSIGNMENTS]:
        target = assignment.target
        key = (target.name, target.get_kind_display(), target.pk)
        by_target.setdefault(key, []).append(assignment.number.e164)
    targets = [
        {"name": name, "kind": kind, "numbers": numbers}
        for (name, kind, _), numbers in by_target.items()
    ]
    return {"targets": targets, "total": total, "more": total - min(total, LISTED_ASSIGNMENTS)}


def _list_url() -> str:
    from django.urls import reverse

    return reverse("web:number_list")


@portal_view
def number_export_selection(request):
    """Export the selected rows (or everything matching) through the API export route."""
    actor = acting_user(request)
    fmt = request.POST.get("format", "csv")
    fmt = fmt if fmt in EXPORT_FORMATS else "csv"
    if request.POST.get("all_matching") or not request.POST.getlist("numbers"):
        query = number_filters(QueryDict(request.POST.get("filter_query", "")))
    else:
        query = {"numbers": ",".join(request.POST.getlist("numbers"))}
    if is_acting(actor):
        # The export answers for the signed-in user; keep it to the opened account.
        query.setdefault("owner", str(actor.account_id))
    return redirect(f"/api/v1/numbers/export.{fmt}?{urlencode(query)}")
