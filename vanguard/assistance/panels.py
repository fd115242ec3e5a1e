"""What assistance adds to the organisation page: a button to its pairings, households and funds."""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.orgs.hooks import PageSection


def organisation_sections(request: HttpRequest, organisation) -> list[PageSection]:
    # No query, so the organisation page's query count holds.
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    return [PageSection("assistance/_organisation_action.html", place="actions")]
