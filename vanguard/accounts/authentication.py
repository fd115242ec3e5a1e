"""The API's basic authentication, throttled like the login page.

DRF's BasicAuthentication passes its request to `authenticate()`, so django-axes
counts API failures and refuses locked user names and addresses like on the
login page (see throttling.py).  A refusal for a lockout is answered 429 with a
Retry-After header and says why, instead of the generic "invalid password".
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, Throttled


class SignInLocked(Throttled):
    default_detail = _(
        "Too many failed sign-ins for this user name or from this address. Try again later, "
        "or ask the campaign office to unlock it."
    )
    default_code = "sign_in_locked"


class ThrottledBasicAuthentication(BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        try:
            user, auth = super().authenticate_credentials(userid, password, request)
        except AuthenticationFailed:
            if request is not None and getattr(request, "axes_locked_out", False):
                raise SignInLocked(wait=settings.AXES_COOLOFF_TIME.total_seconds()) from None
            raise
        if getattr(user, "must_change_password", False):
            # A first password (printed on a slip) opens nothing until its owner has replaced it on the site.
            raise PermissionDenied(_("Change your first password on the site before using the API."))
        return user, auth
