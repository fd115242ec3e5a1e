"""Response headers that keep personal data out of caches.

Pages and API answers carry names, ID numbers and phone numbers.  Telling which
response holds personal data would mean marking every view; instead every
response to a signed-in user, and every API response whoever asks, is marked
`private, no-store`, so neither a shared proxy nor the browser's own cache (a
shared office computer) keeps a copy.  Static files are exempt: they are the
same for everyone and are meant to be cached.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

API_PREFIX = "/api/"


class PrivateCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if is_private(request):
            # Merged into what a view set (never_cache's no-cache stays); `private` drops a `public`.
            patch_cache_control(response, private=True, no_store=True)
        return response


def is_private(request: HttpRequest) -> bool:
    """Whether the response to `request` may hold personal data."""
    if request.path.startswith(settings.STATIC_URL):
        return False
    if request.path_info.startswith(API_PREFIX):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
