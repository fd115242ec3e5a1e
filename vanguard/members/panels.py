"""What members adds to the pages of lower apps: the organisation page's member buttons and counts.

Registered with orgs.hooks in MembersConfig.ready(), so orgs never imports members.
"""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.members.models import Category, Status
from vanguard.members.selectors import member_counts
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation


def organisation_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """The whole subtree's members by category and by status (from the kept tallies), and the member buttons.

    Only for whoever's role covers the organisation: the counts link to the member list, which shows a member
    (who sees their branch through their own record) only themself, so "党员 (41)" would lead to a list of one.
    """
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    by_category = member_counts(organisation, "category")
    by_status = member_counts(organisation, "status")
    member_total = sum(by_status.values())
    return [
        PageSection(
            "members/_organisation_actions.html",
            {
                "member_total": member_total,
                "can_add_member": can_at_path(request.user, Action.CHANGE, organisation.path),
            },
            place="actions",
        ),
        PageSection(
            "members/_organisation_counts.html",
            {
                "category_counts": [(value, label, by_category.get(value, 0)) for value, label in Category.choices],
                "status_counts": [(value, label, by_status.get(value, 0)) for value, label in Status.choices],
                "member_total": member_total,
            },
        ),
    ]
