"""What study adds to the organisation page: a button to its study (sessions, who is behind, figures)."""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.orgs.hooks import PageSection


def organisation_sections(request: HttpRequest, organisation) -> list[PageSection]:
    # No query: whether a campaign runs there is the study page's to say, so the organisation page's count holds.
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    return [PageSection("study/_organisation_action.html", place="actions")]
