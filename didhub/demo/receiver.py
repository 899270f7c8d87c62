"""The demo's calling platform, answering inside ``didhub serve`` itself.

The demo links enterprises to this receiver (``didhub.demo.platforms``), so that
``make run`` shows sync as it is with a real platform, without running one: the worker
signs each message and sends it over HTTP to ``/demo/platform/<name>/`` of the same
server, which answers as a platform would.

* Only links the demo created are answered (a ``DemoPlatform`` row names them); any
  other name is a 404, so an installation without the demo serves nothing here.
* The Standard Webhooks signature is verified with the link's secret, exactly as
  docs/sync.md tells a receiver to; an unsigned or forged request is refused (400).
* Nothing is stored: the answer depends only on the message and the platform's
  behaviour, so it is the same on every retry and after every restart.
* A live platform holds numbers of the countries it has locations in: a message
  carrying a number of any other country is refused (422), and the worker marks every
  number of that message Failed. A platform in maintenance answers 503 with
  ``Retry-After: 3600``: the link backs off, and its numbers read Pending.
"""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from didhub.demo.models import DemoPlatform, PlatformBehaviour

MAINTENANCE_RETRY_AFTER = 3600


def refusal(status: int, message: str, **headers) -> JsonResponse:
    answer = JsonResponse({"message": message}, status=status)
    for name, value in headers.items():
        answer[name] = value
    # The demo platform's refusals are its part in the demo, not server errors of didhub:
    # django.request would log each maintenance 503 as an ERROR.
    answer._has_been_logged = True
    return answer


def foreign_numbers(message: dict, regions: set[str]) -> list[str]:
    """The numbers a message asks the platform to hold outside its countries."""
    numbers = message.get("data", {}).get("numbers", [])
    return [
        item["e164"]
        for item in numbers
        if item.get("number") and item["number"].get("region") not in regions
    ]


@csrf_exempt
@require_POST
def platform(request, name: str):
    demo = DemoPlatform.objects.select_related("link").filter(name=name).first()
    if demo is None:
        return refusal(404, "No demo platform has this name.")
    secret = demo.link.credentials
    if not secret:
        return refusal(400, "The link has no secret this platform can verify with.")
    try:
        message = Webhook(secret).verify(request.body, dict(request.headers))
    except (WebhookVerificationError, ValueError):
        return refusal(400, "The signature does not verify.")
    if demo.behaviour == PlatformBehaviour.MAINTENANCE:
        return refusal(
            503,
            "The platform is in maintenance.",
            **{"Retry-After": str(MAINTENANCE_RETRY_AFTER)},
        )
    foreign = foreign_numbers(message, demo.region_set)
    if foreign:
        return refusal(
            422,
            f"{foreign[0]} is outside the countries this platform has locations in "
            f"({', '.join(sorted(demo.region_set))}).",
        )
    return HttpResponse(status=204)
