"""Study objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.meetings.models import Meeting, MeetingKind
from vanguard.study.models import Material, Session, Standing, StudyRecord


def sibling_objects(city) -> dict:
    campaign = make_campaign(city.district_b, name="乙区先进性教育")
    phase = campaign.phases.order_by("order").first()
    meeting = Meeting.objects.create(
        organisation=city.branch_b,
        org_path=city.branch_b.path,
        kind=MeetingKind.STUDY,
        title="乙一支部学习",
        held_on=datetime.date.today(),
    )
    session = Session.objects.create(meeting=meeting, campaign=campaign, phase=phase, org_path=city.branch_b.path)
    material = Material(
        campaign=campaign, organisation=city.district_b, org_path=city.district_b.path, title="乙区学习材料"
    )
    material.file.save("yiqu.txt", ContentFile("乙区".encode()), save=False)
    material.save()
    record = StudyRecord.objects.create(
        member=city.member_b,
        org_path=city.branch_b.path,
        recorded_at_organisation=city.branch_b,
        recorded_at_path=city.branch_b.path,
        campaign=campaign,
        phase=phase,
        studied_on=datetime.date.today(),
        hours=1,
        what="乙一支部自学",
    )
    standing = Standing.objects.create(
        member=city.member_b, campaign=campaign, phase=phase, org_path=city.branch_b.path, category="ordinary"
    )
    return {Session: session, Material: material, StudyRecord: record, Standing: standing}
