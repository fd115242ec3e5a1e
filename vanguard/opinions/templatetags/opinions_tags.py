"""Template helpers of the opinions pages."""

from __future__ import annotations

from django import template

from vanguard.accounts.scoping import Action, scope_roots

register = template.Library()


@register.simple_tag
def may_handle_opinions(user) -> bool:
    """Whether the user may enter and group opinions anywhere (a role that may change an organisation)."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(scope_roots(user, Action.CHANGE))
