"""The installation's status under /api/v1/."""

from django.urls import path

from didhub.ops.api.views import StatusView

app_name = "ops_api"

urlpatterns = [path("status/", StatusView.as_view(), name="status")]
