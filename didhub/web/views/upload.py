"""Upload Phone Numbers (docs/domain.md, "Uploading"): the form, the preview with valid and
invalid rows, Submit, a progress bar while it commits, the result, recent imports.

Reading and validating files is the import engine's work (``didhub.imports.services``);
this module only shapes the form into its arguments and shows what it answers.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import ngettext

from didhub.accounts import selectors as account_selectors
from didhub.accounts.models import Account
from didhub.accounts.policy import Action, allows, check
from didhub.core.errors import DomainError
from didhub.imports import services as import_services
from didhub.imports.choices import ImportState
from didhub.imports.columns import COLUMNS
from didhub.imports.models import Import
from didhub.numbers import attributes
from didhub.numbers.models import Carrier, SmsProfile
from didhub.web.acting import acting_user
from didhub.web.forms import AccountChoiceField, attribute_field
from didhub.web.views.base import (
    form_errors_from,
    may_upload,
    message_from,
    portal_view,
    render_page,
)

LATER = "later"
ERROR_ROWS = 200
IN_PROGRESS = (ImportState.VALIDATING, ImportState.COMMITTING)


class UploadForm(forms.Form):
    """The Bulk Upload Phone Numbers form; one of file, single number or range."""

    mode = forms.ChoiceField(
        choices=[("file", "File"), ("single", "Single"), ("range", "Range")],
        initial="file",
        widget=forms.RadioSelect,
        label="Add Number",
    )
    file = forms.FileField(required=False, label="Upload Phone Numbers", help_text="CSV or XLSX.")
    number = forms.CharField(required=False, label="Phone number", help_text="E.164: +12127881500")
    range_start = forms.CharField(required=False, label="Range start")
    range_end = forms.CharField(required=False, label="Range end")
    voice_carrier = forms.ChoiceField(required=False, label="Voice Carrier Name")
    sms_profile = forms.ChoiceField(required=False, label="SMS Carrier Profile")
    account = AccountChoiceField(queryset=Account.objects.none(), label="Enterprises and Resellers")

    # The columns a single number or a range is given: each field is named, labelled and
    # defaulted by didhub.numbers.attributes and sent as that column's default.
    ATTRIBUTES = ("voice", "sms", "fax", "route", "usage", "cac_limit")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        for key in self.ATTRIBUTES:
            self.fields[key] = attribute_field(key)
        own = actor.account
        carriers = Carrier.objects.usable_by(own).order_by("name")
        profiles = SmsProfile.objects.usable_by(own).select_related("owner")
        self.fields["voice_carrier"].choices = [
            ("", "Default carrier of the reseller"),
            (LATER, "Assign Voice Carrier Later"),
            *[(str(c.pk), c.name) for c in carriers],
        ]
        self.fields["sms_profile"].choices = [
            ("", "Default profile of the reseller"),
            (LATER, "Assign SMS Carrier Later"),
            *[(str(p.pk), f"{p.carrier_name}({p.name}) - ({p.owner.name})") for p in profiles],
        ]
        destinations = account_selectors.upload_destinations(user=actor)
        self.fields["account"].queryset = destinations
        self.fields["account"].initial = own.pk if not own.is_platform else None
        if own.is_enterprise:
            # An enterprise uploads into itself only.
            self.fields["account"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == "file" and not data.get("file"):
            self.add_error("file", "Choose a CSV or XLSX file.")
        if mode == "single" and not data.get("number"):
            self.add_error("number", "Enter the number to add.")
        if mode == "range":
            for name in ("range_start", "range_end"):
                if not data.get(name):
                    self.add_error(name, "Enter the first and last number of the range.")
        if mode in ("single", "range") and all(key in data for key in self.ATTRIBUTES):
            # The rules an upload would apply to every row, said beside the field now.
            values = {key: data[key] for key in self.ATTRIBUTES}
            values["usage"] = values["usage"] or attributes.DEFAULTS["usage"]
            values["cac_limit"] = attributes.cac_for(values["usage"], values["cac_limit"])
            for problem in attributes.problems(values):
                self.add_error(problem.key, problem.message)
        return data

    @property
    def flag_fields(self):
        return [self[key] for key in self.ATTRIBUTES if key in attributes.FLAGS]

    @property
    def value_fields(self):
        return [self[key] for key in self.ATTRIBUTES if key not in attributes.FLAGS]

    def defaults(self) -> dict:
        """The attributes of a single number or a range, as column defaults."""
        data = self.cleaned_data
        if data["mode"] == "file":
            return {}
        return {key: data[key] for key in self.ATTRIBUTES}

    def catalog_choice(self, name: str) -> tuple:
        value = self.cleaned_data.get(name) or ""
        if value == LATER:
            return None, True
        return (int(value) if value else None), False


@portal_view
def upload(request):
    actor = acting_user(request)
    if actor.account.is_platform:
        check(actor, Action.NUMBERS_UPLOAD)
    else:
        check(actor, Action.NUMBERS_UPLOAD, actor.account)
    form = UploadForm(request.POST or None, request.FILES or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        voice_carrier, voice_later = form.catalog_choice("voice_carrier")
        sms_profile, sms_later = form.catalog_choice("sms_profile")
        source = {}
        if data["mode"] == "file":
            source = {"file": data["file"], "file_name": data["file"].name}
        elif data["mode"] == "single":
            source = {"entries": [data["number"]]}
        else:
            source = {"number_range": {"start": data["range_start"], "end": data["range_end"]}}
        try:
            run = import_services.import_create(
                actor=actor,
                account=data["account"],
                voice_carrier=voice_carrier,
                sms_profile=sms_profile,
                voice_carrier_later=voice_later,
                sms_profile_later=sms_later,
                defaults=form.defaults(),
                **source,
            )
        except DomainError as error:
            form_errors_from(form, error)
        else:
            return redirect("web:import_detail", run.pk)
    recent = Import.objects.visible_to(actor).select_related("account").order_by("-created_at")[:10]
    context = {
        "section": "upload",
        "form": form,
        "recent_imports": recent,
        "file_columns": ", ".join(column.header for column in COLUMNS),
    }
    return render_page(request, "web/upload/form.html", context)


def visible_import(actor, pk) -> Import:
    return get_object_or_404(Import.objects.visible_to(actor).select_related("account"), pk=pk)


@portal_view
def import_detail(request, pk):
    """The preview (counts, invalid rows), Submit, progress while working, the result."""
    actor = acting_user(request)
    run = visible_import(actor, pk)
    context = {
        "section": "imports",
        "run": run,
        "errors": run.row_errors.all()[:ERROR_ROWS],
        "more_errors": run.invalid > ERROR_ROWS,
        "in_progress": run.state in IN_PROGRESS,
        "can_commit": run.state == ImportState.READY
        and run.valid > run.present
        and allows(actor, Action.NUMBERS_UPLOAD, run.account),
        "to_import": max(run.valid - run.present, 0),
    }
    return render_page(
        request, "web/upload/detail.html", context, partial="web/upload/_status.html"
    )


@portal_view
def import_commit(request, pk):
    actor = acting_user(request)
    run = visible_import(actor, pk)
    if request.method == "POST":
        try:
            run = import_services.import_commit(actor=actor, import_run=run)
        except DomainError as error:
            message_from(request, error)
        else:
            if run.state == ImportState.DONE:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s number is imported.",
                        "%(count)s numbers are imported.",
                        run.committed,
                    )
                    % {"count": f"{run.committed:,}"},
                )
            else:
                messages.info(request, "The import is running; this page shows its progress.")
    return redirect("web:import_detail", run.pk)


@portal_view
def import_list(request):
    actor = acting_user(request)
    imports = Import.objects.visible_to(actor).select_related("account").order_by("-created_at")
    context = {
        "section": "imports",
        "imports": imports[:100],
        "can_upload": may_upload(actor),
    }
    return render_page(request, "web/upload/list.html", context)
