"""Sign-in throttling, built on django-axes (settings: AXES_*, LOGIN_FAILURES_PER_*).

django-axes records every failed sign-in (user name, address, time) and refuses
further sign-ins once a limit is reached, on every path that authenticates with
a request: the login pages and the API's basic authentication.  What Vanguard
adds here:

- two limits instead of axes' one: a user name is locked after
  LOGIN_FAILURES_PER_USER failures, an address after the larger
  LOGIN_FAILURES_PER_ADDRESS (one office's NAT carries many honest users, while
  an address trying many user names is spraying passwords);
- an audit entry when a user name or an address becomes locked;
- a success forgives only that user name's failures from that address;
- the lockout page in the reader's language, and the client's address taken
  behind our reverse proxy (VANGUARD_PROXY_COUNT).

Unlocking and listing lockouts live in `lockouts.py`.
"""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

USERNAME = "username"
ADDRESS = "ip_address"


def cooloff_minutes() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a sign-in while its user name or address is locked.

    Every sign-in from a browser or an API client comes with its request.  A
    call without one (the test client's `login()`, a shell) has no client
    address to throttle; it is passed on to the password check instead of
    failing as axes' own backend would.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per user name and a larger one per address."""

    def failures_by(self, request, credentials: dict | None = None) -> dict[str, int]:
        """Recent failures of this request's user name and of its address."""
        # get_user_attempts follows AXES_LOCKOUT_PARAMETERS: [user name, address], within the cool-off.
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        return dict(zip((USERNAME, ADDRESS), counts, strict=True))

    def locked_by(self, request, credentials: dict | None = None) -> set[str]:
        """Which of the user name and the address are past their limit."""
        failures = self.failures_by(request, credentials)
        locked = set()
        if failures[USERNAME] >= settings.LOGIN_FAILURES_PER_USER:
            locked.add(USERNAME)
        if failures[ADDRESS] >= settings.LOGIN_FAILURES_PER_ADDRESS:
            locked.add(ADDRESS)
        return locked

    def get_failures(self, request, credentials: dict | None = None) -> int:
        # axes compares this one number with AXES_FAILURE_LIMIT (the user-name limit); an
        # address past its own limit counts as reaching it.
        failures = self.failures_by(request, credentials)
        if failures[ADDRESS] >= settings.LOGIN_FAILURES_PER_ADDRESS:
            return max(failures[USERNAME], settings.AXES_FAILURE_LIMIT)
        return failures[USERNAME]

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        if request is None:
            return  # no client to throttle (see LoginThrottleBackend)
        before = self.locked_by(request, credentials)
        super().user_login_failed(sender, credentials, request, **kwargs)
        newly = self.locked_by(request, credentials) - before
        if newly:
            from vanguard.accounts import lockouts

            lockouts.record_lockout(
                username=get_client_username(request, credentials) or "",
                address=request.axes_ip_address or "",
                by=sorted(newly),
            )

    def user_logged_in(self, sender, request, user, **kwargs) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # A user who mistyped and then got it right starts afresh from this address; the
        # address's failures on other user names stay (a sprayer with one valid account
        # must not be able to wipe them).
        if getattr(request, "axes_ip_address", None) is not None:
            AccessAttempt.objects.filter(username=user.get_username(), ip_address=request.axes_ip_address).delete()


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind VANGUARD_PROXY_COUNT proxies the entry they appended.

    Only the entries our own proxies appended to X-Forwarded-For can be trusted
    (a client can send the header with anything in it), so the address is the
    PROXY_COUNT-th entry from the right.
    """
    count = settings.PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page shown instead of the login form while the user name or address is locked."""
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": cooloff_minutes(), "username": get_client_username(request, credentials) or ""},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
