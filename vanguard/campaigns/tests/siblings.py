"""Campaign objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

import datetime

from vanguard.campaigns import services
from vanguard.campaigns.models import (
    Briefing,
    Campaign,
    CampaignTemplate,
    Evidence,
    GroupMember,
    Notice,
    NoticeReceipt,
    StepRecord,
    SupervisionGroup,
    Unit,
    Visibility,
)
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
    group = SupervisionGroup.objects.create(
        campaign=campaign, name="乙区督导组", sent_by=city.district_b, org_path=city.district_b.path
    )
    group.units.add(unit)
    GroupMember.objects.create(group=group, user=city.secretary_b, is_leader=True)
    notice = Notice.objects.create(
        organisation=city.district_b, org_path=city.district_b.path, title="乙区通知", body="…", recipients=1
    )
    NoticeReceipt.objects.create(notice=notice, organisation=city.branch_b, org_path=city.branch_b.path)
    # Internal: the public briefing pages must answer 404 for it like every other page.
    briefing = Briefing.objects.create(
        organisation=city.district_b,
        org_path=city.district_b.path,
        title="乙区简报",
        body="…",
        visibility=Visibility.INTERNAL,
    )
    # A document of a step the sibling branch recorded: its file route must answer 404 (campaigns.evidence_views).
    step = unit.phase.steps.order_by("order").first()
    record = StepRecord.objects.create(unit=unit, step=step)
    piece = Evidence.objects.create(record=record, kind="document", file="evidence/b.pdf", data={"name": "乙.pdf"})
    return {
        # Templates are shared, not in any subtree: their pages are for campaign offices only (template_views).
        CampaignTemplate: template,
        Evidence: piece,
        StepRecord: record,  # the step-records API (campaigns.api)
        Campaign: campaign,
        Unit: unit,
        SupervisionGroup: group,
        Notice: notice,
        Briefing: briefing,
    }
