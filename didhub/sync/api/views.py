"""Platform links, their outbox, consent and resync, and call events."""

import json

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from didhub.core.api.schema import problems
from didhub.core.api.views import ApiGenericView
from didhub.core.errors import invalid
from didhub.sync import selectors, services
from didhub.sync.api.serializers import (
    CallEventSerializer,
    CallEventsResultSerializer,
    ConsentLinkSerializer,
    ConsentSerializer,
    OutboxMessageSerializer,
    PlatformLinkCreatedSerializer,
    PlatformLinkCreateSerializer,
    PlatformLinkSerializer,
    PlatformLinkUpdateSerializer,
    ReplaySerializer,
    ResyncSerializer,
    WebhookMessageSerializer,
)
from didhub.sync.choices import OutboxState
from didhub.sync.models import PlatformLink
from didhub.sync.urls import consent_path


def reread(request, link):
    """The link as the list shows it (with its counts)."""
    return selectors.link_get(user=request.user, pk=link.pk)


class PlatformLinkListView(ApiGenericView):
    serializer_class = PlatformLinkSerializer
    ordering_fields = {"id": "id", "enterprise": "enterprise__name", "status": "status"}
    default_ordering = "id"
    tiebreak = "id"

    @extend_schema(
        operation_id="platform_links_list",
        summary="Platform links of the enterprises you can see",
        responses={200: PlatformLinkSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        links = selectors.link_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(links)
        return self.get_paginated_response(PlatformLinkSerializer(page, many=True).data)

    @extend_schema(
        operation_id="platform_links_create",
        summary="Link an enterprise to a calling platform",
        description="Integrated links sync at once; non-integrated ones wait for the "
        "customer's consent. Credentials are write-only; a webhook created without a "
        "secret gets one, shown in this answer only.",
        request=PlatformLinkCreateSerializer,
        responses={201: PlatformLinkCreatedSerializer, **problems(400, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "webhook",
                value={
                    "enterprise": 7,
                    "connector": "webhook",
                    "mode": "integrated",
                    "endpoint": "https://provisioning.example.net/didhub",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = PlatformLinkCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        link, secret = services.link_create(
            actor=request.user, enterprise=data.pop("enterprise"), **data
        )
        link = reread(request, link)
        link.secret = secret
        return Response(PlatformLinkCreatedSerializer(link).data, status=status.HTTP_201_CREATED)


class PlatformLinkDetailView(ApiGenericView):
    serializer_class = PlatformLinkSerializer

    @extend_schema(
        operation_id="platform_links_retrieve",
        summary="One platform link",
        responses={200: PlatformLinkSerializer, **problems(404)},
    )
    def get(self, request, pk):
        return Response(PlatformLinkSerializer(selectors.link_get(user=request.user, pk=pk)).data)

    @extend_schema(
        operation_id="platform_links_partial_update",
        summary="Change a link's name, ids, endpoint or credentials",
        request=PlatformLinkUpdateSerializer,
        responses={200: PlatformLinkSerializer, **problems(400, 403, 404, 409)},
    )
    def patch(self, request, pk):
        link = selectors.link_get(user=request.user, pk=pk)
        serializer = PlatformLinkUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.link_update(actor=request.user, link=link, **serializer.validated_data)
        return Response(PlatformLinkSerializer(reread(request, link)).data)

    @extend_schema(
        operation_id="platform_links_destroy",
        summary="Disable a link: nothing more is sent",
        responses={204: None, **problems(403, 404)},
    )
    def delete(self, request, pk):
        link = selectors.link_get(user=request.user, pk=pk)
        services.link_disable(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlatformLinkConsentView(ApiGenericView):
    """Consent, by the enterprise's admin or by anyone holding a consent link's token."""

    serializer_class = ConsentSerializer
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="platform_links_consent",
        summary="Consent to a non-integrated link",
        description="Records who consented and when, and starts a full sync. Signed in as "
        "the enterprise's admin, or with the token of a consent link (single use, expiring).",
        request=ConsentSerializer,
        responses={200: PlatformLinkSerializer, **problems(400, 403, 404, 409)},
    )
    def post(self, request, pk):
        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = serializer.validated_data.get("token", "")
        user = request.user if request.user.is_authenticated else None
        if token:
            link = services.link_by_consent_token(pk=pk, token=token)
        elif user is None:
            raise NotAuthenticated()
        else:
            link = selectors.link_get(user=user, pk=pk)
        link = services.link_consent(actor=user, link=link, token=token)
        # A token holder may not be signed in: the link is shown as consented, by id.
        link = selectors.with_counts(PlatformLink.objects.filter(pk=link.pk)).get()
        return Response(PlatformLinkSerializer(link).data)


class PlatformLinkConsentLinkView(ApiGenericView):
    serializer_class = ConsentLinkSerializer

    @extend_schema(
        operation_id="platform_links_consent_link",
        summary="A consent link to send to the customer",
        description="Single use, valid 7 days; a new one replaces the previous one.",
        request=None,
        responses={201: ConsentLinkSerializer, **problems(403, 404, 409)},
    )
    def post(self, request, pk):
        link = selectors.link_get(user=request.user, pk=pk)
        token = services.consent_link_create(actor=request.user, link=link)
        link.refresh_from_db()
        url = request.build_absolute_uri(consent_path(token))
        return Response(
            {"url": url, "expires_at": link.consent_expires_at}, status=status.HTTP_201_CREATED
        )


class PlatformLinkResyncView(ApiGenericView):
    serializer_class = ResyncSerializer

    @extend_schema(
        operation_id="platform_links_resync",
        summary="Send the platform what differs from what it confirmed",
        description="Idempotent: numbers with a change on its way are left to it.",
        request=None,
        responses={202: ResyncSerializer, **problems(403, 404, 409)},
    )
    def post(self, request, pk):
        link = selectors.link_get(user=request.user, pk=pk)
        summary = services.link_resync(actor=request.user, link=link)
        return Response(summary, status=status.HTTP_202_ACCEPTED)


class PlatformLinkReplayView(ApiGenericView):
    serializer_class = ReplaySerializer

    @extend_schema(
        operation_id="platform_links_replay",
        summary="Send every dead message of the link again",
        description="Each with its own body and webhook-id, attempts from zero, due at once; "
        "the link's back-off ends (it is probed now). 409 when no message is dead.",
        request=None,
        responses={202: ReplaySerializer, **problems(403, 404, 409)},
    )
    def post(self, request, pk):
        link = selectors.link_get(user=request.user, pk=pk)
        summary = services.link_replay(actor=request.user, link=link)
        return Response(summary, status=status.HTTP_202_ACCEPTED)


class OutboxMessageListView(ApiGenericView):
    serializer_class = OutboxMessageSerializer
    ordering_fields = {"id": "id", "created_at": "created_at", "state": "state"}
    default_ordering = "-id"
    tiebreak = "id"

    @extend_schema(
        operation_id="platform_links_messages",
        summary="A link's outbox: every message, its attempts and last error",
        description="Filter with ?state=pending|delivered|dead|superseded.",
        responses={200: OutboxMessageSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request, pk):
        link = selectors.link_get(user=request.user, pk=pk)
        state = request.query_params.get("state")
        if state and state not in OutboxState.values:
            raise invalid(f"state is one of {', '.join(OutboxState.values)}.", field="state")
        messages = selectors.message_list(user=request.user, link=link, state=state)
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(OutboxMessageSerializer(page, many=True).data)


class OutboxMessageDetailView(ApiGenericView):
    serializer_class = WebhookMessageSerializer

    @extend_schema(
        operation_id="platform_links_message_body",
        summary="The body of one message, exactly as sent",
        responses={200: WebhookMessageSerializer, **problems(404)},
    )
    def get(self, request, pk, mid):
        link = selectors.link_get(user=request.user, pk=pk)
        message = selectors.message_get(user=request.user, link=link, pk=mid)
        return Response(json.loads(message.body))


class OutboxMessageReplayView(ApiGenericView):
    serializer_class = OutboxMessageSerializer

    @extend_schema(
        operation_id="platform_links_message_replay",
        summary="Send a dead message again (same body, same webhook-id)",
        request=None,
        responses={200: OutboxMessageSerializer, **problems(403, 404, 409)},
    )
    def post(self, request, pk, mid):
        link = selectors.link_get(user=request.user, pk=pk)
        message = selectors.message_get(user=request.user, link=link, pk=mid)
        message = services.message_replay(actor=request.user, message=message)
        return Response(OutboxMessageSerializer(message).data)


class CallEventsView(ApiGenericView):
    serializer_class = CallEventSerializer

    @extend_schema(
        operation_id="call_events_create",
        summary="Record call events: numbers become active",
        description='One event, a list of up to 10,000, or {"events": [...]}. Events for '
        "numbers that do not exist or that you cannot see are counted as unknown and do "
        "not fail the batch; last_call_at never moves backwards.",
        request=CallEventSerializer(many=True),
        responses={200: CallEventsResultSerializer, **problems(400, 403, 413)},
        examples=[
            OpenApiExample(
                "one call",
                value={
                    "e164": "+12125550100",
                    "at": "2026-03-01T10:15:00Z",
                    "direction": "inbound",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = request.data
        if isinstance(data, dict) and data:
            data = data["events"] if isinstance(data.get("events"), list) else [data]
        if not isinstance(data, list):
            # Also no body at all: an empty request is not an event.
            raise invalid('Send an event, a list of events, or {"events": [...]}.')
        summary = services.calls_record(actor=request.user, events=data)
        return Response(summary)
