"""Shapes of platform links, their outbox and call events; rules live in the services.

``credentials`` is write-only everywhere: accepted, never returned.
"""

from rest_framework import serializers

from didhub.accounts.choices import AccountKind
from didhub.accounts.models import Account
from didhub.core.api.fields import VisibleRelatedField
from didhub.sync.choices import CallDirection, Connector, LinkMode, Operation
from didhub.sync.models import OutboxMessage, PlatformLink


def visible_enterprises(user):
    return Account.objects.visible_to(user).filter(kind=AccountKind.ENTERPRISE)


class PlatformLinkSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    has_credentials = serializers.SerializerMethodField()
    queued_changes = serializers.IntegerField(read_only=True, default=0)
    dead_messages = serializers.IntegerField(read_only=True, default=0)
    failures = serializers.IntegerField(
        read_only=True, help_text="Attempts that failed in a row: the platform is down."
    )
    retry_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="While the platform is down: when one message probes it next.",
    )

    class Meta:
        model = PlatformLink
        fields = (
            "id",
            "enterprise",
            "enterprise_name",
            "name",
            "connector",
            "mode",
            "organization_id",
            "location_id",
            "endpoint",
            "has_credentials",
            "status",
            "consented_at",
            "consented_by",
            "consent_expires_at",
            "last_error",
            "last_error_at",
            "last_success_at",
            "failures",
            "retry_at",
            "queued_changes",
            "dead_messages",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_has_credentials(self, link) -> bool:
        return bool(link.credentials)


class PlatformLinkCreateSerializer(serializers.Serializer):
    enterprise = VisibleRelatedField(visible=visible_enterprises)
    connector = serializers.ChoiceField(choices=Connector.choices)
    mode = serializers.ChoiceField(choices=LinkMode.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    organization_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    endpoint = serializers.CharField(max_length=500, required=False, allow_blank=True)
    credentials = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        style={"input_type": "password"},
        help_text="Webhook: whsec_ and the base64 of at least 24 random bytes (generated and "
        "shown once when left empty). "
        "Webex Calling: the partner's access token. Never shown again.",
    )


class PlatformLinkCreatedSerializer(PlatformLinkSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The generated webhook secret, shown this once; empty when you gave one.",
    )

    class Meta(PlatformLinkSerializer.Meta):
        fields = (*PlatformLinkSerializer.Meta.fields, "secret")
        read_only_fields = fields


class PlatformLinkUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    organization_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    endpoint = serializers.CharField(max_length=500, required=False, allow_blank=True)
    credentials = serializers.CharField(
        required=False, write_only=True, style={"input_type": "password"}
    )


class ConsentSerializer(serializers.Serializer):
    token = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The token of a consent link; without it, the enterprise's admin consents.",
    )


class ConsentLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()


class ResyncSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="Numbers whose difference is on its way.")
    superseded_messages = serializers.IntegerField(
        help_text="Dead messages whose numbers this resync took over."
    )
    compared_with = serializers.ChoiceField(
        choices=[
            ("platform", "what the platform listed (Webex Calling)"),
            ("confirmed", "what the platform confirmed to didhub"),
        ],
        help_text="platform: the platform's own list of its numbers was read and compared; "
        "confirmed: the platform cannot be listed (webhooks) or did not answer.",
    )


class ReplaySerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="Dead messages queued again.")


class AssignmentDocumentSerializer(serializers.Serializer):
    channel = serializers.CharField()
    target_kind = serializers.CharField()
    target_name = serializers.CharField()
    target_external_id = serializers.CharField()


class NumberDocumentSerializer(serializers.Serializer):
    """A number as the platforms receive it."""

    e164 = serializers.CharField()
    country_code = serializers.IntegerField()
    region = serializers.CharField()
    number_type = serializers.CharField()
    state = serializers.CharField()
    capabilities = serializers.DictField(child=serializers.BooleanField())
    route = serializers.CharField()
    usage = serializers.CharField()
    cac_limit = serializers.IntegerField()
    voice_carrier = serializers.CharField(allow_null=True)
    sms_profile = serializers.CharField(allow_null=True)
    calling_profile = serializers.CharField(allow_null=True)
    sbc_device = serializers.CharField(allow_null=True)
    sip_connection = serializers.CharField()
    service_info = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    external = serializers.BooleanField()
    assignments = AssignmentDocumentSerializer(many=True)


class NumberItemSerializer(serializers.Serializer):
    e164 = serializers.CharField()
    op = serializers.ChoiceField(choices=Operation.choices)
    seq = serializers.IntegerField(help_text="Grows with every change of the number.")
    changes = serializers.ListField(
        child=serializers.CharField(), help_text="The changes this item sums up, oldest first."
    )
    digest = serializers.CharField(required=False)
    previously_synced = serializers.BooleanField(required=False)
    number = NumberDocumentSerializer(allow_null=True, help_text="Null for op remove.")


class MessageLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization_id = serializers.CharField()
    location_id = serializers.CharField()


class MessageEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MessageDataSerializer(serializers.Serializer):
    link = MessageLinkSerializer()
    enterprise = MessageEnterpriseSerializer()
    numbers = NumberItemSerializer(many=True)


class WebhookMessageSerializer(serializers.Serializer):
    """The body of every webhook request (Standard Webhooks envelope)."""

    type = serializers.ChoiceField(choices=[("numbers.changed", "numbers.changed")])
    timestamp = serializers.DateTimeField()
    data = MessageDataSerializer()


class OutboxMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxMessage
        fields = (
            "id",
            "message_id",
            "message_type",
            "size",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status",
            "last_error",
            "created_at",
            "delivered_at",
        )
        read_only_fields = fields


class CallEventSerializer(serializers.Serializer):
    e164 = serializers.CharField(max_length=40)
    at = serializers.CharField(max_length=40, help_text="ISO 8601 date and time.")
    direction = serializers.ChoiceField(
        choices=CallDirection.choices, required=False, default=CallDirection.INBOUND
    )


class CallEventsResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    applied = serializers.IntegerField(help_text="Events for numbers you can see.")
    unknown = serializers.IntegerField(
        help_text="Events for numbers that do not exist or that you cannot see."
    )
    invalid = serializers.IntegerField()
    numbers_updated = serializers.IntegerField()
    ports_completed = serializers.IntegerField(
        help_text="Numbers porting in whose first call completed their port (now available)."
    )
    errors = serializers.ListField(child=serializers.DictField())
