"""What institutions and remedies add to other apps' pages, registered in RectificationConfig.ready():

- the organisation page (orgs.hooks): the rules in force there, its own and from above; the remedy of a weak
  organisation (or, for those above it, a button to open one where a screening flagged it); a "Draft a rule"
  button for those who may;
- the screening page (appraisals.hooks.register_entry_links): each flagged entry's remedy, or the way to open one.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.appraisals.models import ScreeningEntry
from vanguard.core import tree
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation
from vanguard.rectification.models import Remedy, RemedyStatus
from vanguard.rectification.services.institutions import rules_in_force

RULES_SHOWN = 10


def _runs(user, path: str) -> bool:
    parents = tree.ancestor_paths(path)
    return can_at_path(user, Action.CHANGE, parents[-1] if parents else path)


def organisation_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    user = request.user
    if not can_at_path(user, Action.VIEW, organisation.path):
        return []
    sections = []
    rules = rules_in_force(organisation)
    sections.append(
        PageSection(
            "rectification/institutions/_organisation_card.html",
            {"in_force": rules[:RULES_SHOWN], "in_force_total": len(rules)},
        )
    )
    changeable = can_at_path(user, Action.CHANGE, organisation.path)
    if changeable:
        sections.append(PageSection("rectification/institutions/_organisation_actions.html", place="actions"))
    remedy = Remedy.objects.filter(organisation=organisation).order_by("status", "-created_at", "-pk").first()
    if remedy is not None:
        sections.append(PageSection("rectification/remedies/_organisation_card.html", {"remedy": remedy}))
    if (remedy is None or remedy.status == RemedyStatus.CLOSED) and _runs(user, organisation.path):
        # Flagged by a screening and not yet taken up: those above it are offered to open the remedy.
        entry = (
            ScreeningEntry.objects.filter(organisation=organisation, flagged=True, remedy__isnull=True)
            .order_by("-screening__run_at", "-pk")
            .first()
        )
        if entry is not None or remedy is None:
            sections.append(
                PageSection("rectification/remedies/_organisation_actions.html", {"entry": entry}, place="actions")
            )
    return sections


def entry_links(request: HttpRequest, screening, entries: list[ScreeningEntry]) -> dict[int, SafeString]:
    """A flagged entry's remedy link, or for those above its organisation a link to open one."""
    # The screening's remedies in one query, asked even with nothing flagged on the page: the page's query count
    # stays the same whatever is flagged (a bottom share: a few per run).
    remedies = {
        remedy.screening_entry_id: remedy
        for remedy in Remedy.objects.filter(screening_entry__screening=screening).only(
            "pk", "screening_entry_id", "status", "deadline"
        )
    }
    links = {}
    for entry in entries:
        remedy = remedies.get(entry.pk)
        may_open = remedy is None and _runs(request.user, entry.organisation.path)
        if remedy is None and not may_open:
            continue
        links[entry.pk] = render_to_string(
            "rectification/remedies/_entry_link.html", {"entry": entry, "remedy": remedy}, request=request
        )
    return links
