"""What the page header needs to know about the user beyond `user` itself."""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.lockouts import may_unlock
from vanguard.accounts.views import may_manage_accounts


def navigation(request: HttpRequest) -> dict:
    # A callable: the template calls it only where the header asks, so other pages pay no query.
    return {
        "may_unlock_sign_ins": lambda: may_unlock(request.user),
        "may_manage_accounts": lambda: may_manage_accounts(request.user),
    }
