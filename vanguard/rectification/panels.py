"""Rectification's sections on other apps' pages: a campaign unit's plan and items (and the items raised from
its supervision visits), and on a problem's page the items raised from it (the source link shown both ways)."""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.orgs.hooks import PageSection
from vanguard.rectification.models import RectificationItem, RectificationPlan

MAX_ITEMS = 20


def unit_sections(request: HttpRequest, unit) -> list[PageSection]:
    """The unit's plan, its items, and the items that came from its supervision visits."""
    user = request.user
    organisation = unit.organisation
    if not can_at_path(user, Action.VIEW, organisation.path):
        return []
    plan = RectificationPlan.objects.filter(
        campaign_id=unit.campaign_id, organisation=organisation, member__isnull=True
    ).first()
    items = list(plan.items.select_related("responsible").order_by("deadline", "pk")[:MAX_ITEMS]) if plan else []
    from_visits = list(
        restrict(RectificationItem.objects.filter(visit__unit=unit), user)
        .select_related("responsible")
        .order_by("deadline", "pk")[:MAX_ITEMS]
    )
    context = {
        "plan": plan,
        "items": items,
        "from_visits": from_visits,
        "may_draw_up": plan is None and can_at_path(user, Action.CHANGE, organisation.path),
        "campaign_id": unit.campaign_id,
        "organisation": organisation,
    }
    return [PageSection("rectification/panels/unit.html", context)]


def problem_sections(request: HttpRequest, problem) -> list[PageSection]:
    """Items raised from the problem, those the user may see."""
    items = list(
        restrict(RectificationItem.objects.filter(problem=problem), request.user)
        .select_related("plan", "responsible")
        .order_by("pk")
    )
    if not items:
        return []
    return [PageSection("rectification/panels/problem.html", {"items": items})]
