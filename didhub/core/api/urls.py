"""The audit log under /api/v1/."""

from django.urls import path

from didhub.core.api.events import EventListView

app_name = "core_api"

urlpatterns = [
    path("events/", EventListView.as_view(), name="event_list"),
]
