"""Every route of /api/v1/, gathered from the apps that own them."""

from django.urls import include, path

urlpatterns = [
    path("", include("didhub.exports.api.urls")),
    path("", include("didhub.imports.api.urls")),
    path("", include("didhub.numbers.api.urls")),
    path("", include("didhub.accounts.api.urls")),
    path("", include("didhub.sync.api.urls")),
    path("", include("didhub.ops.api.urls")),
]
