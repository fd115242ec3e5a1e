"""What rosters adds to the pages of lower apps: the organisation page's import and export buttons.

Registered with orgs.hooks in RostersConfig.ready(), so orgs never names rosters.
"""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation


def organisation_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """Import a roster (whoever may change the organisation) and export members or organisations (whoever sees it)."""
    can_import = can_at_path(request.user, Action.CHANGE, organisation.path)
    return [PageSection("rosters/_organisation_actions.html", {"can_import": can_import}, place="actions")]
