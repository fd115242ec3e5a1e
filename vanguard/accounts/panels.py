"""What accounts adds to the organisation page: who holds which role there, and the way to hand a role over.

Accounts sits below orgs, so it cannot register with orgs.hooks itself: orgs'
AppConfig registers `organisation_sections` (plain dicts of PageSection's fields).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vanguard.accounts import services
from vanguard.accounts.models import RoleAssignment
from vanguard.core.access import Action, can_at_path


def organisation_sections(request: HttpRequest, organisation) -> list[dict[str, Any]]:
    holders = RoleAssignment.objects.current().filter(organisation=organisation).select_related("user")
    manages = can_at_path(request.user, Action.CHANGE, organisation.path) and bool(
        services.grantable_roles(request.user, organisation)
    )
    return [
        {
            "template": "accounts/_organisation_roles.html",
            "context": {"role_holders": list(holders.order_by("role", "pk")), "may_manage_roles": manages},
        }
    ]
