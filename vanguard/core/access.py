"""The seam between core's shared helpers and the app that decides who sees what.

Core's helpers narrow querysets (`core.views.get_scoped`, the job list and
downloads, the API mixin), but the rules live in `accounts.scoping`, above core
(STYLE.md: core imports no domain app).  Accounts installs its functions here
when it starts (`AccountsConfig.ready`); until then every call refuses rather
than return an unscoped queryset.  `Action` is the shared vocabulary, so core,
accounts and every later app name actions the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    VIEW_IDENTITY = "view_identity"  # the full ID number
    REORGANISE = "reorganise"
    UNLOCK_SIGN_IN = "unlock_sign_in"  # lift a sign-in lockout of the users in the subtree
    RUN_CAMPAIGNS = "run_campaigns"  # the campaign office: start, shape and launch campaigns for the subtree
    # Cases of unqualified members (DOMAIN §5.3): the branch, the organisations above it and the office only —
    # not supervisors, not supervision groups, not other members.
    VIEW_CASES = "view_cases"


@dataclass(frozen=True)
class Rules:
    restrict: Callable[[models.QuerySet, object, Action], models.QuerySet]
    can: Callable[[object, Action, models.Model], bool]
    can_at_path: Callable[[object, Action, str], bool]


_rules: Rules | None = None


def install(
    *,
    restrict: Callable[[models.QuerySet, object, Action], models.QuerySet],
    can: Callable[[object, Action, models.Model], bool],
    can_at_path: Callable[[object, Action, str], bool],
) -> None:
    """Called once by the app that owns the rules (accounts) from its AppConfig.ready()."""
    global _rules
    _rules = Rules(restrict=restrict, can=can, can_at_path=can_at_path)


def _installed() -> Rules:
    if _rules is None:
        raise ImproperlyConfigured("No scoping rules installed: vanguard.accounts must be in INSTALLED_APPS.")
    return _rules


def restrict(queryset: models.QuerySet, user, action: Action = Action.VIEW) -> models.QuerySet:
    """`queryset` narrowed to what `user` may do `action` on (accounts.scoping.restrict)."""
    return _installed().restrict(queryset, user, action)


def can(user, action: Action, obj: models.Model) -> bool:
    """Whether `user` may do `action` on this one object (accounts.scoping.can)."""
    return _installed().can(user, action, obj)


def can_at_path(user, action: Action, path: str) -> bool:
    """Whether `action` is granted at the organisation with this tree path (accounts.scoping.can_at_path)."""
    return _installed().can_at_path(user, action, path)
