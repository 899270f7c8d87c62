"""``GET /api/v1/numbers/export.csv`` · ``.xlsx`` · ``.pdf``: the number list as a file.

The same filters as ``GET /api/v1/numbers/`` (query string), plus ``numbers=`` for the
selected rows and ``filename=``. CSV streams as it is read; XLSX and PDF are written to
a temporary file first (their formats need the end before the start) and then streamed
from disk. Either way memory holds one chunk of rows, whatever the row count.
"""

import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from didhub.core.api.schema import problems
from didhub.core.api.views import ApiView
from didhub.core.db.replica import reads_from_replica
from didhub.exports import selectors
from didhub.exports.naming import EXPORT_PARAMETERS, describe, export_filename
from didhub.exports.writers import FORMATS, csv_export, write_pdf, write_xlsx
from didhub.numbers.filtersets import NumberFilterSet
from didhub.numbers.models import Number


class ExportSchema(AutoSchema):
    """Document the number list's filters on the export routes too."""

    def get_filter_backends(self):
        return [DjangoFilterBackend]


EXPORT_PARAMETER_DOCS = [
    OpenApiParameter(
        "numbers",
        OpenApiTypes.STR,
        description="Only these numbers (the selected rows): E.164, comma-separated, "
        "at most 10,000.",
    ),
    OpenApiParameter(
        "filename",
        OpenApiTypes.STR,
        description="The download's file name (letters, digits, `._- `); "
        "`PhoneNumbers.<format>` by default.",
    ),
]


class NumberExportView(ApiView):
    """Every number of the list's filter (or the selection), as CSV, XLSX or PDF."""

    schema = ExportSchema()
    filterset_class = NumberFilterSet
    format_name = "csv"

    def get_queryset(self):
        # For the OpenAPI document's filter parameters only: rows come from the selectors.
        return Number.objects.none()

    def perform_content_negotiation(self, request, force=False):
        # The file is the answer whatever Accept says; errors fall back to problem+json.
        return super().perform_content_negotiation(request, force=True)

    @reads_from_replica
    def get(self, request, *args, **kwargs):
        params = request.query_params
        filters = params.copy()
        for name in EXPORT_PARAMETERS:
            filters.pop(name, None)
        selected = params.get("numbers") or None
        queryset = selectors.export_queryset(user=request.user, filters=filters, numbers=selected)
        export_format = FORMATS[self.format_name]
        filename = export_filename(params.get("filename"), export_format.extension)
        if export_format.name == "csv":
            response = StreamingHttpResponse(
                csv_export(queryset, viewer=request.user),
                content_type=export_format.content_type,
            )
            response["Content-Disposition"] = content_disposition_header(True, filename)
        else:
            chunks = selectors.export_chunks(queryset, viewer=request.user)
            # The response closes the file (and so removes it) once it is sent.
            spool = tempfile.TemporaryFile(prefix="didhub-export-")  # noqa: SIM115
            try:
                self.write_file(export_format.name, chunks, spool, filters, selected)
            except BaseException:
                spool.close()
                raise
            spool.seek(0)
            response = FileResponse(
                spool,
                as_attachment=True,
                filename=filename,
                content_type=export_format.content_type,
            )
        # Inventories are private: never kept by a shared cache.
        response["Cache-Control"] = "private, no-store"
        return response

    def write_file(self, format_name, chunks, spool, filters, selected) -> None:
        if format_name == "xlsx":
            write_xlsx(chunks, spool)
            return
        write_pdf(
            chunks,
            spool,
            description=describe(
                filters,
                selectors.parse_selection(selected) if selected else None,
                viewer=self.request.user.account.name,
            ),
            generated_at=timezone.now(),
        )


def export_view(format_name: str):
    """The view of one format, documented with its media type."""
    export_format = FORMATS[format_name]
    media_type = export_format.content_type.split(";")[0]
    decorated = extend_schema_view(
        get=extend_schema(
            operation_id=f"numbers_export_{format_name}",
            summary=f"Export numbers as {format_name.upper()}",
            description=(
                "The numbers of the list's filters (every filter of `GET /api/v1/numbers/`), or "
                "the selected `numbers`, in E.164 order, with every column of the Phone Numbers "
                "table and the rest. Streams; spreadsheet formulas in text are neutralized."
            ),
            tags=["numbers"],
            parameters=EXPORT_PARAMETER_DOCS,
            responses={
                (200, media_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description=f"The {format_name.upper()} file."
                ),
                **problems(400, 401, 403, 429),
            },
        )
    )(type(f"Number{format_name.title()}ExportView", (NumberExportView,), {}))
    return decorated.as_view(format_name=format_name)
