"""Uploads over the API: validate, commit, follow, download the rejected rows.

Thin views: the request is shaped by the serializers, the work is
``didhub.imports.services`` and ``selectors``; domain errors become problem+json.
"""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from didhub.accounts.models import Account
from didhub.core.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from didhub.core.api.parsers import LimitedJSONParser
from didhub.core.api.schema import problems
from didhub.core.api.views import ApiGenericView, ApiView, visible_object
from didhub.imports import samples, selectors, services
from didhub.imports.api.serializers import (
    ImportCreateSerializer,
    ImportDetailSerializer,
    ImportSerializer,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def detail_answer(request, run, code=status.HTTP_200_OK) -> Response:
    busy = run.state in services.IN_PROGRESS
    answer = ImportDetailSerializer(run, context={"request": request}).data
    return Response(answer, status=status.HTTP_202_ACCEPTED if busy else code)


class ImportListView(ApiGenericView):
    serializer_class = ImportSerializer
    # The one route that takes a file: JSON or multipart (every other route reads JSON).
    parser_classes = [LimitedJSONParser, MultiPartParser]
    ordering_fields = selectors.IMPORT_ORDERINGS
    default_ordering = "-created_at"
    tiebreak = "id"

    @extend_schema(
        operation_id="imports_list",
        summary="Uploads into your account and the accounts below it",
        responses={200: ImportSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.import_list(user=request.user))
        data = ImportSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="imports_create",
        summary="Upload numbers: validate a file, a list or a range",
        description="Validates and answers the import with its counts and first rejected "
        "rows (state `ready`, 201). Large uploads are validated by a task: the answer is "
        "202 with state `validating` and progress; follow `GET /api/v1/imports/{id}/`.",
        request={
            "multipart/form-data": ImportCreateSerializer,
            "application/json": ImportCreateSerializer,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: ImportDetailSerializer,
            202: ImportDetailSerializer,
            **problems(400, 403, 404, 409, 413),
        },
    )
    @idempotent
    def post(self, request):
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        if "account" in values:
            account = visible_object(
                Account.objects.visible_to(request.user), values["account"], "account"
            )
        else:
            account = request.user.account
        entries = values.get("numbers")
        if "number" in values:
            entries = [values["number"]]
        upload = values.get("file")
        run = services.import_create(
            actor=request.user,
            account=account,
            file=upload,
            file_name=upload.name if upload else "",
            entries=entries,
            number_range=values.get("range"),
            voice_carrier=values.get("voice_carrier"),
            sms_profile=values.get("sms_profile"),
            voice_carrier_later=values["voice_carrier_later"],
            sms_profile_later=values["sms_profile_later"],
            porting=values["porting"],
            defaults=values["defaults"],
        )
        return detail_answer(request, run, status.HTTP_201_CREATED)


class ImportDetailView(ApiView):
    @extend_schema(
        operation_id="imports_retrieve",
        summary="One upload: state, counts, progress and first rejected rows",
        responses={200: ImportDetailSerializer, 202: ImportDetailSerializer, **problems(404)},
    )
    def get(self, request, pk):
        return detail_answer(request, selectors.import_get(user=request.user, pk=pk))


class ImportCommitView(ApiView):
    @extend_schema(
        operation_id="imports_commit",
        summary="Import the valid rows of a ready upload, all or nothing",
        description="Answers 200 with state `done`, or 202 with state `committing` when a "
        "task commits a large upload. Numbers taken by another account since validation "
        "are reported as `not_available` and skipped.",
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: ImportDetailSerializer,
            202: ImportDetailSerializer,
            **problems(403, 404, 409),
        },
    )
    @idempotent
    def post(self, request, pk):
        run = selectors.import_get(user=request.user, pk=pk)
        run = services.import_commit(actor=request.user, import_run=run)
        return detail_answer(request, run)


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (values come from uploaded files)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class ImportErrorsCsvView(ApiView):
    @extend_schema(
        operation_id="imports_errors_csv",
        summary="Every rejected row of an upload, as CSV",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="line, column, value, code, message"
            ),
            **problems(404),
        },
    )
    def get(self, request, pk):
        run = selectors.import_get(user=request.user, pk=pk)
        rows = selectors.import_errors(user=request.user, import_run=run)

        def lines():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(["line", "column", "value", "code", "message"])
            for error in rows.iterator(chunk_size=5000):
                writer.writerow(
                    [
                        error.line,
                        error.column,
                        spreadsheet_safe(error.value),
                        error.code,
                        spreadsheet_safe(error.message),
                    ]
                )
                if buffer.tell() > 65536:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-errors.csv"'
        return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TemplateView(ApiView):
    fmt = "csv"

    @extend_schema(
        summary="The sample upload file",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    def get(self, request):
        if self.fmt == "xlsx":
            response = HttpResponse(samples.template_xlsx(), content_type=XLSX_TYPE)
        else:
            response = HttpResponse(samples.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="didhub-upload-template.{self.fmt}"'
        )
        return response
