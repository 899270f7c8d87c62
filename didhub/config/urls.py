from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from didhub.ops.views import healthz, metrics, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include("didhub.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL: no inline script, as the
    # Content-Security-Policy requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("sync/", include("didhub.sync.urls")),
    # The receiver of the demo's platform links: a 404 unless the demo created them.
    path("demo/", include("didhub.demo.urls")),
    path("", include("didhub.web.urls")),
]

# Errors outside DRF views: problem+json under /api/, Django's pages elsewhere.
handler400 = "didhub.core.api.problems.bad_request"
handler403 = "didhub.core.api.problems.permission_denied"
handler404 = "didhub.core.api.problems.page_not_found"
handler500 = "didhub.core.api.problems.server_error"
