"""Ends the session of someone who was switched off, and says why.

``ActiveAccountBackend`` no longer loads the user of a session once the user, or its
account or an account above it, is deactivated, so the request is anonymous. Without
this middleware the person would meet a bare sign-in page (or an API 401 about missing
credentials) and keep a session that could come back to life on reactivation. Here the
session is ended for good, and the person reads the reason: on the sign-in page in the
portal, in the problem document on the API.
"""

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import JsonResponse
from django.shortcuts import redirect

from didhub.accounts.access import access_code, access_refusal
from didhub.accounts.models import User

API_PREFIX = "/api/"


class SwitchedOffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session and not request.user.is_authenticated:
            response = self.sign_out(request)
            if response is not None:
                return response
        return self.get_response(request)

    def sign_out(self, request):
        """End the session; answer with the reason when the user was switched off."""
        user = User.objects.select_related("account").filter(pk=request.session[SESSION_KEY])
        user = user.first()
        reason = access_refusal(user) if user is not None else None
        logout(request)
        if reason is None:
            return None
        if request.path.startswith(API_PREFIX):
            from didhub.core.api.problems import PROBLEM_CONTENT_TYPE, problem_body

            body = problem_body(status_code=401, code=access_code(user), detail=reason)
            response = JsonResponse(body, status=401, content_type=PROBLEM_CONTENT_TYPE)
            response["WWW-Authenticate"] = "Token"
            return response
        messages.error(request, f"You have been signed out. {reason}")
        return redirect("web:login")
