"""What target management adds to the organisation page: a button to its sheets, letters and ranking."""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.orgs.hooks import PageSection


def organisation_sections(request: HttpRequest, organisation) -> list[PageSection]:
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    return [PageSection("targets/_organisation_action.html", place="actions")]
