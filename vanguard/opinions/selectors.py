"""Read queries of the opinions pages, scoped to the user; views and other helpers share them.

(Intake's selectors come first; other pages append theirs at the end.)
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from vanguard.accounts.scoping import Action, can_at_path, restrict, scope_roots
from vanguard.campaigns.models import Campaign, CampaignStatus
from vanguard.core import tree
from vanguard.core.chinese import search_variants
from vanguard.opinions.models import Opinion, Problem
from vanguard.orgs.models import Organisation

# Columns the list shows; the rest (contact details above all) stay on the opinion's own page.
LIST_FIELDS = (
    "pk",
    "text",
    "channel",
    "direction",
    "source_group",
    "received_on",
    "receipt",
    "org_path",
    "organisation",
    "organisation__name",
    "problem",
    "problem__title",
    "problem__status",
    "problem__org_path",
    "problem__responsible_path",
)


def opinions_for(
    user,
    *,
    organisation: Organisation | None = None,
    channel: str = "",
    direction: str = "",
    source_group: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    grouped: bool | None = None,
    search: str = "",
) -> QuerySet[Opinion]:
    """Opinions of the user's subtree(s), newest first, narrowed by the filters given.

    `organisation` narrows to its subtree (the scope still holds: an organisation outside it finds nothing).
    `search` matches the text in the script typed and in the other one (黨/党).
    """
    rows = restrict(Opinion.objects.all(), user)
    if organisation is not None:
        rows = rows.filter(tree.subtree_q("org_path", organisation.path))
    if channel:
        rows = rows.filter(channel=channel)
    if direction:
        rows = rows.filter(direction=direction)
    if source_group:
        rows = rows.filter(source_group=source_group)
    if date_from:
        rows = rows.filter(received_on__gte=date_from)
    if date_to:
        rows = rows.filter(received_on__lte=date_to)
    if grouped is not None:
        rows = rows.filter(problem__isnull=not grouped)
    if search and search.strip():
        match = Q()
        for variant in search_variants(search):
            match |= Q(text__icontains=variant)
        rows = rows.filter(match)
    return rows.select_related("organisation", "problem").only(*LIST_FIELDS).order_by("-received_on", "-pk")


def entry_organisations(user) -> QuerySet[Organisation]:
    """Organisations the user may enter opinions for (where they may change records)."""
    return restrict(Organisation.objects.all(), user, Action.CHANGE).order_by("path")


def visible_organisations(user) -> QuerySet[Organisation]:
    return restrict(Organisation.objects.all(), user).order_by("path")


def own_organisation(user, action: Action = Action.CHANGE) -> Organisation | None:
    """The top of the user's own subtree for `action` (the city for whoever sees everything)."""
    roots = scope_roots(user, action)
    if roots is None:
        return Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    if not roots:
        return None
    return Organisation.objects.filter(path__in=roots).order_by("path").first()


def campaigns_for_entry(user) -> QuerySet[Campaign]:
    """Campaigns an entered opinion may be filed under: those the user sees, not closed."""
    return restrict(Campaign.objects.exclude(status=CampaignStatus.CLOSED), user).order_by("-pk")


def problem_visible(user, problem: Problem | None) -> bool:
    """Whether the user may open the problem an opinion is in (grouped above their scope, it is not theirs)."""
    if problem is None:
        return False
    return can_at_path(user, Action.VIEW, problem.org_path) or bool(
        problem.responsible_path and can_at_path(user, Action.VIEW, problem.responsible_path)
    )
