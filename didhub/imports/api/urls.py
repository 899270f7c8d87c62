"""Uploads under /api/v1/imports/."""

from django.urls import path

from didhub.imports.api import views

app_name = "imports_api"

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import_list"),
    path(
        "imports/template.csv",
        views.TemplateView.as_view(fmt="csv"),
        name="import_template_csv",
    ),
    path(
        "imports/template.xlsx",
        views.TemplateView.as_view(fmt="xlsx"),
        name="import_template_xlsx",
    ),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import_commit"),
    path("imports/<int:pk>/errors.csv", views.ImportErrorsCsvView.as_view(), name="import_errors"),
]
