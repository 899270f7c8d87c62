"""``/healthz`` (the process answers) and ``/readyz`` (the node can serve), as JSON.

Neither needs a login: load balancers and orchestrators call them. Neither says more
than whether each check passed and why not, which tells an outsider nothing about the
inventory.
"""

from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from didhub.ops.readiness import check_readiness


def _answer(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


@require_GET
def healthz(request):
    """Alive: the process answers a request. Touches no database."""
    return _answer({"status": "ok"}, 200)


@require_GET
def readyz(request):
    """Ready: 200 when every readiness check passes, else 503 naming the failing ones."""
    report = check_readiness()
    response = _answer(report, 200 if report["status"] == "ready" else 503)
    # A probe asks every few seconds: a node that is not ready is an answer, not a server
    # error for django.request to log each time. The failing checks are logged once each.
    response._has_been_logged = True
    return response
