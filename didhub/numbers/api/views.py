"""Numbers over the API: list, one number, its actions, history, point-in-time, bulk.

Thin views: shapes in, one service or selector call, the changed number out. A number
is addressed by its E.164 text with or without ``+`` (``%2B`` decoded, or a literal
``+``); ``number_get`` normalizes all of them.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from didhub.accounts.api.events import EventSerializer
from didhub.core.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from didhub.core.api.schema import problems
from didhub.core.api.views import ApiGenericView
from didhub.core.db.replica import reads_from_replica
from didhub.core.models import Event
from didhub.numbers import selectors, services
from didhub.numbers.api.rows import LIST_COLUMNS, list_documents
from didhub.numbers.api.serializers import (
    AT_E164_PATTERN,
    AssignSerializer,
    AtQuerySerializer,
    BulkResultSerializer,
    BulkSerializer,
    NumberDetailSerializer,
    NumberSerializer,
    NumberUpdateSerializer,
    ReserveSerializer,
    UnassignSerializer,
)
from didhub.numbers.filtersets import NumberFilterSet
from didhub.numbers.lineage import References
from didhub.numbers.models import Number

E164_PARAMETER = OpenApiParameter(
    "e164",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The number in E.164, with or without + (URL-encoded %2B or not).",
    examples=[
        OpenApiExample("with +", value="+12125550100"),
        OpenApiExample("digits", value="12125550100"),
    ],
)
NUMBER_EXAMPLE = OpenApiExample(
    "number",
    response_only=True,
    value={
        "id": 1,
        "e164": "+12125550100",
        "country_code": 1,
        "region": "US",
        "number_type": "fixed_line_or_mobile",
        "voice": True,
        "sms": False,
        "fax": False,
        "route": "direct_routing",
        "usage": "user",
        "cac_limit": 2,
        "voice_carrier": {"id": 1, "name": "Bandwidth"},
        "sms_profile": None,
        "calling_profile": None,
        "sip_connection": "",
        "service_info": "",
        "tags": ["hq"],
        "owner": {"id": 5, "name": "Acme Corp"},
        "uploaded_by": {"id": 3, "name": "Master Reseller"},
        "external": False,
        "state": "assigned",
        "assignments": [
            {
                "channel": "voice",
                "target": {"id": 9, "name": "Ada Lovelace", "kind": "pbx_user"},
                "service": "PBX",
                "created_at": "2026-01-05T10:00:00Z",
            }
        ],
        "services": ["PBX"],
        "reserved_until": None,
        "reserved_for": None,
        "aging_until": None,
        "activity": "active",
        "last_call_at": "2026-01-06T08:30:00Z",
        "sync_state": "ready",
        "sync_error": "",
        "created_at": "2026-01-02T09:00:00Z",
        "updated_at": "2026-01-05T10:00:00Z",
    },
)


def number_answer(request, e164: str, code=status.HTTP_200_OK) -> Response:
    """The number as it is now, with its relations and what the user may do next."""
    number = selectors.number_get(user=request.user, e164=e164)
    return Response(NumberDetailSerializer(number, context={"request": request}).data, status=code)


class NumberListView(ApiGenericView):
    serializer_class = NumberSerializer
    # The one FilterSet, named here so the schema documents every filter of docs/api.md.
    filterset_class = NumberFilterSet
    filter_backends = [DjangoFilterBackend]
    ordering_fields = selectors.NUMBER_ORDERINGS
    default_ordering = "e164"
    tiebreak = "e164"

    def get_queryset(self):
        return Number.objects.visible_to(self.request.user)

    def page_queryset(self, queryset):
        """The page's rows as plain values (``rows.LIST_COLUMNS``), the owner and the
        uploader joined; what they point at is read per page by ``rows.list_documents``."""
        return queryset.values(*LIST_COLUMNS)

    @extend_schema(
        operation_id="numbers_list",
        summary="Numbers you can see",
        description="Every filter of the portal's list, including `q` (digits anywhere or a "
        "target's name), `pattern` (`*` wildcards) and the predefined `search=`.",
        responses={200: NumberSerializer(many=True), **problems(400)},
    )
    @reads_from_replica
    def get(self, request):
        numbers = selectors.number_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(numbers)
        return self.get_paginated_response(list_documents(page, References(request.user)))


class NumberDetailView(ApiGenericView):
    serializer_class = NumberDetailSerializer

    @extend_schema(
        operation_id="numbers_retrieve",
        summary="One number",
        description="With `actions`: what you may do to it now. An action is listed exactly "
        "when its endpoint would accept it (given valid parameters), so a client can offer "
        "it without trying.",
        parameters=[E164_PARAMETER],
        responses={200: NumberDetailSerializer, **problems(404)},
        examples=[NUMBER_EXAMPLE],
    )
    def get(self, request, e164):
        return number_answer(request, e164)

    @extend_schema(
        operation_id="numbers_partial_update",
        summary="Change capabilities, route, usage, CAC, carriers, profile, texts, tags",
        description="Resellers only; carriers change only while the number is not assigned.",
        parameters=[E164_PARAMETER],
        request=NumberUpdateSerializer,
        responses={200: NumberDetailSerializer, **problems(400, 403, 404, 409)},
        examples=[
            OpenApiExample("enable SMS", value={"sms": True, "sms_profile": 4}, request_only=True)
        ],
    )
    def patch(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        serializer = NumberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.number_update(actor=request.user, number=number, **serializer.validated_data)
        return number_answer(request, number.e164)

    @extend_schema(
        operation_id="numbers_destroy",
        summary="Delete an unused number you uploaded",
        parameters=[E164_PARAMETER],
        responses={204: None, **problems(403, 404, 409)},
    )
    def delete(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        services.number_delete(actor=request.user, number=number)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NumberAssignView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_assign",
        summary="Assign to a target",
        description="The channel defaults from the target's kind; the target's kind decides "
        "which numbers fit (channel, capability, route, usage). Two assignments at once: "
        "one wins, the other gets 409.",
        parameters=[E164_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=AssignSerializer,
        responses={200: NumberDetailSerializer, **problems(400, 403, 404, 409)},
        examples=[
            OpenApiExample("assign", value={"target": 9, "channel": "voice"}, request_only=True)
        ],
    )
    @idempotent
    def post(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        serializer = AssignSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.number_assign(actor=request.user, number=number, **serializer.validated_data)
        return number_answer(request, number.e164)


class NumberUnassignView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_unassign",
        summary="Unassign on one channel, or all",
        parameters=[E164_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=UnassignSerializer,
        responses={200: NumberDetailSerializer, **problems(400, 403, 404, 409)},
    )
    @idempotent
    def post(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        serializer = UnassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.number_unassign(actor=request.user, number=number, **serializer.validated_data)
        return number_answer(request, number.e164)


class NumberReleaseView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_release",
        summary="Return the number to your reseller",
        description="It ages (quarantine) for the reseller's aging period, then is available.",
        parameters=[E164_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=None,
        responses={200: NumberSerializer, **problems(403, 404, 409)},
    )
    @idempotent
    def post(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        number = services.number_release(actor=request.user, number=number)
        return Response(
            NumberSerializer(
                selectors.with_list_relations(Number.objects.filter(pk=number.pk)).get(),
                context={"request": request},
            ).data
        )


class NumberPortCompleteView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_port_complete",
        summary="The port is done: the number becomes available",
        description="Only for a number in `porting_in`, by the account that uploaded it or "
        "one above it. A call event for a `porting_in` number completes its port as well.",
        parameters=[E164_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=None,
        responses={200: NumberDetailSerializer, **problems(403, 404, 409)},
    )
    @idempotent
    def post(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        services.number_port_complete(actor=request.user, number=number)
        return number_answer(request, number.e164)


class NumberPortCancelView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_port_cancel",
        summary="The port failed or was withdrawn: the number leaves the inventory",
        description="Only for a number in `porting_in`, by the account that uploaded it or "
        "one above it. Its history is kept; linked platforms are told it is gone.",
        parameters=[E164_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=None,
        responses={204: None, **problems(403, 404, 409)},
    )
    @idempotent
    def post(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        services.number_port_cancel(actor=request.user, number=number)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NumberReserveView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_reserve",
        summary="Hold the number until a moment, optionally for a target",
        parameters=[E164_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=ReserveSerializer,
        responses={200: NumberDetailSerializer, **problems(400, 403, 404, 409)},
        examples=[
            OpenApiExample("reserve", value={"until": "2026-12-31T00:00:00Z"}, request_only=True)
        ],
    )
    @idempotent
    def post(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        serializer = ReserveSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.number_reserve(actor=request.user, number=number, **serializer.validated_data)
        return number_answer(request, number.e164)


class NumberHistoryView(ApiGenericView):
    serializer_class = EventSerializer
    queryset = Event.objects.none()  # the schema's model; reads use the selector
    ordering_fields = {"at": "at", "id": "id"}
    default_ordering = "-at"
    tiebreak = "id"

    @extend_schema(
        operation_id="numbers_history",
        summary="The number's events, newest first",
        parameters=[E164_PARAMETER],
        responses={200: EventSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request, e164):
        number = selectors.number_get(user=request.user, e164=e164)
        page = self.paginate_queryset(selectors.number_history(user=request.user, number=number))
        return self.get_paginated_response(EventSerializer(page, many=True).data)


class NumberAtView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_at",
        summary="Who held and who used a number at a moment",
        description="From the history: the owner and the assignments at `when` "
        "(for emergency-services and lawful requests).",
        parameters=[
            OpenApiParameter(
                "e164",
                {"type": "string", "pattern": AT_E164_PATTERN, "maxLength": 16},
                required=True,
                description="The number in E.164, with or without +.",
            ),
            OpenApiParameter(
                "when", OpenApiTypes.DATETIME, required=True, description="The moment."
            ),
        ],
        responses={200: OpenApiTypes.OBJECT, **problems(400, 404)},
    )
    def get(self, request):
        query = AtQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.number_at(user=request.user, **query.validated_data))


class NumberBulkView(ApiGenericView):
    @extend_schema(
        operation_id="numbers_bulk",
        summary="One action over many numbers, all or nothing",
        description="`numbers` (a list) or `filter` (the list's filters). If any number "
        "fails, nothing changes and the answer lists every failing number with its reason "
        "(`errors[].row` is the E.164 number).",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=BulkSerializer,
        responses={200: BulkResultSerializer, **problems(400, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "delegate",
                value={"action": "delegate", "numbers": ["+12125550100"], "to_account": 5},
                request_only=True,
            ),
            OpenApiExample(
                "release by filter",
                value={"action": "release", "filter": {"search": "unassigned", "tag": "spare"}},
                request_only=True,
            ),
        ],
    )
    @idempotent
    def post(self, request):
        serializer = BulkSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "filter" in data:
            numbers = selectors.number_list(user=request.user, filters=data["filter"])
        else:
            numbers = data["numbers"]
        result = services.numbers_bulk(
            actor=request.user, action=data["action"], numbers=numbers, **serializer.params()
        )
        return Response({"action": data["action"], **result})
