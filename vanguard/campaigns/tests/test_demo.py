"""seed_demo's campaign: units in every phase and state at both scales, the two paths agreeing, tallies recounted."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.campaigns import demo, selectors, tallies
from vanguard.campaigns.models import (
    AcceptanceRequest,
    Briefing,
    Campaign,
    CampaignTemplate,
    Evidence,
    NoticeReceipt,
    ProgressTally,
    StepRecord,
    StepTally,
    SupervisionGroup,
    Unit,
    UnitState,
    Visibility,
)
from vanguard.core.models import AuditEntry
from vanguard.orgs import demo as orgs_demo
from vanguard.orgs.models import Organisation

pytestmark = pytest.mark.django_db

SCHEDULE = [
    {"phase": "study", "start_day": 0, "days": 45},
    {"phase": "appraisal", "start_day": 45, "days": 30},
    {"phase": "rectify", "start_day": 75, "days": 30},
]
DEFINITION = {
    "key": "demo-test",
    "name": "先进性教育（测试）",
    "description": "",
    "phases": [
        {
            "key": "study",
            "name": "学习动员",
            "days": 45,
            "acceptance": "supervision",
            "steps": [
                {
                    "key": "mobilise",
                    "name": "动员大会",
                    "by": "unit",
                    "required": True,
                    "due_day": 7,
                    "evidence": [{"kind": "meeting", "meeting_kind": "mobilisation"}],
                },
                {
                    "key": "study",
                    "name": "集中学习",
                    "by": "branches",
                    "required": True,
                    "due_day": 30,
                    "evidence": [{"kind": "number", "min": 1, "max": 60, "unit": "学时"}],
                },
                {
                    "key": "lecture",
                    "name": "领导讲党课",
                    "by": "leaders",
                    "required": True,
                    "evidence": [{"kind": "document", "types": ["pdf"]}],
                },
                {
                    "key": "five",
                    "name": "五项活动",
                    "by": "unit",
                    "required": False,
                    "evidence": [{"kind": "checklist", "items": ["集体谈心", "访贫助困", "征文"]}],
                },
            ],
        },
        {
            "key": "appraisal",
            "name": "分析评议",
            "days": 30,
            "acceptance": "parent",
            "steps": [
                {"key": "talks", "name": "谈心", "by": "unit", "required": True, "due_day": 10, "evidence": []},
                {"key": "analysis", "name": "党性分析", "by": "members", "required": True, "evidence": []},
            ],
        },
        {
            "key": "rectify",
            "name": "整改提高",
            "days": 30,
            "acceptance": "none",
            "steps": [{"key": "plan", "name": "整改方案", "by": "unit", "required": True, "evidence": []}],
        },
    ],
    "batches": [
        {
            "key": "first",
            "name": "第一批",
            "starts_after_days": 0,
            "default": False,
            "rules": [{"kinds": ["city_committee", "district", "city_department"]}],
            "schedule": SCHEDULE,
        },
        {
            "key": "second",
            "name": "第二批",
            "starts_after_days": 180,
            "default": False,
            "rules": [{"sectors": ["community", "township", "school", "hospital"]}],
            "schedule": SCHEDULE,
        },
        {"key": "third", "name": "三", "starts_after_days": 365, "default": True, "rules": [], "schedule": SCHEDULE},
    ],
}


@pytest.fixture
def template(db) -> CampaignTemplate:
    return CampaignTemplate.objects.create(
        key=DEFINITION["key"], name=DEFINITION["name"], definition=DEFINITION, source="", digest="x"
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def tally_rows(campaign: Campaign) -> tuple[Counter, dict]:
    """The tallies by natural keys (batch, phase and step by key), so that two campaigns compare."""
    progress = Counter()
    for t in ProgressTally.objects.filter(campaign=campaign).select_related("batch", "phase"):
        if t.units or t.required_done:
            key = (t.organisation_id, t.batch.key, t.phase.key, t.state, t.unit_class, t.pilot)
            progress[key] = (t.units, t.required_done)
    steps = {
        (t.organisation_id, t.batch.key, t.step.key): t.done
        for t in StepTally.objects.filter(campaign=campaign).select_related("batch", "step")
        if t.done
    }
    return progress, steps


def standing(campaign: Campaign) -> dict[int, tuple]:
    """Where each organisation's unit stands: batch, phase, state, required done, steps recorded, decisions."""
    records: dict[int, set] = {}
    for org, key in StepRecord.objects.filter(unit__campaign=campaign).values_list(
        "unit__organisation_id", "step__key"
    ):
        records.setdefault(org, set()).add(key)
    decisions: dict[int, list] = {}
    for org, phase, decision in AcceptanceRequest.objects.filter(unit__campaign=campaign).values_list(
        "unit__organisation_id", "phase__key", "decision"
    ):
        decisions.setdefault(org, []).append((phase, decision))
    return {
        u.organisation_id: (
            u.batch.key,
            u.phase.key,
            u.state,
            u.required_done,
            sorted(records.get(u.organisation_id, ())),
            sorted(decisions.get(u.organisation_id, [])),
        )
        for u in Unit.objects.filter(campaign=campaign).select_related("batch", "phase")
    }


def assert_every_kind_of_state(campaign: Campaign) -> None:
    units = Unit.objects.filter(campaign=campaign)
    assert set(units.values_list("state", flat=True)) == set(UnitState.values)
    open_phases = set(units.exclude(state=UnitState.FINISHED).values_list("phase__key", flat=True))
    assert open_phases == set(campaign.phases.values_list("key", flat=True))
    assert AcceptanceRequest.objects.filter(unit__campaign=campaign, decision="accepted").exists()
    returned = AcceptanceRequest.objects.filter(unit__campaign=campaign, decision="returned")
    assert returned.exists() and all(r.reasons for r in returned)
    figures = selectors.progress(campaign, campaign.organisation)
    assert figures.total.units == units.count()
    assert figures.total.overdue > 0  # some units are behind their phases' deadlines
    assert figures.total.finished and figures.total.awaiting and figures.total.returned
    assert 0 < figures.total.done_percent < 100


@pytest.fixture
def small_city(db, monkeypatch):
    """The city scale's tree shrunk to ~90 organisations, with the office and a superuser."""
    monkeypatch.setattr(orgs_demo, "DISTRICTS", orgs_demo.DISTRICTS[:9])
    monkeypatch.setattr(orgs_demo, "DEPARTMENTS", orgs_demo.DEPARTMENTS[:3])
    monkeypatch.setattr(
        orgs_demo, "CITY_SHAPE", {"committees": 14, "general_branches": 6, "branches": 55, "mobile_organisations": 3}
    )
    import random

    orgs_demo.build_city_tree(random.Random(7))
    city = Organisation.objects.get(parent__isnull=True)
    office = User.objects.create_user("office", password="x")
    RoleAssignment.objects.create(user=office, role=Role.ADMIN, organisation=city)
    root = User.objects.create_superuser("root", password="x")
    return city, {"office": office, "root": root}


def test_the_set_based_path_leaves_what_the_services_leave(small_city, template, media):
    """City scale's statements and demo scale's services put every organisation in the same place."""
    city, users = small_city
    today = timezone.localdate()
    by_services = demo.start_campaign(template, city, today=today, actor=users["office"])
    made = demo.advance_through_services(by_services, users, today=today)
    kept = tally_rows(by_services)
    tallies.rebuild(by_services)
    assert tally_rows(by_services) == kept  # the tallies the services kept are a recount's
    assert_every_kind_of_state(by_services)
    assert Evidence.objects.filter(record__unit__campaign=by_services).values("kind").distinct().count() == 4
    assert AuditEntry.objects.filter(event="campaigns.step.recorded").count() == made

    by_statements = demo.start_campaign(template, city, today=today, actor=None)
    assert demo.advance_set_based(by_statements, today=today) == made
    assert standing(by_statements) == standing(by_services)
    assert tally_rows(by_statements) == kept
    assert not Evidence.objects.filter(record__unit__campaign=by_statements).exists()
    assert_every_kind_of_state(by_statements)


def test_unit_targets_share_out_every_bucket_once():
    phases = [type("P", (), {"acceptance": a})() for a in ("supervision", "parent", "none")]
    for current in (-1, 0, 1, 2, 3):
        targets = demo.unit_targets(phases, current)
        assert targets[0].low == 0 and targets[-1].high == demo.BUCKETS
        assert all(a.high == b.low for a, b in zip(targets, targets[1:], strict=False))
        # The phase without acceptance is never awaiting or returned.
        assert not [t for t in targets if t.phase == 2 and t.state in (UnitState.AWAITING, UnitState.RETURNED)]


def test_seed_demo_runs_a_campaign_in_progress(template, media, monkeypatch):
    monkeypatch.setattr(demo, "shipped_template", lambda: template)
    call_command("seed_demo", "--scale", "demo", stdout=io.StringIO())
    campaign = Campaign.objects.get()
    assert campaign.created_by.username == "office"
    assert_every_kind_of_state(campaign)
    assert Unit.objects.filter(campaign=campaign, is_pilot=True).count() == 3
    kept = tally_rows(campaign)
    tallies.rebuild(campaign)
    assert tally_rows(campaign) == kept
    # The services wrote the trail: steps, decisions, groups, notices, briefings.
    events = set(AuditEntry.objects.values_list("event", flat=True))
    assert {"campaigns.step.recorded", "campaigns.group.created", "campaigns.notice.sent"} <= events
    groups = SupervisionGroup.objects.filter(campaign=campaign)
    assert groups.count() == 3 and all(g.people.exists() and g.units.exists() for g in groups)
    for notice in campaign.notices.all():
        receipts = NoticeReceipt.objects.filter(notice=notice)
        assert receipts.filter(read_at__isnull=False).exists() and receipts.filter(read_at__isnull=True).exists()
    assert set(Briefing.objects.values_list("visibility", flat=True)) == set(Visibility.values)
    assert demo.loaded() == "campaigns"


def test_seed_demo_with_the_shipped_template(media):
    call_command("seed_demo", "--scale", "demo", stdout=io.StringIO())
    campaign = Campaign.objects.get()
    assert campaign.template.key == "xianjinxing"
    assert_every_kind_of_state(campaign)
    # The demo logins' corner went through the services: its records carry evidence, meetings among them.
    assert Evidence.objects.filter(record__unit__campaign=campaign, kind="meeting").exists()
    assert StepRecord.objects.filter(unit__campaign=campaign, recorded_by__username="branch").exists()
    kept = tally_rows(campaign)
    tallies.rebuild(campaign)
    assert tally_rows(campaign) == kept
