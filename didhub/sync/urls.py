"""Portal pages of platform sync, included by the portal under ``sync/``."""

from django.urls import path

from didhub.sync import views

app_name = "sync"

PREFIX = "/sync/"


def consent_path(token: str) -> str:
    """Where a consent link points (the page below, mounted under ``sync/``)."""
    return f"{PREFIX}consent/{token}/"


urlpatterns = [
    path("consent/<str:token>/", views.consent, name="consent"),
]
