"""``/healthz`` (the process answers), ``/readyz`` (the node can serve), ``/metrics``.

The first two need no login: load balancers and orchestrators call them, and they say
no more than whether each check passed and why not, which tells an outsider nothing
about the inventory. ``/metrics`` is off unless ``DIDHUB_METRICS`` is set (then 404,
as if it did not exist) and answers only a bearer of ``DIDHUB_METRICS_TOKEN`` or a
client in ``DIDHUB_METRICS_ALLOW`` (loopback by default).
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

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


@require_GET
def metrics(request):
    """Prometheus text format, for a scraper that is allowed to read it."""
    if not settings.DIDHUB_METRICS:
        raise Http404("Metrics are not enabled.")
    if not scraper_allowed(request):
        response = HttpResponse("Not allowed to read the metrics.\n", status=403)
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    from didhub.ops.metrics import exposition

    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response


def scraper_allowed(request) -> bool:
    """The right bearer token, or a client address in an allowed network."""
    expected = settings.DIDHUB_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if expected and given.startswith("Bearer "):
        return hmac.compare_digest(given[len("Bearer ") :].encode(), expected.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.DIDHUB_METRICS_ALLOW)
