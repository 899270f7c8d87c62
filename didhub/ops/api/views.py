"""``GET /api/v1/status/``: the installation's state for an operator or a script."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from didhub.core.api.schema import problems
from didhub.core.api.views import ApiView
from didhub.ops.status import status


class VersionsSerializer(serializers.Serializer):
    didhub = serializers.CharField()
    django = serializers.CharField()
    python = serializers.CharField()
    database = serializers.CharField(help_text="Vendor and server version.")


class CheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()
    seconds = serializers.FloatField()


class ReplicaSerializer(serializers.Serializer):
    in_use = serializers.BooleanField(help_text="Lists, dashboard and exports read from it.")
    detail = serializers.CharField(help_text="In use, or why it is bypassed.")
    lag_seconds = serializers.FloatField(allow_null=True)


class WorkerSerializer(serializers.Serializer):
    id = serializers.CharField()
    hostname = serializers.CharField()
    pid = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    last_heartbeat_at = serializers.DateTimeField()
    alive = serializers.BooleanField()


class QueueSerializer(serializers.Serializer):
    queue = serializers.CharField()
    waiting = serializers.IntegerField()
    running = serializers.IntegerField()
    oldest_waiting_at = serializers.DateTimeField(allow_null=True)


class LinkBacklogSerializer(serializers.Serializer):
    link = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    waiting_changes = serializers.IntegerField(help_text="Numbers changed, not yet confirmed.")
    oldest_change_at = serializers.DateTimeField(allow_null=True)
    pending_messages = serializers.IntegerField()
    dead_messages = serializers.IntegerField()
    last_success_at = serializers.DateTimeField(allow_null=True)


class StatusSerializer(serializers.Serializer):
    versions = VersionsSerializer()
    ready = serializers.BooleanField()
    checks = serializers.DictField(child=CheckSerializer())
    links = LinkBacklogSerializer(many=True, help_text="The platform links you may see.")
    replica = ReplicaSerializer(
        required=False, help_text="With DIDHUB_DATABASE_REPLICA_URL set only."
    )
    workers = WorkerSerializer(
        many=True, required=False, help_text="Users of the platform account only."
    )
    task_queues = QueueSerializer(
        many=True, required=False, help_text="Users of the platform account only."
    )


class StatusView(ApiView):
    @extend_schema(
        operation_id="status_retrieve",
        summary="The installation's state",
        description=(
            "Versions, readiness checks and the sync backlog of the links you may see; "
            "users of the platform account also get the workers with their last heartbeat "
            "and the task queues' depths."
        ),
        responses={200: StatusSerializer, **problems()},
    )
    def get(self, request):
        return Response(StatusSerializer(status(user=request.user)).data)
