"""Study objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.meetings.models import Meeting, MeetingKind
from vanguard.study.models import Material, Session


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
    return {Session: session, Material: material}
