"""What appraisals adds to the organisation page (orgs.hooks, registered in AppraisalsConfig.ready()):
a branch's "Peer appraisal" button, a "Look-back rating" button, and the remedial work ordered for its units."""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.appraisals import lookback
from vanguard.campaigns.models import CampaignStatus, Unit
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation


def peer_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """A branch page's "Peer appraisal" button, for whoever may start one there (orgs.hooks)."""
    if not organisation.is_branch or not can_at_path(request.user, Action.CHANGE, organisation.path):
        return []
    return [PageSection("appraisals/peer/_organisation_actions.html", place="actions")]


def lookback_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """On the organisation page: remedial work ordered for its units, and a button to start a look-back."""
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    sections = []
    units = Unit.objects.filter(organisation=organisation, campaign__status=CampaignStatus.RUNNING)
    orders = _readable(request, list(lookback.open_orders_of(units).select_related("unit__campaign")))
    if orders:
        sections.append(PageSection("appraisals/lookback/_organisation_card.html", {"remedial_orders": orders}))
    if can_at_path(request.user, Action.CHANGE, organisation.path) and units.exists():
        sections.append(PageSection("appraisals/lookback/_organisation_actions.html", place="actions"))
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
