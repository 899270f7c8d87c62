"""Carriers, SMS carrier profiles and calling profiles: owned by an account, usable
below it; resellers manage them, everyone below sees them."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from didhub.accounts.policy import Action, allows, check
from didhub.core.errors import DomainError
from didhub.numbers import selectors, services
from didhub.web.acting import acting_user
from didhub.web.forms import CallingProfileForm, CarrierForm, SmsProfileForm
from didhub.web.views.base import form_errors_from, message_from, portal_view, render_page


@dataclass(frozen=True)
class Kind:
    label: str
    form: type
    list_selector: str
    create: str
    update: str
    delete: str
    object_arg: str


KINDS = {
    "carriers": Kind(
        "Voice carrier",
        CarrierForm,
        "carrier_list",
        "carrier_create",
        "carrier_update",
        "carrier_delete",
        "carrier",
    ),
    "sms-profiles": Kind(
        "SMS carrier profile",
        SmsProfileForm,
        "sms_profile_list",
        "sms_profile_create",
        "sms_profile_update",
        "sms_profile_delete",
        "sms_profile",
    ),
    "calling-profiles": Kind(
        "Calling profile",
        CallingProfileForm,
        "calling_profile_list",
        "calling_profile_create",
        "calling_profile_update",
        "calling_profile_delete",
        "calling_profile",
    ),
}


def kind_of(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such catalog.")
    return KINDS[slug]


def catalog_object(actor, kind: Kind, pk):
    obj = getattr(selectors, kind.list_selector)(user=actor).filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found.")
    return obj


@portal_view
def catalog(request):
    actor = acting_user(request)
    sections = []
    for slug, kind in KINDS.items():
        rows = list(
            getattr(selectors, kind.list_selector)(user=actor).select_related("owner")[:500]
        )
        for row in rows:
            row.can_manage = allows(actor, Action.CATALOG_MANAGE, row)
        sections.append({"slug": slug, "kind": kind, "rows": rows})
    context = {
        "section": "catalog",
        "sections": sections,
        "can_create": allows(actor, Action.CATALOG_MANAGE, actor.account),
    }
    return render_page(request, "web/catalog/list.html", context)


@portal_view
def catalog_create(request, slug):
    actor = acting_user(request)
    kind = kind_of(slug)
    check(actor, Action.CATALOG_MANAGE, actor.account)
    form = kind.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            getattr(services, kind.create)(actor=actor, owner=actor.account, **form.cleaned_data)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{kind.label} {form.cleaned_data['name']} is created.")
            return redirect("web:catalog")
    context = {"section": "catalog", "form": form, "title": f"Add {kind.label.lower()}"}
    return render_page(request, "web/catalog/form.html", context)


@portal_view
def catalog_edit(request, slug, pk):
    actor = acting_user(request)
    kind = kind_of(slug)
    obj = catalog_object(actor, kind, pk)
    check(actor, Action.CATALOG_MANAGE, obj)
    initial = {name: getattr(obj, name) for name in kind.form.base_fields}
    form = kind.form(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            getattr(services, kind.update)(
                actor=actor, **{kind.object_arg: obj}, **form.cleaned_data
            )
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{kind.label} is saved.")
            return redirect("web:catalog")
    context = {
        "section": "catalog",
        "form": form,
        "title": f"Edit {kind.label.lower()}",
        "delete_url": reverse("web:catalog_delete", args=[slug, obj.pk]),
    }
    return render_page(request, "web/catalog/form.html", context)


@portal_view
def catalog_delete(request, slug, pk):
    actor = acting_user(request)
    kind = kind_of(slug)
    obj = catalog_object(actor, kind, pk)
    check(actor, Action.CATALOG_MANAGE, obj)
    if request.method == "POST" and request.POST.get("confirmed"):
        try:
            getattr(services, kind.delete)(actor=actor, **{kind.object_arg: obj})
        except DomainError as error:
            message_from(request, error)
        else:
            messages.success(request, f"{kind.label} {obj} is deleted.")
        return redirect("web:catalog")
    context = {
        "section": "catalog",
        "question": f"Delete {kind.label.lower()} {obj}?",
        "confirm_label": "Delete",
        "hidden": [],
        "cancel_url": reverse("web:catalog"),
    }
    return render_page(request, "web/confirm.html", context)
