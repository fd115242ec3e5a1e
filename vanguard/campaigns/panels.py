"""What campaigns adds to the organisation page: where the organisation stands in each running campaign.

Registered with orgs.hooks in CampaignsConfig.ready(), so orgs never imports campaigns.
"""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.campaigns.models import CampaignStatus, Unit
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation


def organisation_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    units = list(
        Unit.objects.filter(organisation=organisation, campaign__status=CampaignStatus.RUNNING)
        .select_related("campaign", "phase", "batch")
        .order_by("-campaign__starts_on")
    )
    if not units:
        return []
    return [PageSection("campaigns/_organisation_card.html", {"campaign_units": units})]
