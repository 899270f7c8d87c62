"""The customer's consent page (docs/sync.md): opened from the link a reseller sends."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from didhub.core.errors import DomainError
from didhub.sync import services
from didhub.sync.models import PlatformLink


@require_http_methods(["GET", "POST"])
def consent(request, token: str):
    """Shows what the customer consents to; a POST gives consent (single use)."""
    link = (
        PlatformLink.objects.select_related("enterprise")
        .filter(consent_token_hash=services.hash_consent_token(token))
        .first()
    )
    context = {"link": link, "done": False, "error": ""}
    if link is None:
        context["error"] = (
            "This consent link is not valid: it was used, has expired, or was replaced."
        )
        return render(request, "sync/consent.html", context, status=404)
    if link.consent_expires_at is None or link.consent_expires_at <= timezone.now():
        # Gone, not refused: the customer learns why, and whom to ask.
        context["expired"] = True
        return render(request, "sync/consent.html", context, status=410)
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        try:
            services.link_consent(actor=user, link=link, token=token)
        except DomainError as error:
            context["error"] = error.message
            return render(request, "sync/consent.html", context, status=error.status)
        context["done"] = True
    return render(request, "sync/consent.html", context)
