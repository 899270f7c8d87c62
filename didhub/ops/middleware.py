"""Request metrics, when ``DIDHUB_METRICS`` is on (otherwise Django leaves it out)."""

import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection

from didhub.ops.metrics import QueryTimer, observe_request


class MetricsMiddleware:
    def __init__(self, get_response):
        if not settings.DIDHUB_METRICS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        timer = QueryTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The route pattern, never the path: one series per route, and no number or
        # token in a label.
        route = "/" + match.route if match is not None else "unmatched"
        observe_request(
            route=route,
            method=request.method,
            status=response.status_code,
            seconds=time.perf_counter() - started,
            db_seconds=timer.seconds,
        )
        return response
