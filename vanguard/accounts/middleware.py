"""Sends a user who signed in with a password someone else chose to change it before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class ForcePasswordChangeMiddleware:
    """While `must_change_password` is set, every page but the password page and signing out redirects there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("accounts:password_change"), reverse("logout"), reverse("set_language"))
            if request.path not in allowed and not request.path.startswith("/static/"):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("Change your first password before using the API.")}, status=403)
                return redirect("accounts:password_change")
        return self.get_response(request)
