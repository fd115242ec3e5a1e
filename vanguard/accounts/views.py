"""The campaign office's page of sign-in lockouts, with an unlock button for each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vanguard.accounts import lockouts


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    if not lockouts.may_unlock(request.user):
        raise PermissionDenied
    context = {
        "usernames": lockouts.username_lockouts(request.user),
        "addresses": lockouts.address_lockouts(request.user),
        "sees_addresses": lockouts.may_unlock_addresses(request.user),
    }
    return render(request, "accounts/lockouts.html", context)


@require_POST
@login_required
def unlock(request: HttpRequest) -> HttpResponse:
    if not lockouts.may_unlock(request.user):
        raise PermissionDenied
    username = request.POST.get("username", "").strip()
    address = request.POST.get("address", "").strip()
    if bool(username) == bool(address):
        messages.error(request, _("Choose one user name or one address to unlock."))
        return redirect("accounts:lockouts")
    try:
        lockouts.unlock(actor=request.user, username=username, address=address)
    except PermissionDenied:
        # Out of reach and not locked read the same: the page never confirms a user name elsewhere.
        messages.error(request, _("There is no such lockout to lift (it may have expired)."))
    else:
        messages.success(request, _("Unlocked: %(name)s can sign in again.") % {"name": username or address})
    return redirect("accounts:lockouts")
