"""Campaign objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

import datetime

from vanguard.campaigns import services
from vanguard.campaigns.models import Campaign, CampaignTemplate, Evidence, StepRecord, Unit
from vanguard.campaigns.tests.test_services import DEFINITION


def sibling_objects(city) -> dict:
    template = CampaignTemplate.objects.create(
        key="sibling", name="乙区活动", definition=DEFINITION, source="", digest="sibling"
    )
    campaign = services.create_campaign(
        template=template,
        organisation=city.district_b,
        name="乙区活动",
        starts_on=datetime.date.today() - datetime.timedelta(days=1),
        actor=None,
    )
    services.launch(campaign=campaign, actor=None)
    unit = Unit.objects.get(campaign=campaign, organisation=city.branch_b)
    # A document of a step the sibling branch recorded: its file route must answer 404 (campaigns.evidence_views).
    step = unit.phase.steps.order_by("order").first()
    record = StepRecord.objects.create(unit=unit, step=step)
    piece = Evidence.objects.create(record=record, kind="document", file="evidence/b.pdf", data={"name": "乙.pdf"})
    return {Evidence: piece, Campaign: campaign, Unit: unit}
