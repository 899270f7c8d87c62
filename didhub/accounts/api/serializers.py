"""Shapes of accounts and tokens in the API; the rules live in ``accounts.services``.

An account's default carrier and SMS profile are kept by the numbers app; their fields
join the account serializers through ``didhub.accounts.parts`` (:class:`WithParts`).
"""

from rest_framework import serializers

from didhub.accounts import parts
from didhub.accounts.choices import AccountKind, Role, TokenScope
from didhub.accounts.models import Account, ApiToken, User
from didhub.core.api.fields import VisibleRelatedField


# Adds the fields of the settings other apps keep (``accounts.parts``), after the setting
# each follows; ``writable`` picks the fields that take input. A comment, not a docstring:
# the schema would give it to every account serializer as its description.
class WithParts:
    writable = False

    def get_fields(self):
        return parts.with_api_fields(super().get_fields(), writable=self.writable)


def visible_accounts(user):
    return Account.objects.visible_to(user)


SETTINGS_FIELDS = (
    "allow_external_numbers",
    "stations_purchased",
    "location_country",
    "aging_days",
    "is_active",
)


class AccountSerializer(WithParts, serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Account
        fields = (
            "id",
            "name",
            "kind",
            "parent",
            "path",
            "depth",
            *SETTINGS_FIELDS,
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class AccountSettingsSerializer(WithParts, serializers.Serializer):
    """Writable settings of an account; which of them a user may set is policy's answer."""

    writable = True

    name = serializers.CharField(max_length=200)
    allow_external_numbers = serializers.BooleanField(
        help_text="Enterprises only: may upload their own numbers."
    )
    stations_purchased = serializers.IntegerField(
        min_value=0,
        max_value=2_147_483_647,
        allow_null=True,
        help_text="Enterprises only: stations bought; null means no quota.",
    )
    location_country = serializers.CharField(
        max_length=2, allow_blank=True, help_text="ISO country code, e.g. US."
    )
    aging_days = serializers.IntegerField(min_value=0, max_value=3650)
    is_active = serializers.BooleanField()


class AccountCreateSerializer(AccountSettingsSerializer):
    parent = VisibleRelatedField(visible=visible_accounts, help_text="The account above it.")
    kind = serializers.ChoiceField(choices=[AccountKind.RESELLER, AccountKind.ENTERPRISE])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (*SETTINGS_FIELDS, *parts.field_names()):
            self.fields[name].required = False


class AccountUpdateSerializer(AccountSettingsSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = (
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        )
        read_only_fields = fields


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TokenCreatedSerializer(TokenSerializer):
    key = serializers.CharField(help_text="The secret key; shown in this answer only.")

    class Meta(TokenSerializer.Meta):
        fields = (*TokenSerializer.Meta.fields, "key")
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    is_active = serializers.BooleanField(
        read_only=True,
        help_text="False once deactivated: the user cannot sign in and its tokens are revoked.",
    )

    class Meta:
        model = User
        fields = ("id", "email", "name", "account", "account_name", "role", "is_active")
        read_only_fields = fields


class UserUpdateSerializer(serializers.Serializer):
    """What an administrator changes of a user: its name, its role, its access."""

    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    role = serializers.ChoiceField(
        choices=Role.choices,
        required=False,
        help_text="One of the roles of the user's kind of account.",
    )
    is_active = serializers.BooleanField(
        required=False,
        help_text="false deactivates the user (sign-in refused, every token revoked); "
        "true reactivates it (tokens stay revoked).",
    )
