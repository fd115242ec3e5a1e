"""The campaign pages as their users meet them: the office drafts and launches, a branch records and asks, the
organisation above decides, everyone's home page shows the work due."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from vanguard.campaigns.models import Campaign, StepRecord, Unit, UnitState
from vanguard.campaigns.tests.test_services import running, template, unit_of  # noqa: F401  (fixtures)


def test_the_office_drafts_previews_overrides_and_launches(client, city, template, today):  # noqa: F811
    client.force_login(city.office)
    response = client.post(
        reverse("campaigns:create"),
        {
            "template": template.pk,
            "organisation": city.root.pk,
            "name": "保持共产党员先进性教育活动",
            "theme": "做风正心齐表率",
            "starts_on": today.isoformat(),
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("campaigns:detail", args=[campaign.pk])
    detail = reverse("campaigns:detail", args=[campaign.pk])
    page = client.get(detail)
    assert page.status_code == 200 and "第一批" in page.content.decode()
    # A preview shows the counts after the change and saves nothing.
    third = campaign.batches.get(key="third")
    preview = client.post(detail, {"action": "preview", "lines": f"{city.district_b.code} 3"})
    assert preview.status_code == 200
    assert preview.context["preview"][2] == (third, 2)
    assert not Unit.objects.filter(batch=third).exists()
    # A bad line is named.
    bad = client.post(detail, {"action": "preview", "lines": f"{city.district_b.code} 3\n999 1"})
    assert bad.status_code == 400 and "999" in bad.content.decode()
    client.post(detail, {"action": "assign", "lines": f"{city.district_b.code} third"})
    assert Unit.objects.filter(batch=third).count() == 2
    client.post(detail, {"action": "pilots", "codes": city.branch_a.code})
    assert Unit.objects.get(campaign=campaign, organisation=city.branch_a).is_pilot
    client.post(detail, {"action": "launch"})
    assert Campaign.objects.get().status == "running"


def test_only_the_office_creates_and_changes_campaigns(client, city, template, running):  # noqa: F811
    client.force_login(city.secretary_a)
    assert client.get(reverse("campaigns:create")).status_code == 404
    assert client.post(reverse("campaigns:detail", args=[running.pk]), {"action": "pilots"}).status_code == 404
    # The district's secretary still sees the campaign that covers the district.
    assert client.get(reverse("campaigns:detail", args=[running.pk])).status_code == 200
    assert running.name in client.get(reverse("campaigns:list")).content.decode()


def test_a_branch_records_asks_and_is_returned_then_accepted(client, city, running):  # noqa: F811
    unit = unit_of(running, city.branch_a)
    page = reverse("campaigns:unit", args=[unit.pk])
    client.force_login(city.branch_secretary_a)
    body = client.get(page).content.decode()
    assert "动员大会" in body and "领导讲党课" not in body  # the leaders' step is not a branch's
    mobilise = running.phases.get(key="study").steps.get(key="mobilise")
    form = client.get(reverse("campaigns:record_step", args=[unit.pk]) + f"?step={mobilise.pk}")
    assert form.status_code == 200
    done = client.post(
        reverse("campaigns:record_step", args=[unit.pk]) + f"?step={mobilise.pk}", {"note": "全体党员参加"}
    )
    assert done.status_code == 302
    assert StepRecord.objects.get(unit=unit, step=mobilise).note == "全体党员参加"
    # Asking too early is refused with the missing step named, on the page.
    client.post(reverse("campaigns:unit_decide", args=[unit.pk]), {"action": "ask"})
    assert "支部学习" in client.get(page).content.decode()
    branch_study = running.phases.get(key="study").steps.get(key="branch-study")
    client.post(reverse("campaigns:record_step", args=[unit.pk]) + f"?step={branch_study.pk}", {"note": ""})
    client.post(reverse("campaigns:unit_decide", args=[unit.pk]), {"action": "ask"})
    assert unit_of(running, city.branch_a).state == UnitState.AWAITING
    # The district above sees it waiting on its home page and returns it with reasons.
    client.force_login(city.secretary_a)
    home = client.get("/")
    assert home.status_code == 200 and "甲一支部" in home.content.decode()
    client.post(reverse("campaigns:unit_decide", args=[unit.pk]), {"action": "return", "reasons": "记录不全"})
    assert unit_of(running, city.branch_a).state == UnitState.RETURNED
    client.force_login(city.branch_secretary_a)
    assert "记录不全" in client.get(page).content.decode()
    client.post(reverse("campaigns:unit_decide", args=[unit.pk]), {"action": "ask"})
    client.force_login(city.secretary_a)
    client.post(reverse("campaigns:unit_decide", args=[unit.pk]), {"action": "accept", "reasons": ""})
    assert unit_of(running, city.branch_a).phase.key == "appraisal"


def test_a_sibling_cannot_record_or_see_another_units_page(client, city, running):  # noqa: F811
    unit = unit_of(running, city.branch_a)
    mobilise = running.phases.get(key="study").steps.get(key="mobilise")
    client.force_login(city.secretary_b)
    assert client.get(reverse("campaigns:unit", args=[unit.pk])).status_code == 404
    assert client.post(reverse("campaigns:record_step", args=[unit.pk]) + f"?step={mobilise.pk}").status_code == 404
    assert client.post(reverse("campaigns:unit_decide", args=[unit.pk]), {"action": "ask"}).status_code == 404
    assert not StepRecord.objects.exists()


def test_home_shows_a_secretary_the_steps_due_and_late(client, city, template):  # noqa: F811
    from vanguard.campaigns import services

    campaign = services.create_campaign(
        template=template,
        organisation=city.root,
        name="活动",
        starts_on=datetime.date.today() - datetime.timedelta(days=10),
        actor=city.office,
    )
    services.assign_batches(
        campaign=campaign, overrides={city.root.pk: campaign.batches.get(key="first").pk}, actor=city.office
    )
    services.launch(campaign=campaign, actor=city.office)
    client.force_login(city.branch_secretary_a)
    body = client.get("/").content.decode()
    # 动员大会 was due on day 7; it is day 11.
    assert "动员大会" in body and "支部学习" in body
    late_line = body[body.index("error") :]
    assert "动员大会" in late_line


def test_a_member_sees_what_is_asked_of_members(client, city, template, today):  # noqa: F811
    from vanguard.campaigns.tests.test_services import DEFINITION

    definition = {**DEFINITION, "key": "members"}
    definition["phases"] = [dict(DEFINITION["phases"][0])]
    definition["phases"][0]["steps"] = [
        {"key": "self-analysis", "name": "党性分析材料", "by": "members", "required": True, "evidence": []}
    ]
    definition["batches"] = [{**DEFINITION["batches"][0], "schedule": [DEFINITION["batches"][0]["schedule"][0]]}]
    from vanguard.campaigns import services
    from vanguard.campaigns.models import CampaignTemplate

    tpl = CampaignTemplate.objects.create(key="members", name="m", definition=definition, source="", digest="m")
    campaign = services.create_campaign(template=tpl, organisation=city.root, name="活动", starts_on=today, actor=None)
    services.launch(campaign=campaign, actor=None)
    client.force_login(city.member_user_a)
    # Wherever signing in lands a member (their own page, once study is installed), the step asked of them shows.
    body = client.get("/", follow=True).content.decode()
    assert "党性分析材料" in body


@pytest.mark.parametrize("name", ["campaigns:list"])
def test_lists_need_sign_in(client, name):
    assert client.get(reverse(name)).status_code == 302


def test_the_organisation_page_shows_where_it_stands(client, city, running):  # noqa: F811
    client.force_login(city.branch_secretary_a)
    body = client.get(reverse("orgs:detail", args=[city.branch_a.pk])).content.decode()
    unit = unit_of(running, city.branch_a)
    assert reverse("campaigns:unit", args=[unit.pk]) in body and "学习动员" in body


def test_a_step_is_recorded_with_a_meeting_and_a_file(client, city, today, settings, tmp_path):
    """The evidence forms come from the registry: a meeting record with an absentee, and a document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vanguard.campaigns import services
    from vanguard.campaigns.models import CampaignTemplate, Evidence
    from vanguard.campaigns.tests.test_services import DEFINITION
    from vanguard.meetings.models import Attendance, Meeting

    settings.MEDIA_ROOT = tmp_path
    definition = {**DEFINITION, "key": "evidence"}
    study = dict(DEFINITION["phases"][0])
    study["steps"] = [
        {
            "key": "mobilise",
            "name": "动员大会",
            "by": "unit",
            "required": True,
            "evidence": [{"kind": "meeting", "meeting_kind": "mobilisation"}, {"kind": "document", "optional": True}],
        }
    ]
    definition["phases"] = [study, *DEFINITION["phases"][1:]]
    tpl = CampaignTemplate.objects.create(key="evidence", name="e", definition=definition, source="", digest="e")
    campaign = services.create_campaign(template=tpl, organisation=city.root, name="活动", starts_on=today, actor=None)
    first = campaign.batches.get(key="first")
    services.assign_batches(campaign=campaign, overrides={city.root.pk: first.pk}, actor=None)
    services.launch(campaign=campaign, actor=None)
    unit = Unit.objects.get(campaign=campaign, organisation=city.branch_a)
    step = campaign.phases.get(key="study").steps.get()
    url = reverse("campaigns:record_step", args=[unit.pk]) + f"?step={step.pk}"
    client.force_login(city.branch_secretary_a)
    form = client.get(url)
    assert form.status_code == 200 and city.member_a.name in form.content.decode()  # the attendance table
    from vanguard.members.factories import MemberFactory

    m = city.member_a.pk
    present = MemberFactory(organisation=city.branch_a, name="王到")
    fields = {"e0-title": "动员大会", "e0-held_on": today.isoformat(), "e0-place": "会议室"}
    fields[f"e0-attendance_{present.pk}"] = "present"
    # Absent without a reason: refused, nothing recorded, the reason asked for.
    refused = client.post(url, {**fields, f"e0-attendance_{m}": "absent"})
    assert refused.status_code == 400 and not StepRecord.objects.exists()
    pdf = SimpleUploadedFile("动员讲话.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    done = client.post(url, {**fields, f"e0-attendance_{m}": "absent", f"e0-reason_{m}": "出差", "e1-file": pdf})
    assert done.status_code == 302, re.findall(r"class=\"errors?\">(.*?)</", done.content.decode(), re.S)
    saved = StepRecord.objects.get(unit=unit, step=step)
    assert sorted(Evidence.objects.filter(record=saved).values_list("kind", flat=True)) == ["document", "meeting"]
    meeting = Meeting.objects.get(organisation=city.branch_a)
    assert meeting.kind == "mobilisation"
    assert Attendance.objects.get(meeting=meeting, member=city.member_a).absence_reason == "出差"
    page = client.get(reverse("campaigns:unit", args=[unit.pk])).content.decode()
    assert "动员大会" in page and "动员讲话.pdf" in page


def test_a_supervisors_home_lists_the_units_of_their_group(client, city, running):  # noqa: F811
    from conftest import make_user
    from vanguard.campaigns import supervision

    inspector = make_user("inspector")
    group = supervision.create_group(campaign=running, name="第一督导组", kind="supervision", actor=city.office)
    supervision.add_person(group=group, user=inspector, is_leader=True, actor=city.office)
    supervision.assign_units(group=group, units=[unit_of(running, city.committee_a)], actor=city.office)
    client.force_login(inspector)
    body = client.get("/").content.decode()
    assert city.committee_a.name in body and city.district_b.name not in body


def test_home_decides_acceptors_without_a_query_per_waiting_unit(client, city, running, django_assert_max_num_queries):  # noqa: F811
    from vanguard.campaigns import services as campaign_services
    from vanguard.campaigns.workflows import acceptor_side, supervised_paths

    for organisation in (city.branch_a, city.branch_a2):
        unit = unit_of(running, organisation)
        for key in ("mobilise", "branch-study"):
            campaign_services.record_step(
                unit=unit, step=running.phases.get(key="study").steps.get(key=key), actor=city.secretary_a
            )
        campaign_services.ask_acceptance(unit=unit_of(running, organisation), actor=city.secretary_a)
    # The study phase accepted by supervision, a group covering branch A but not A2.
    from conftest import make_user
    from vanguard.campaigns import supervision

    running.phases.filter(key="study").update(acceptance="supervision")
    inspector = make_user("inspector")
    group = supervision.create_group(campaign=running, name="督导组", kind="supervision", actor=city.office)
    supervision.add_person(group=group, user=inspector, is_leader=True, actor=city.office)
    supervision.assign_units(group=group, units=[unit_of(running, city.branch_a)], actor=city.office)
    waiting = list(Unit.objects.filter(campaign=running, state=UnitState.AWAITING).select_related("phase"))
    supervised = supervised_paths(city.office, running.pk)
    # The bulk answer agrees with the one-unit answer.
    for user in (city.office, city.secretary_a, city.secretary_b, city.branch_secretary_a, inspector):
        paths = supervised_paths(user, running.pk)
        assert [acceptor_side(user, u, paths) for u in waiting] == [acceptor_side(user, u) for u in waiting]
    assert [acceptor_side(inspector, u) for u in waiting] == [u.organisation_id == city.branch_a.pk for u in waiting]
    with django_assert_max_num_queries(0):
        [acceptor_side(city.office, u, supervised) for u in waiting]
