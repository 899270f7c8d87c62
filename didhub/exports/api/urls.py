"""Export routes (streaming CSV, XLSX, PDF); they come before /numbers/<e164>/."""

from django.urls import path

from didhub.exports.views import export_view

app_name = "exports_api"

urlpatterns = [
    path(f"numbers/export.{name}", export_view(name), name=f"numbers_export_{name}")
    for name in ("csv", "xlsx", "pdf")
]
