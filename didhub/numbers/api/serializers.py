"""Shapes of numbers, targets and the catalog in the API.

Validation here is of shapes only (types, choices, lengths); every rule (who may,
what fits, what conflicts) is the services' answer.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from didhub.accounts.api.serializers import visible_accounts
from didhub.core.api.fields import MAX_ID, VisibleRelatedField
from didhub.numbers import attributes
from didhub.numbers.api.rows import MOMENTS, PLAIN, assignment_item, document, tag_list
from didhub.numbers.choices import Channel, TargetKind
from didhub.numbers.filtersets import NumberFilterSet
from didhub.numbers.lineage import References
from didhub.numbers.models import CallingProfile, Carrier, Number, SmsProfile, Target
from didhub.numbers.rules import TARGET_RULES
from didhub.numbers.services.actions import ACTION_DESCRIPTIONS, NUMBER_ACTIONS, number_actions
from didhub.numbers.services.bulk import ACTIONS as BULK_ACTIONS


def visible_targets(user):
    return Target.objects.visible_to(user)


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TargetRefSerializer(RefSerializer):
    kind = serializers.ChoiceField(choices=TargetKind.choices)


class AssignmentSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    target = TargetRefSerializer()
    service = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_service(self, assignment) -> str:
        return TARGET_RULES[assignment.target_kind].service


def ref(obj, label=None):
    if obj is None:
        return None
    return {"id": obj.pk, "name": label if label is not None else obj.name}


class NumberSerializer(serializers.ModelSerializer):
    """A number with everything its page shows: owner, carriers, assignments, state.

    Needs the request in its context: the uploader, carriers and profiles are shown
    only where the viewer may read them (``didhub.numbers.lineage``), else null.
    """

    owner = serializers.SerializerMethodField()
    uploaded_by = serializers.SerializerMethodField()
    voice_carrier = serializers.SerializerMethodField()
    sms_profile = serializers.SerializerMethodField()
    calling_profile = serializers.SerializerMethodField()
    reserved_for = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Number
        fields = (
            "id",
            "e164",
            "country_code",
            "region",
            "number_type",
            "voice",
            "sms",
            "fax",
            "route",
            "usage",
            "cac_limit",
            "voice_carrier",
            "sms_profile",
            "calling_profile",
            "sip_connection",
            "service_info",
            "tags",
            "owner",
            "uploaded_by",
            "external",
            "state",
            "assignments",
            "services",
            "reserved_until",
            "reserved_for",
            "aging_until",
            "activity",
            "last_call_at",
            "sync_state",
            "sync_error",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def references(self) -> References:
        """The viewer's ``References``, one for the whole answer (list rows share it)."""
        found = self.context.get("references")
        if found is None:
            request = self.context.get("request")
            found = self.context["references"] = References(getattr(request, "user", None))
        return found

    @extend_schema_field(RefSerializer)
    def get_owner(self, number):
        return ref(number.owner)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_uploaded_by(self, number):
        """Null when the uploader is not on the viewer's line of the tree."""
        return ref(self.references().account(number.uploaded_by))

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_voice_carrier(self, number):
        return ref(self.references().entry(number.voice_carrier))

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_sms_profile(self, number):
        profile = self.references().entry(number.sms_profile)
        return ref(profile, str(profile) if profile else None)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_calling_profile(self, number):
        return ref(self.references().entry(number.calling_profile))

    @extend_schema_field(TargetRefSerializer(allow_null=True))
    def get_reserved_for(self, number):
        target = number.reserved_for
        return (
            None if target is None else {"id": target.pk, "name": target.name, "kind": target.kind}
        )

    def get_tags(self, number) -> list[str]:
        return tag_list(number.tags)

    def get_services(self, number) -> list[str]:
        """Derived from the assignments (PBX, CallApp, ET, OC, SMS ...)."""
        labels = []
        for assignment in number.assignments.all():
            label = TARGET_RULES[assignment.target_kind].service
            if label not in labels:
                labels.append(label)
        return labels

    def to_representation(self, number):
        """The same fields as declared, built by ``rows.document``, the one home of the
        shape that the list builds from plain values."""
        assignments = [
            assignment_item(
                assignment.channel,
                assignment.target.pk,
                assignment.target.name,
                assignment.target.kind,
                assignment.target_kind,
                assignment.created_at,
            )
            for assignment in number.assignments.all()
        ]
        row = {name: getattr(number, name) for name in (*PLAIN, *MOMENTS, "tags")}
        links = {
            "owner": ref(number.owner),
            "uploaded_by": self.get_uploaded_by(number),
            "voice_carrier": self.get_voice_carrier(number),
            "sms_profile": self.get_sms_profile(number),
            "calling_profile": self.get_calling_profile(number),
            "reserved_for": self.get_reserved_for(number),
            "assignments": assignments,
        }
        return document(row, links)


ACTIONS_HELP = (
    "What you may do to this number now; the services accept exactly these. "
    + ("; ".join(f"`{name}`: {ACTION_DESCRIPTIONS[name]}" for name in NUMBER_ACTIONS))
    + "."
)


class NumberDetailSerializer(NumberSerializer):
    """One number, with the actions its viewer may take on it now (``number_actions``)."""

    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=NUMBER_ACTIONS),
        read_only=True,
        help_text=ACTIONS_HELP,
    )

    class Meta(NumberSerializer.Meta):
        fields = (*NumberSerializer.Meta.fields, "actions")
        read_only_fields = fields

    def to_representation(self, number):
        data = super().to_representation(number)
        data["actions"] = number_actions(self.context["request"].user, number)
        return data


class CatalogIdField(serializers.IntegerField):
    """A carrier or profile id; the service decides whether the number may use it."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, allow_null=True, required=False, **kwargs)


class NumberUpdateSerializer(serializers.Serializer):
    """A change of a number's attributes; choices and limits are those of
    ``didhub.numbers.attributes``, and the service judges the result with its rules."""

    voice = serializers.BooleanField(required=False)
    sms = serializers.BooleanField(required=False)
    fax = serializers.BooleanField(required=False)
    route = serializers.ChoiceField(choices=[("", "None"), *attributes.ROUTES], required=False)
    usage = serializers.ChoiceField(choices=attributes.USAGES, required=False)
    cac_limit = serializers.IntegerField(min_value=1, max_value=attributes.MAX_CAC, required=False)
    voice_carrier = CatalogIdField(help_text="Carrier id, or null for none.")
    sms_profile = CatalogIdField(help_text="SMS carrier profile id, or null for none.")
    calling_profile = CatalogIdField(help_text="Calling profile id, or null for none.")
    sip_connection = serializers.CharField(
        max_length=attributes.TEXT_LIMITS["sip_connection"], allow_blank=True, required=False
    )
    service_info = serializers.CharField(
        max_length=attributes.TEXT_LIMITS["service_info"], allow_blank=True, required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=50, required=False
    )


class AssignSerializer(serializers.Serializer):
    target = VisibleRelatedField(visible=visible_targets, help_text="Target id.")
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        allow_null=True,
        help_text="Defaults from the target's kind (voice for users and trunks, sms for "
        "SMS groups, fax for fax targets).",
    )


class UnassignSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_null=True, help_text="Omit for all."
    )


class ReserveSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="When the reservation expires.")
    target = VisibleRelatedField(
        visible=visible_targets, required=False, allow_null=True, help_text="Held for."
    )


class UnassignedSerializer(serializers.Serializer):
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))
    number = NumberSerializer()


# Digits, with the + (or the space a query string turns an unencoded + into).
AT_E164_PATTERN = r"^[+ ]?[0-9]{1,15}$"


class AtQuerySerializer(serializers.Serializer):
    e164 = serializers.RegexField(AT_E164_PATTERN, max_length=16)
    when = serializers.DateTimeField()


@extend_schema_field(OpenApiTypes.OBJECT)
class FilterField(serializers.DictField):
    """The list's filters as an object, e.g. ``{"search": "available_voice"}``.

    A name that is not one of the list's filters is refused: a list ignores what it does
    not know, but a bulk action given ``{"tagg": "spare"}`` would otherwise act on every
    number the caller holds.
    """

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        known = NumberFilterSet.base_filters
        if unknown := sorted(name for name in value if name not in known):
            raise serializers.ValidationError(
                f"Unknown filter: {', '.join(unknown)}. The filters are those of the number "
                f"list: {', '.join(sorted(known))}."
            )
        return value


class BulkSerializer(serializers.Serializer):
    """One all-or-nothing action over many numbers, listed or selected by filter."""

    one_of_required = (("numbers",), ("filter",))  # the schema's oneOf (core/api/schema.py)
    # The field each action cannot do without: validate() refuses its absence (or null)
    # and the schema says so (core/api/schema.py), from this one mapping.
    required_when = (
        "action",
        {
            "delegate": "to_account",
            "assign": "target",
            "update": "changes",
            "tags_add": "tags",
            "tags_remove": "tags",
            "reserve": "until",
        },
    )

    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    numbers = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        min_length=1,
        max_length=100_000,
        help_text="E.164 numbers (with or without +).",
    )
    filter = FilterField(
        required=False, help_text="The number list's filters; every matching number."
    )
    to_account = VisibleRelatedField(
        visible=visible_accounts,
        required=False,
        allow_null=True,
        help_text="delegate (required) and reclaim (default: your account).",
    )
    target = VisibleRelatedField(
        visible=visible_targets,
        required=False,
        help_text="assign: the target; reserve: the target it is held for (optional).",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_null=True, help_text="assign, unassign."
    )
    changes = NumberUpdateSerializer(required=False, help_text="update: the attributes to set.")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        min_length=1,
        help_text="tags_add, tags_remove: the tags.",
    )
    until = serializers.DateTimeField(required=False, help_text="reserve: the end of the hold.")

    def validate(self, data):
        if ("numbers" in data) == ("filter" in data):
            raise serializers.ValidationError(
                {"numbers": "Give either numbers or filter, not both and not neither."}
            )
        discriminator, required = self.required_when
        if (field := required.get(data[discriminator])) and data.get(field) is None:
            raise serializers.ValidationError({field: f"{data['action']} needs {field}."})
        return data

    def params(self) -> dict:
        """The action's parameters, as ``numbers_bulk`` takes them."""
        data = self.validated_data
        action = data["action"]
        if action in ("delegate", "reclaim"):
            return {"to_account": data.get("to_account")}
        if action == "assign":
            return {"target": data["target"], "channel": data.get("channel")}
        if action in ("tags_add", "tags_remove"):
            return {"tags": data["tags"]}
        if action == "reserve":
            return {"until": data["until"], "target": data.get("target")}
        if action == "unassign":
            return {"channel": data.get("channel")}
        if action == "update":
            return dict(data["changes"])
        return {}


class BulkResultSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    count = serializers.IntegerField(help_text="How many numbers the action changed.")
    channels_freed = serializers.IntegerField(
        required=False, help_text="unassign: how many assignments ended."
    )


class TargetSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    # Plain text out: an empty email is "", which an email format would refuse.
    email = serializers.CharField(read_only=True)
    channel = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = (
            "id",
            "enterprise",
            "kind",
            "channel",
            "name",
            "external_id",
            "email",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(RefSerializer)
    def get_enterprise(self, target):
        return ref(target.enterprise)

    def get_channel(self, target) -> str:
        return TARGET_RULES[target.kind].channel


class TargetCreateSerializer(serializers.Serializer):
    enterprise = VisibleRelatedField(visible=visible_accounts, help_text="Enterprise id.")
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    name = serializers.CharField(max_length=200)
    external_id = serializers.CharField(max_length=200, allow_blank=True, required=False)
    email = serializers.EmailField(allow_blank=True, required=False)


class TargetUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    external_id = serializers.CharField(max_length=200, allow_blank=True, required=False)
    email = serializers.EmailField(allow_blank=True, required=False)


class CarrierSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Carrier
        fields = ("id", "owner", "name", "created_at")
        read_only_fields = fields


class SmsProfileSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    label = serializers.SerializerMethodField()

    class Meta:
        model = SmsProfile
        fields = ("id", "owner", "carrier_name", "name", "label", "created_at")
        read_only_fields = fields

    def get_label(self, profile) -> str:
        """As the portal shows it: ``Bandwidth(BW for Testing) - (Demo Company)``."""
        return str(profile)


class CallingProfileSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = CallingProfile
        fields = ("id", "owner", "name", "sbc_device", "created_at")
        read_only_fields = fields


class CarrierWriteSerializer(serializers.Serializer):
    owner = VisibleRelatedField(
        visible=visible_accounts, required=False, help_text="Owning account (default: yours)."
    )
    name = serializers.CharField(max_length=100)


class SmsProfileWriteSerializer(CarrierWriteSerializer):
    carrier_name = serializers.CharField(max_length=100)


class CallingProfileWriteSerializer(CarrierWriteSerializer):
    sbc_device = serializers.CharField(max_length=200, allow_blank=True, required=False)
