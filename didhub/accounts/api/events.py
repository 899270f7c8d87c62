"""The audit log over the API: every event the user may see, newest first."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from didhub.accounts.events import EventFilterSet, event_list
from didhub.core.api.schema import problems
from didhub.core.api.views import ApiGenericView
from didhub.core.models import Event


class EventSerializer(serializers.ModelSerializer):
    before = serializers.JSONField(allow_null=True, help_text="Changed fields before.")
    after = serializers.JSONField(allow_null=True, help_text="Changed fields after.")

    class Meta:
        model = Event
        fields = (
            "id",
            "at",
            "action",
            "actor_user_id",
            "actor_label",
            "actor_account_id",
            "account_id",
            "object_type",
            "object_id",
            "number_e164",
            "import_id",
            "before",
            "after",
            "request_id",
        )
        read_only_fields = fields


class EventListView(ApiGenericView):
    serializer_class = EventSerializer
    ordering_fields = {"at": "at", "id": "id", "action": "action"}
    default_ordering = "-at"
    tiebreak = "id"
    # The selector's FilterSet, named here so the schema documents its filters.
    filterset_class = EventFilterSet
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user)

    @extend_schema(
        operation_id="events_list",
        summary="The audit log you may see",
        description="Events about your account and everything below it, newest first.",
        responses={200: EventSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        events = event_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)
