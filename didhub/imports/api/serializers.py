"""Uploads over the API: what a request may send and how an import is shown."""

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from didhub.core.api.parsers import check_structure, checked_json
from didhub.imports.models import Import, ImportRowError
from didhub.imports.services import DEFAULTABLE

INLINE_ERRORS = 100


class ImportCreateSerializer(serializers.Serializer):
    """One of ``file``, ``numbers`` or ``range``, with the destination and options.

    Column defaults come as ``defaults: {column: value}`` or, handy in a multipart form,
    as top-level fields named after the columns (``voice``, ``route``, ``usage`` ...).
    """

    # The schema's oneOf (didhub/core/api/schema.py): what to_internal_value demands.
    one_of_required = (("file",), ("numbers",), ("number",), ("range",))

    # An empty file is the reader's to refuse, as `empty_file` like a file of blank lines.
    file = serializers.FileField(required=False, allow_empty_file=True, help_text="CSV or XLSX.")
    numbers = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="Numbers as strings, or objects keyed by column (phone_number, voice...).",
    )
    number = serializers.JSONField(required=False, help_text="One number (string or object).")
    range = serializers.DictField(
        required=False,
        help_text=f"{{start, end}}: at most {settings.DIDHUB_MAX_RANGE:,} numbers "
        "(DIDHUB_MAX_RANGE).",
    )
    account = serializers.IntegerField(
        required=False, help_text="Destination account id; your own account when omitted."
    )
    voice_carrier = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    sms_profile = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    voice_carrier_later = serializers.BooleanField(required=False, default=False)
    sms_profile_later = serializers.BooleanField(required=False, default=False)
    porting = serializers.BooleanField(
        required=False, default=False, help_text="Numbers wait in state porting_in."
    )
    defaults = serializers.JSONField(required=False, help_text="{column: value} for blank cells.")

    def to_internal_value(self, data):
        extra = {}
        for key in DEFAULTABLE:
            if key in data and key not in self.fields:
                extra[key] = data.get(key)
        values = super().to_internal_value(data)
        defaults = values.get("defaults") or {}
        if isinstance(defaults, str):
            try:
                defaults = checked_json(defaults, where="defaults")
            except ValueError as error:
                raise serializers.ValidationError({"defaults": "Not a JSON object."}) from error
        if not isinstance(defaults, dict):
            raise serializers.ValidationError({"defaults": "Give an object: {column: value}."})
        check_structure(defaults, where="defaults")  # also when a form field carried it
        values["defaults"] = {**extra, **defaults}
        sources = [key for key in ("file", "numbers", "number", "range") if key in values]
        if len(sources) != 1:
            raise serializers.ValidationError(
                {"file": "Send exactly one of file, numbers, number or range."}
            )
        return values


class ErrorRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowError
        fields = ["line", "column", "value", "code", "message"]


class ImportSerializer(serializers.ModelSerializer):
    account = serializers.SerializerMethodField()
    uploaded_by = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = Import
        fields = [
            "id",
            "account",
            "uploaded_by",
            "user",
            "source",
            "file_name",
            "checksum",
            "options",
            "state",
            "total_rows",
            "valid",
            "invalid",
            "duplicate",
            "present",
            "committed",
            "progress",
            "notes",
            "error",
            "errors_url",
            "created_at",
            "started_at",
            "validated_at",
            "committed_at",
        ]

    def get_account(self, run) -> dict:
        return {"id": run.account_id, "name": run.account.name}

    def get_uploaded_by(self, run) -> dict:
        return {"id": run.uploaded_by_id, "name": run.uploaded_by.name}

    def get_user(self, run) -> str | None:
        return run.user.email if run.user_id else None

    def get_progress(self, run) -> dict:
        """Rows done and total, rate and time left while a phase runs."""
        done, total = run.progress_done, run.progress_total
        rate = None
        seconds_left = None
        if run.started_at and run.state in ("validating", "committing") and done:
            elapsed = max((timezone.now() - run.started_at).total_seconds(), 0.001)
            rate = round(done / elapsed, 1)
            seconds_left = round(max(total - done, 0) / rate, 1) if rate else None
        percent = round(100 * done / total, 1) if total else (100.0 if run.state == "done" else 0.0)
        return {
            "phase": run.state,
            "done": done,
            "total": total,
            "percent": min(percent, 100.0),
            "rows_per_second": rate,
            "seconds_left": seconds_left,
        }

    def get_errors_url(self, run) -> str:
        request = self.context.get("request")
        path = f"/api/v1/imports/{run.pk}/errors.csv"
        return request.build_absolute_uri(path) if request else path


class ImportDetailSerializer(ImportSerializer):
    """An import with its first rejected rows (all of them in ``errors.csv``)."""

    errors = serializers.SerializerMethodField()

    class Meta(ImportSerializer.Meta):
        fields = [*ImportSerializer.Meta.fields, "errors"]

    def get_errors(self, run) -> list[dict]:
        rows = run.row_errors.order_by("line", "id")[:INLINE_ERRORS]
        return ErrorRowSerializer(rows, many=True).data
