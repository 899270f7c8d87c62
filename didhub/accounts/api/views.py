"""Accounts, the users of your accounts, and your own API tokens.

An account's inventory of numbers is routed by the numbers app (``numbers.api.accounts``).
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from didhub.accounts import parts, services
from didhub.accounts.api.serializers import (
    AccountCreateSerializer,
    AccountSerializer,
    AccountUpdateSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from didhub.accounts.models import Account, ApiToken
from didhub.accounts.selectors import UserFilterSet, user_list, users_visible_to
from didhub.core.api.schema import problems
from didhub.core.api.throttling import AuthRateThrottle
from didhub.core.api.views import ApiGenericView, visible_object

ACCOUNT_ORDERING = {
    "id": "id",
    "name": "name",
    "kind": "kind",
    "path": "path",
    "depth": "depth",
    "created_at": "created_at",
}


class AccountListView(ApiGenericView):
    serializer_class = AccountSerializer
    ordering_fields = ACCOUNT_ORDERING
    default_ordering = "path"
    tiebreak = "id"

    def get_queryset(self):
        return Account.objects.visible_to(self.request.user).select_related(*parts.related())

    @extend_schema(
        operation_id="accounts_list",
        summary="Accounts you can see",
        description="Your account and every account below it.",
        responses={200: AccountSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AccountSerializer(page, many=True).data)

    @extend_schema(
        operation_id="accounts_create",
        summary="Create a reseller or enterprise below one of your accounts",
        request=AccountCreateSerializer,
        responses={201: AccountSerializer, **problems(400, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "enterprise",
                value={
                    "parent": 3,
                    "name": "Acme Corp",
                    "kind": "enterprise",
                    "stations_purchased": 10,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = AccountCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        account = services.account_create(
            actor=request.user,
            parent=data.pop("parent"),
            name=data.pop("name"),
            kind=data.pop("kind"),
            **data,
        )
        return Response(AccountSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailView(ApiGenericView):
    serializer_class = AccountSerializer

    def get_object(self):
        return visible_object(
            Account.objects.visible_to(self.request.user).select_related(*parts.related()),
            self.kwargs["pk"],
            "account",
        )

    @extend_schema(
        operation_id="accounts_retrieve",
        summary="One account",
        responses={200: AccountSerializer, **problems(404)},
    )
    def get(self, request, pk):
        return Response(AccountSerializer(self.get_object()).data)

    @extend_schema(
        operation_id="accounts_partial_update",
        summary="Change an account's settings",
        description="Settings such as Allow External Numbers and the station quota are "
        "granted by the account above; an account may change its own name, default "
        "carriers and aging period.",
        request=AccountUpdateSerializer,
        responses={200: AccountSerializer, **problems(400, 403, 404, 409)},
    )
    def patch(self, request, pk):
        account = self.get_object()
        serializer = AccountUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        account = services.account_update(
            actor=request.user, account=account, **serializer.validated_data
        )
        return Response(AccountSerializer(account).data)

    @extend_schema(
        operation_id="accounts_destroy",
        summary="Delete an empty account",
        responses={204: None, **problems(403, 404, 409)},
    )
    def delete(self, request, pk):
        services.account_delete(actor=request.user, account=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListView(ApiGenericView):
    serializer_class = UserSerializer
    ordering_fields = {
        "id": "id",
        "email": "email",
        "name": "name",
        "role": "role",
        "account": "account__path",
    }
    default_ordering = "email"
    tiebreak = "id"
    # The selector's FilterSet, named here so the schema documents its filters.
    filterset_class = UserFilterSet
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return users_visible_to(self.request.user)

    @extend_schema(
        operation_id="users_list",
        summary="Users of your accounts",
        description="The people of your account and of every account below it, "
        "deactivated ones included (`is_active=false`).",
        responses={200: UserSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(user_list(user=request.user, filters=request.query_params))
        return self.get_paginated_response(UserSerializer(page, many=True).data)


class UserDetailView(ApiGenericView):
    serializer_class = UserSerializer

    def get_object(self):
        return visible_object(users_visible_to(self.request.user), self.kwargs["pk"], "user")

    @extend_schema(
        operation_id="users_retrieve",
        summary="One user",
        responses={200: UserSerializer, **problems(404)},
    )
    def get(self, request, pk):
        return Response(UserSerializer(self.get_object()).data)

    @extend_schema(
        operation_id="users_partial_update",
        summary="Deactivate, reactivate, rename or change the role of a user",
        description="`is_active: false` deactivates: the user can no longer sign in, "
        "its portal sessions end on their next request and every API token it holds is "
        "revoked. `true` reactivates it (new tokens are needed). Administrators of the "
        "user's account or an account above it may do this, never to themselves.",
        request=UserUpdateSerializer,
        responses={200: UserSerializer, **problems(400, 403, 404)},
        examples=[OpenApiExample("deactivate", value={"is_active": False}, request_only=True)],
    )
    def patch(self, request, pk):
        user = self.get_object()
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(actor=request.user, user=user, **serializer.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(
        operation_id="users_destroy",
        summary="Remove a user",
        description="The user and its tokens go; its history stays in the audit log.",
        responses={204: None, **problems(403, 404)},
    )
    def delete(self, request, pk):
        services.user_remove(actor=request.user, user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(ApiGenericView):
    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()  # the schema's model; reads are the user's own tokens
    ordering_fields = {"id": "id", "name": "name", "created_at": "created_at"}
    default_ordering = "-created_at"
    tiebreak = "id"

    def get_throttles(self):
        throttles = super().get_throttles()
        # Minting tokens is authentication: held to the stricter rate.
        if self.request.method == "POST":
            throttles.append(AuthRateThrottle())
        return throttles

    @extend_schema(
        operation_id="tokens_list",
        summary="Your API tokens",
        description="Your own tokens, revoked ones included; keys are never shown again.",
        responses={200: TokenSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(ApiToken.objects.filter(user=request.user))
        return self.get_paginated_response(TokenSerializer(page, many=True).data)

    @extend_schema(
        operation_id="tokens_create",
        summary="Create an API token",
        description="The answer carries the key, once; only its hash is kept. Read-only "
        "roles get read tokens only.",
        request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer, **problems(400, 403)},
        examples=[
            OpenApiExample(
                "write token", value={"name": "provisioning", "scope": "write"}, request_only=True
            )
        ],
    )
    def post(self, request):
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.token_create(actor=request.user, **serializer.validated_data)
        token.key = key
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailView(ApiGenericView):
    @extend_schema(
        operation_id="tokens_destroy",
        summary="Revoke one of your tokens",
        responses={204: None, **problems(404)},
    )
    def delete(self, request, pk):
        token = visible_object(ApiToken.objects.filter(user=request.user), pk, "token")
        services.token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
