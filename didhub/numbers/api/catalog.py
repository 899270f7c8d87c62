"""Targets, voice carriers, SMS carrier profiles and calling profiles over the API."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from didhub.core.api.schema import problems
from didhub.core.api.views import ApiGenericView, visible_object
from didhub.numbers import selectors, services
from didhub.numbers.api.serializers import (
    CallingProfileSerializer,
    CallingProfileWriteSerializer,
    CarrierSerializer,
    CarrierWriteSerializer,
    SmsProfileSerializer,
    SmsProfileWriteSerializer,
    TargetCreateSerializer,
    TargetSerializer,
    TargetUpdateSerializer,
)
from didhub.numbers.filtersets import TargetFilterSet
from didhub.numbers.models import Target


class TargetListView(ApiGenericView):
    serializer_class = TargetSerializer
    ordering_fields = {
        "id": "id",
        "name": "name",
        "kind": "kind",
        "enterprise": "enterprise__name",
        "external_id": "external_id",
        "created_at": "created_at",
    }
    default_ordering = "name"
    tiebreak = "id"
    # The selector's FilterSet, named here so the schema documents its filters.
    filterset_class = TargetFilterSet
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return Target.objects.visible_to(self.request.user)

    @extend_schema(
        operation_id="targets_list",
        summary="Targets you can see",
        responses={200: TargetSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(
            selectors.target_list(user=request.user, filters=request.query_params)
        )
        return self.get_paginated_response(TargetSerializer(page, many=True).data)

    @extend_schema(
        operation_id="targets_create",
        summary="Create a user, trunk, service, group, SMS group, agent or fax target",
        request=TargetCreateSerializer,
        responses={201: TargetSerializer, **problems(400, 403, 409)},
        examples=[
            OpenApiExample(
                "PBX user",
                value={"enterprise": 5, "kind": "pbx_user", "name": "Ada Lovelace"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = TargetCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        target = services.target_create(actor=request.user, **serializer.validated_data)
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)


class TargetDetailView(ApiGenericView):
    serializer_class = TargetSerializer

    @extend_schema(
        operation_id="targets_retrieve",
        summary="One target",
        responses={200: TargetSerializer, **problems(404)},
    )
    def get(self, request, pk):
        return Response(TargetSerializer(selectors.target_get(user=request.user, pk=pk)).data)

    @extend_schema(
        operation_id="targets_partial_update",
        summary="Rename a target or change its external id or email",
        request=TargetUpdateSerializer,
        responses={200: TargetSerializer, **problems(400, 403, 404, 409)},
    )
    def patch(self, request, pk):
        target = selectors.target_get(user=request.user, pk=pk)
        serializer = TargetUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.target_update(
            actor=request.user, target=target, **serializer.validated_data
        )
        return Response(TargetSerializer(target).data)

    @extend_schema(
        operation_id="targets_destroy",
        summary="Delete a target that uses no number",
        responses={204: None, **problems(403, 404, 409)},
    )
    def delete(self, request, pk):
        target = selectors.target_get(user=request.user, pk=pk)
        services.target_delete(actor=request.user, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


def catalog_views(*, name, label, serializer, write_serializer, list_selector, entity, ordering):
    """The list/create and detail views of one catalog (carriers or a kind of profile).

    ``entity`` names the services (``carrier`` -> ``carrier_create``/``_update``/
    ``_delete``) and their keyword for the object.
    """
    create = getattr(services, f"{entity}_create")
    update = getattr(services, f"{entity}_update")
    destroy = getattr(services, f"{entity}_delete")

    class ListView(ApiGenericView):
        serializer_class = serializer
        # The schema's model; reads go through the selector.
        queryset = serializer.Meta.model.objects.none()
        ordering_fields = ordering
        default_ordering = "name"
        tiebreak = "id"

        @extend_schema(
            operation_id=f"{name}_list",
            summary=f"{label}s you can see or use",
            description="Owned by your account or below it, or by an account above yours "
            "(usable below its owner).",
            responses={200: serializer(many=True), **problems(400)},
        )
        def get(self, request):
            page = self.paginate_queryset(list_selector(user=request.user))
            return self.get_paginated_response(serializer(page, many=True).data)

        @extend_schema(
            operation_id=f"{name}_create",
            summary=f"Create a {label.lower()}",
            request=write_serializer,
            responses={201: serializer, **problems(400, 403, 409)},
        )
        def post(self, request):
            data = write_serializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            owner = values.pop("owner", None) or request.user.account
            obj = create(actor=request.user, owner=owner, **values)
            return Response(serializer(obj).data, status=status.HTTP_201_CREATED)

    class DetailView(ApiGenericView):
        serializer_class = serializer

        def get_object(self):
            return visible_object(list_selector(user=self.request.user), self.kwargs["pk"], label)

        @extend_schema(
            operation_id=f"{name}_retrieve",
            summary=f"One {label.lower()}",
            responses={200: serializer, **problems(404)},
        )
        def get(self, request, pk):
            return Response(serializer(self.get_object()).data)

        @extend_schema(
            operation_id=f"{name}_partial_update",
            summary=f"Change a {label.lower()}",
            request=write_serializer,
            responses={200: serializer, **problems(400, 403, 404, 409)},
        )
        def patch(self, request, pk):
            obj = self.get_object()
            data = write_serializer(data=request.data, partial=True, context={"request": request})
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            values.pop("owner", None)
            obj = update(actor=request.user, **{entity: obj}, **values)
            return Response(serializer(obj).data)

        @extend_schema(
            operation_id=f"{name}_destroy",
            summary=f"Delete a {label.lower()} no number uses",
            responses={204: None, **problems(403, 404, 409)},
        )
        def delete(self, request, pk):
            destroy(actor=request.user, **{entity: self.get_object()})
            return Response(status=status.HTTP_204_NO_CONTENT)

    ListView.__name__ = f"{entity.title().replace('_', '')}ListView"
    DetailView.__name__ = f"{entity.title().replace('_', '')}DetailView"
    return ListView, DetailView


NAME_ORDERING = {"id": "id", "name": "name", "owner": "owner__name", "created_at": "created_at"}

CarrierListView, CarrierDetailView = catalog_views(
    name="carriers",
    label="Voice carrier",
    serializer=CarrierSerializer,
    write_serializer=CarrierWriteSerializer,
    list_selector=selectors.carrier_list,
    entity="carrier",
    ordering=NAME_ORDERING,
)
SmsProfileListView, SmsProfileDetailView = catalog_views(
    name="sms_profiles",
    label="SMS carrier profile",
    serializer=SmsProfileSerializer,
    write_serializer=SmsProfileWriteSerializer,
    list_selector=selectors.sms_profile_list,
    entity="sms_profile",
    ordering={**NAME_ORDERING, "carrier_name": "carrier_name"},
)
CallingProfileListView, CallingProfileDetailView = catalog_views(
    name="calling_profiles",
    label="Calling profile",
    serializer=CallingProfileSerializer,
    write_serializer=CallingProfileWriteSerializer,
    list_selector=selectors.calling_profile_list,
    entity="calling_profile",
    ordering={**NAME_ORDERING, "sbc_device": "sbc_device"},
)
