"""What numbers adds to the accounts of the API: the default carrier and SMS profile
fields (``numbers.account_defaults``), and an account's inventory of numbers.

The account routes themselves are the accounts app's (``didhub.accounts.api``); it
cannot import numbers, so the defaults' fields come through ``didhub.accounts.parts``.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from didhub.accounts.models import Account
from didhub.core.api.fields import VisibleRelatedField
from didhub.core.api.schema import problems
from didhub.core.api.views import ApiGenericView, visible_object
from didhub.numbers import selectors
from didhub.numbers.account_defaults import COLUMNS, MODELS
from didhub.numbers.selectors.catalog import catalog_visible


def visible_catalog(model):
    """Catalog rows a user may name: those it may see. Whether the account being set
    may use one is the service's answer (``account_update``), a 400 naming the field."""

    def visible(user):
        return catalog_visible(model, user)

    return visible


def default_fields(writable: bool) -> dict:
    """``default_voice_carrier`` and ``default_sms_profile``: ids, null when unset."""
    if writable:
        return {
            field: VisibleRelatedField(visible=visible_catalog(model), allow_null=True)
            for field, model in MODELS.items()
        }
    return {
        field: serializers.PrimaryKeyRelatedField(
            source=f"number_defaults.{column}", read_only=True, allow_null=True
        )
        for field, column in COLUMNS.items()
    }


CAPABILITY_COUNTS = inline_serializer(
    "CapabilityCounts",
    fields={
        "owned": serializers.IntegerField(),
        "assigned": serializers.IntegerField(),
        "available": serializers.IntegerField(),
        "aging": serializers.IntegerField(),
        "reserved": serializers.IntegerField(),
    },
)


class AccountInventoryView(ApiGenericView):
    @extend_schema(
        operation_id="accounts_inventory",
        summary="Stations and numbers of an account's subtree",
        description="Stations purchased / in use / available (enterprises), and numbers "
        "owned / assigned / available / aging / reserved, in total and by capability.",
        responses={
            200: inline_serializer(
                "AccountInventory",
                fields={
                    "account": serializers.IntegerField(),
                    "stations": inline_serializer(
                        "Stations",
                        fields={
                            "purchased": serializers.IntegerField(allow_null=True),
                            "in_use": serializers.IntegerField(),
                            "available": serializers.IntegerField(allow_null=True),
                        },
                    ),
                    "numbers": CAPABILITY_COUNTS,
                    "by_capability": serializers.DictField(child=CAPABILITY_COUNTS),
                },
            ),
            **problems(404),
        },
    )
    def get(self, request, pk):
        account = visible_object(Account.objects.visible_to(request.user), pk, "account")
        return Response(selectors.account_inventory(user=request.user, account=account))
