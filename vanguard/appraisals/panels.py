"""What appraisals adds to the organisation page (orgs.hooks, registered in AppraisalsConfig.ready()):
a branch's "Peer appraisal" button, a "Look-back rating" button, and the remedial work ordered for its units."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.appraisals import lookback
from vanguard.appraisals.models import RemedialOrder
from vanguard.campaigns.models import CampaignStatus, Unit
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation


def peer_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """A branch page's "Peer appraisal" button, for whoever may start one there (orgs.hooks)."""
    if not organisation.is_branch or not can_at_path(request.user, Action.CHANGE, organisation.path):
        return []
    return [PageSection("appraisals/peer/_organisation_actions.html", place="actions")]


def organisation_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """On the organisation page, from one query of its campaign units: the remedial work ordered for them, a
    "Look-back rating" button where it may hold one, and for the campaign office the settings of its campaigns."""
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    units = list(
        Unit.objects.filter(organisation=organisation)
        .exclude(campaign__status=CampaignStatus.CLOSED)
        .select_related("campaign")
        .annotate(remedial=Exists(RemedialOrder.objects.filter(unit=OuterRef("pk"), done_on__isnull=True)))
        .order_by("-campaign__starts_on", "pk")
    )
    running = [unit for unit in units if unit.campaign.status == CampaignStatus.RUNNING]
    sections = []
    if any(unit.remedial for unit in running):
        orders = lookback.open_orders_of([unit.pk for unit in running if unit.remedial])
        orders = _readable(request, list(orders.select_related("unit__campaign")))
        sections.append(PageSection("appraisals/lookback/_organisation_card.html", {"remedial_orders": orders}))
    if running and can_at_path(request.user, Action.CHANGE, organisation.path):
        sections.append(PageSection("appraisals/lookback/_organisation_actions.html", place="actions"))
    # A campaign's own organisation is a unit of it once its batches are assigned.
    campaigns = [unit.campaign for unit in units if unit.campaign.organisation_id == organisation.pk]
    if campaigns and can_at_path(request.user, Action.RUN_CAMPAIGNS, organisation.path):
        sections.append(
            PageSection("appraisals/rules/_organisation_actions.html", {"rules_campaigns": campaigns}, place="actions")
        )
    return sections


def unit_sections(request: HttpRequest, unit: Unit) -> list[PageSection]:
    """On a campaign unit's page: the remedial work ordered for it and not yet done (campaigns.hooks)."""
    orders = _readable(request, list(lookback.open_orders_of([unit.pk])))
    if not orders:
        return []
    return [PageSection("appraisals/lookback/_unit_marker.html", {"remedial_orders": orders})]


def _readable(request: HttpRequest, orders: list) -> list:
    """Mark which orders' look-back the reader may open: it is often held above the unit it rated."""
    for order in orders:
        order.ballot_visible = can_at_path(request.user, Action.VIEW, order.ballot.org_path)
    return orders
