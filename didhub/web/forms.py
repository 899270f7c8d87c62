"""The portal's forms: they shape input for the services and show errors beside fields.

Forms hold no business rule; choices are read through the visibility gate so that a
form never offers what the acting user cannot see.
"""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from didhub.accounts import selectors as account_selectors
from didhub.accounts.backends import REFUSAL_ATTRIBUTE
from didhub.accounts.choices import AccountKind, TokenScope
from didhub.accounts.models import Account
from didhub.accounts.signin import SignInThrottle, locked_message
from didhub.numbers import attributes
from didhub.numbers.choices import Channel, TargetKind
from didhub.numbers.models import CallingProfile, Carrier, SmsProfile, Target
from didhub.sync.choices import Connector, LinkMode


class LoginForm(AuthenticationForm):
    """Sign-in, refused while the email or the client address is locked by failures
    (``didhub.accounts.signin``), and for users switched off (``accounts.backends``)."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        throttle = SignInThrottle(self.request, email)
        if minutes := throttle.attempt():
            raise forms.ValidationError(locked_message(minutes), code="locked")
        self.user_cache = authenticate(self.request, username=email, password=password)
        if self.user_cache is None:
            if refusal := getattr(self.request, REFUSAL_ATTRIBUTE, None):
                # The password was right: the person may learn that access is switched off.
                throttle.release()
                raise forms.ValidationError(refusal, code="inactive")
            raise self.get_invalid_login_error()  # the attempt stays counted: a failure
        throttle.release()
        throttle.forget_email_failures()
        return self.cleaned_data


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class SmsProfileChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Bandwidth(BW for Testing) - (Demo Company): docs/domain.md, "Carriers and profiles"
        return f"{obj.carrier_name}({obj.name}) - ({obj.owner.name})"


def below_accounts(actor):
    """Accounts the actor can hand numbers to: its subtree without itself and the root."""
    return (
        account_selectors.accounts_visible_to(actor)
        .exclude(pk=actor.account_id)
        .exclude(kind=AccountKind.PLATFORM)
        .order_by("path")
    )


class DelegateForm(forms.Form):
    to_account = AccountChoiceField(queryset=Account.objects.none(), label="Reseller or enterprise")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_account"].queryset = below_accounts(actor)


class AssignForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Target.objects.none(), label="Target")
    channel = forms.ChoiceField(
        choices=[("", "From the target's kind"), *Channel.choices],
        required=False,
        help_text="Voice for users and trunks, SMS for SMS users and groups, unless you choose.",
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets
        self.fields["target"].label_from_instance = lambda t: f"{t.name} ({t.get_kind_display()})"


class UnassignForm(forms.Form):
    channel = forms.ChoiceField(choices=[("", "Every channel"), *Channel.choices], required=False)


class ReserveForm(forms.Form):
    until = forms.DateTimeField(
        label="Reserved until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    target = forms.ModelChoiceField(
        queryset=Target.objects.none(), required=False, label="Held for (optional)"
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


def attribute_field(key: str, *, required: bool = False) -> forms.Field:
    """The form field of a number attribute: its label, choices, limit and default are
    those of ``didhub.numbers.attributes``, so a form offers exactly what the rules take
    and its defaults can always be submitted."""
    attribute = attributes.BY_KEY[key]
    options = {"label": attribute.label, "initial": attribute.default, "required": required}
    if attribute.kind == "flag":
        return forms.BooleanField(**{**options, "required": False})
    if attribute.kind == "route":
        return forms.ChoiceField(choices=[("", "None"), *attributes.ROUTES], **options)
    if attribute.kind == "usage":
        return forms.ChoiceField(choices=attributes.USAGES, **options)
    if attribute.kind == "cac":
        return forms.IntegerField(
            min_value=1,
            max_value=attribute.limit,
            help_text=f"Concurrent calls; always {attributes.USER_CAC_LIMIT} for usage User.",
            **options,
        )
    help_text = "Separated by ;" if attribute.kind == "tags" else ""
    return forms.CharField(max_length=attribute.limit, help_text=help_text, **options)


class NumberEditForm(forms.Form):
    """Capabilities, route and carriers (resellers; carriers only while unassigned)."""

    voice = attribute_field("voice")
    sms = attribute_field("sms")
    fax = attribute_field("fax")
    route = attribute_field("route")
    usage = attribute_field("usage", required=True)
    cac_limit = attribute_field("cac_limit", required=True)
    voice_carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.none(), required=False, empty_label="Assign Voice Carrier Later"
    )
    sms_profile = SmsProfileChoiceField(
        queryset=SmsProfile.objects.none(),
        required=False,
        empty_label="Assign SMS Carrier Later",
        label="SMS carrier profile",
    )
    calling_profile = forms.ModelChoiceField(
        queryset=CallingProfile.objects.none(), required=False, empty_label="None"
    )
    sip_connection = attribute_field("sip_connection")
    service_info = attribute_field("service_info")
    tags = attribute_field("tags")

    def __init__(self, *args, owner: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voice_carrier"].queryset = Carrier.objects.usable_by(owner)
        self.fields["sms_profile"].queryset = SmsProfile.objects.usable_by(owner).select_related(
            "owner"
        )
        self.fields["calling_profile"].queryset = CallingProfile.objects.usable_by(owner)

    def changes(self, number) -> dict:
        """Only what changed, so that carrier rules apply only to carrier changes."""
        data = dict(self.cleaned_data)
        data["tags"] = [tag.strip() for tag in data["tags"].split(";") if tag.strip()]
        current = {
            "voice": number.voice,
            "sms": number.sms,
            "fax": number.fax,
            "route": number.route,
            "usage": number.usage,
            "cac_limit": number.cac_limit,
            "voice_carrier": number.voice_carrier,
            "sms_profile": number.sms_profile,
            "calling_profile": number.calling_profile,
            "sip_connection": number.sip_connection,
            "service_info": number.service_info,
            "tags": number.tag_list,
        }
        return {key: value for key, value in data.items() if current.get(key) != value}


class AccountForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(
        choices=[(AccountKind.RESELLER, "Reseller"), (AccountKind.ENTERPRISE, "Enterprise")]
    )
    allow_external_numbers = forms.BooleanField(
        required=False,
        help_text="Enterprises only: its administrators may upload their own numbers.",
    )
    stations_purchased = forms.IntegerField(
        required=False, min_value=0, help_text="Enterprises only; empty means no quota."
    )
    location_country = forms.CharField(
        required=False, max_length=2, help_text="Two letters, e.g. IT: numbers must carry +39."
    )
    default_voice_carrier = forms.ModelChoiceField(queryset=Carrier.objects.none(), required=False)
    default_sms_profile = SmsProfileChoiceField(
        queryset=SmsProfile.objects.none(), required=False, label="Default SMS carrier profile"
    )
    aging_days = forms.IntegerField(min_value=0, initial=90, help_text="Quarantine after release.")

    def __init__(self, *args, uses: Account, editing: bool = False, **kwargs):
        """``uses``: the account whose usable catalog the defaults are chosen from (the
        account edited, or the parent of a new one, which owns nothing yet)."""
        super().__init__(*args, **kwargs)
        self.fields["default_voice_carrier"].queryset = Carrier.objects.usable_by(uses)
        self.fields["default_sms_profile"].queryset = SmsProfile.objects.usable_by(
            uses
        ).select_related("owner")
        if editing:
            del self.fields["kind"]

    def settings(self, kind: str) -> dict:
        """The account's settings for the services (the name is passed on its own)."""
        data = dict(self.cleaned_data)
        data.pop("kind", None)
        data.pop("name", None)
        data["location_country"] = data["location_country"].strip().upper()
        if kind != AccountKind.ENTERPRISE:
            data["allow_external_numbers"] = False
            data["stations_purchased"] = None
        return data


class TargetForm(forms.Form):
    kind = forms.ChoiceField(choices=TargetKind.choices)
    name = forms.CharField(max_length=200)
    external_id = forms.CharField(required=False, label="External id")
    email = forms.EmailField(required=False)
    enterprise = forms.ModelChoiceField(queryset=Account.objects.none())

    def __init__(self, *args, actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = account_selectors.accounts_visible_to(actor).filter(
            kind=AccountKind.ENTERPRISE
        )
        self.fields["enterprise"].queryset = enterprises.order_by("name")
        if actor.account.is_enterprise or editing:
            del self.fields["enterprise"]
        if editing:
            del self.fields["kind"]


class CarrierForm(forms.Form):
    name = forms.CharField(max_length=100)


class SmsProfileForm(forms.Form):
    carrier_name = forms.CharField(max_length=100, label="Underlying carrier")
    name = forms.CharField(max_length=100, label="Profile name")


class CallingProfileForm(forms.Form):
    name = forms.CharField(max_length=100)
    sbc_device = forms.CharField(max_length=200, required=False, label="SBC device")


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scope = forms.ChoiceField(choices=TokenScope.choices)


def credentials_field(help_text: str) -> forms.CharField:
    """Write-only: never rendered back, and not filled in by the browser's password store."""
    return forms.CharField(
        required=False,
        strip=True,
        label="Credentials",
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class LinkForm(forms.Form):
    """A platform link (docs/sync.md); the service checks what each connector needs."""

    enterprise = forms.ModelChoiceField(queryset=Account.objects.none())
    connector = forms.ChoiceField(choices=Connector.choices)
    mode = forms.ChoiceField(
        choices=LinkMode.choices,
        help_text="Integrated: consent was given through the consent API and numbers sync at "
        "once. Non-integrated: the customer consents first.",
    )
    name = forms.CharField(max_length=200, required=False)
    organization_id = forms.CharField(
        max_length=200, required=False, label="Organization id", help_text="Webex Calling."
    )
    location_id = forms.CharField(
        max_length=200, required=False, label="Location id", help_text="Webex Calling."
    )
    endpoint = forms.CharField(max_length=500, required=False, help_text="Webhook: the URL.")
    credentials = credentials_field(
        "Webhook: whsec_ and the base64 of at least 24 random bytes, or leave empty to have "
        "one generated and shown once. "
        "Webex Calling: the partner's access token. Never shown again."
    )

    def __init__(self, *args, actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = account_selectors.accounts_visible_to(actor).filter(
            kind=AccountKind.ENTERPRISE
        )
        self.fields["enterprise"].queryset = enterprises.order_by("name")
        if editing:
            for name in ("enterprise", "connector", "mode"):
                del self.fields[name]
            self.fields[
                "credentials"
            ].help_text = "Leave empty to keep the current credentials; they are never shown."

    def changes(self, link) -> dict:
        """The edited fields that differ from the link; credentials only when typed."""
        data = dict(self.cleaned_data)
        credentials = data.pop("credentials")
        changed = {name: value for name, value in data.items() if getattr(link, name) != value}
        if credentials:
            changed["credentials"] = credentials
        return changed


class AccountSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Account name")
