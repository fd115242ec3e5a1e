"""The campaign engine's rules: batches by rules and overrides, windows from dates, steps, phases and acceptance."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from conftest import make_user
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.campaigns import services, tallies
from vanguard.campaigns.models import (
    AcceptanceRequest,
    CampaignStatus,
    CampaignTemplate,
    ProgressTally,
    StepRecord,
    StepTally,
    Unit,
    UnitState,
)
from vanguard.core.models import AuditEntry

DEFINITION = {
    "key": "test-campaign",
    "name": "测试活动",
    "description": "",
    "phases": [
        {
            "key": "study",
            "name": "学习动员",
            "days": 45,
            "acceptance": "parent",
            "steps": [
                {"key": "mobilise", "name": "动员大会", "by": "unit", "required": True, "due_day": 7, "evidence": []},
                {"key": "branch-study", "name": "支部学习", "by": "branches", "required": True, "evidence": []},
                {"key": "lecture", "name": "领导讲党课", "by": "leaders", "required": True, "evidence": []},
                {"key": "essay", "name": "征文", "by": "unit", "required": False, "evidence": []},
            ],
        },
        {
            "key": "appraisal",
            "name": "分析评议",
            "days": 30,
            "acceptance": "none",
            "steps": [{"key": "talks", "name": "谈心", "by": "unit", "required": True, "evidence": []}],
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
            "rules": [{"kinds": ["city_committee", "district"]}],
            "schedule": [
                {"phase": "study", "start_day": 0, "days": 45},
                {"phase": "appraisal", "start_day": 45, "days": 30},
                {"phase": "rectify", "start_day": 75, "days": 30},
            ],
        },
        {
            "key": "second",
            "name": "第二批",
            "starts_after_days": 180,
            "default": False,
            "rules": [{"kinds": ["grassroots_committee"]}],
            "schedule": [
                {"phase": "study", "start_day": 0, "days": 45},
                {"phase": "appraisal", "start_day": 45, "days": 30},
                {"phase": "rectify", "start_day": 75, "days": 30},
            ],
        },
        {
            "key": "third",
            "name": "第三批",
            "starts_after_days": 365,
            "default": True,
            "rules": [],
            "schedule": [{"phase": "study", "start_day": 0, "days": 45}],
        },
    ],
}


@pytest.fixture
def template(db) -> CampaignTemplate:
    return CampaignTemplate.objects.create(
        key=DEFINITION["key"], name=DEFINITION["name"], definition=DEFINITION, source="", digest="x"
    )


def new_campaign(city, template, starts_on: datetime.date, **extra):
    return services.create_campaign(
        template=template, organisation=city.root, name="先进性教育", starts_on=starts_on, actor=city.office, **extra
    )


@pytest.fixture
def running(city, template, today):
    """A launched campaign whose first batch began yesterday; everything in batch one (the rules' defaults)."""
    campaign = new_campaign(city, template, today - datetime.timedelta(days=1))
    first = campaign.batches.get(key="first")
    services.assign_batches(campaign=campaign, overrides={city.root.pk: first.pk}, actor=city.office)
    return services.launch(campaign=campaign, actor=city.office)


def unit_of(campaign, organisation) -> Unit:
    return Unit.objects.select_related("campaign", "phase", "batch").get(campaign=campaign, organisation=organisation)


def step(campaign, key):
    return campaign.phases.get(steps__key=key).steps.get(key=key)


def record(unit, key, actor):
    return services.record_step(unit=unit, step=step(unit.campaign, key), actor=actor)


def tally_rows(campaign):
    progress = Counter(
        {
            (t.organisation_id, t.batch_id, t.phase_id, t.state, t.unit_class, t.pilot): (t.units, t.required_done)
            for t in ProgressTally.objects.filter(campaign=campaign)
            if t.units or t.required_done
        }
    )
    steps = {(t.organisation_id, t.batch_id, t.step_id): t.done for t in StepTally.objects.filter(campaign=campaign)}
    return progress, {k: v for k, v in steps.items() if v}


# ---------------------------------------------------------------- creating, dates, batches


def test_a_campaign_copies_the_template_and_places_every_organisation(city, template):
    campaign = new_campaign(city, template, datetime.date(2027, 1, 10))
    assert campaign.status == CampaignStatus.DRAFT
    assert list(campaign.phases.values_list("key", flat=True)) == ["study", "appraisal", "rectify"]
    assert campaign.phases.get(key="study").steps.count() == 4
    units = {u.organisation_id: u for u in Unit.objects.filter(campaign=campaign).select_related("batch")}
    assert set(units) == {
        o.pk
        for o in (
            city.root,
            city.district_a,
            city.committee_a,
            city.branch_a,
            city.branch_a2,
            city.district_b,
            city.branch_b,
        )
    }
    batch = {pk: u.batch.key for pk, u in units.items()}
    # Rules on the organisation itself; with none, the parent's batch.
    assert batch[city.root.pk] == "first"
    assert batch[city.district_a.pk] == "first"
    assert batch[city.committee_a.pk] == "second"
    assert batch[city.branch_a.pk] == "second"  # follows its committee
    assert batch[city.branch_b.pk] == "first"  # follows its district
    assert units[city.branch_a.pk].unit_class == "branch"
    assert units[city.committee_a.pk].unit_class == "committee"
    assert AuditEntry.objects.filter(event="campaigns.campaign.created").count() == 1


def test_phase_windows_count_weekends_and_holidays(city, template):
    """学习动员's 45 days are calendar days: the 2027 Spring Festival week inside it counts (DOMAIN §2)."""
    campaign = new_campaign(city, template, datetime.date(2027, 2, 1))
    first = campaign.batches.get(key="first")
    study, appraisal = first.windows.order_by("starts_on")[:2]
    assert (study.starts_on, study.ends_on) == (datetime.date(2027, 2, 1), datetime.date(2027, 3, 17))
    assert appraisal.starts_on == datetime.date(2027, 3, 18)
    second = campaign.batches.get(key="second")
    assert second.starts_on == datetime.date(2027, 2, 1) + datetime.timedelta(days=180)
    assert campaign.ends_on == datetime.date(2027, 2, 1) + datetime.timedelta(days=365 + 44)
    # Moving a draft batch keeps its phases' lengths.
    services.set_batch_start(batch=second, starts_on=datetime.date(2027, 9, 1), actor=city.office)
    windows = list(second.windows.order_by("starts_on"))
    assert windows[0].starts_on == datetime.date(2027, 9, 1)
    assert (windows[0].ends_on - windows[0].starts_on).days == 44
    assert windows[1].starts_on == datetime.date(2027, 10, 16)


def test_a_step_is_due_by_its_day_of_the_phase(city, template):
    from vanguard.campaigns.selectors import due_on

    campaign = new_campaign(city, template, datetime.date(2027, 2, 1))
    unit = unit_of(campaign, city.root)
    assert due_on(unit, step(campaign, "mobilise")) == datetime.date(2027, 2, 7)
    assert due_on(unit, step(campaign, "essay")) == datetime.date(2027, 3, 17)  # no due day: the phase's last


def test_preview_and_overrides_follow_the_subtree(city, template):
    campaign = new_campaign(city, template, datetime.date(2027, 1, 10))
    batches = {b.key: b for b in campaign.batches.all()}
    plan = services.plan_batches(campaign)
    assert plan.counts == Counter({batches["first"].pk: 4, batches["second"].pk: 3})
    # A preview with an override writes nothing.
    preview = services.plan_batches(campaign, {city.district_b.pk: batches["third"].pk})
    assert preview.counts[batches["third"].pk] == 2
    assert unit_of(campaign, city.branch_b).batch_id == batches["first"].pk
    # Saved, the override places the district and its branch, and is kept when other overrides are added.
    services.assign_batches(campaign=campaign, overrides={city.district_b.pk: batches["third"].pk}, actor=city.office)
    assert unit_of(campaign, city.branch_b).batch_id == batches["third"].pk
    assert unit_of(campaign, city.district_b).batch_overridden
    services.assign_batches(campaign=campaign, overrides={city.branch_a.pk: batches["first"].pk}, actor=city.office)
    assert unit_of(campaign, city.branch_b).batch_id == batches["third"].pk
    assert unit_of(campaign, city.branch_a).batch_id == batches["first"].pk
    assert unit_of(campaign, city.branch_a2).batch_id == batches["second"].pk
    # A unit starts in its batch's first phase.
    assert unit_of(campaign, city.branch_b).phase.key == "study"
    with pytest.raises(ValidationError):
        services.assign_batches(campaign=campaign, overrides={city.branch_a.pk: 10**9}, actor=city.office)


def test_level_and_sector_rules(city, template):
    definition = {**DEFINITION, "key": "levels"}
    definition["batches"] = [
        {**DEFINITION["batches"][0], "rules": [{"levels": [0, 1]}]},
        {**DEFINITION["batches"][1], "rules": [{"sectors": ["community"], "kinds": ["branch"]}]},
        DEFINITION["batches"][2],
    ]
    levels = CampaignTemplate.objects.create(key="levels", name="x", definition=definition, source="", digest="y")
    campaign = new_campaign(city, levels, datetime.date(2027, 1, 10))
    batch = dict(Unit.objects.filter(campaign=campaign).values_list("organisation_id", "batch__key"))
    assert batch[city.district_b.pk] == "first"
    assert batch[city.committee_a.pk] == "first"  # level 2: no rule, follows the district
    assert batch[city.branch_a.pk] == "second"  # a community branch


def test_only_a_draft_changes_batches_and_only_the_office_launches(city, template, today):
    campaign = new_campaign(city, template, today)
    with pytest.raises(ValidationError):
        services.launch(campaign=campaign, actor=city.secretary_a)
    services.launch(campaign=campaign, actor=city.office)
    with pytest.raises(ValidationError):
        services.assign_batches(campaign=campaign, overrides={}, actor=city.office)
    with pytest.raises(ValidationError):
        services.launch(campaign=campaign, actor=city.office)


# ---------------------------------------------------------------- steps


def test_recording_a_step_keeps_the_roll_ups(running, city):
    unit = unit_of(running, city.branch_a)
    record(unit, "mobilise", city.branch_secretary_a)
    record(unit, "essay", city.branch_secretary_a)  # optional: counted as a step, not as required work
    unit.refresh_from_db()
    assert unit.required_done == 1
    progress, steps = tally_rows(running)
    tallies.rebuild(running)
    assert tally_rows(running) == (progress, steps)
    root = ProgressTally.objects.filter(campaign=running, organisation=city.root)
    assert sum(t.units for t in root) == 7
    assert sum(t.required_done for t in root) == 1
    assert StepTally.objects.get(organisation=city.district_a, step=step(running, "mobilise")).done == 1
    entry = AuditEntry.objects.filter(event="campaigns.step.recorded").latest("pk")
    assert entry.actor_role == Role.SECRETARY


def test_a_unit_cannot_record_another_units_step(running, city):
    with pytest.raises(ValidationError, match="."):
        record(unit_of(running, city.branch_a), "mobilise", city.secretary_b)
    # A sibling branch's secretary neither.
    other = make_user("branch_sec_a2", Role.SECRETARY, city.branch_a2)
    with pytest.raises(ValidationError):
        record(unit_of(running, city.branch_a), "mobilise", other)
    assert not StepRecord.objects.exists()


def test_steps_are_refused_for_the_wrong_unit_phase_or_twice(running, city):
    branch = unit_of(running, city.branch_a)
    with pytest.raises(ValidationError) as leaders_only:
        record(branch, "lecture", city.secretary_a)
    assert leaders_only.value.code == "step_refused"
    with pytest.raises(ValidationError):
        record(branch, "talks", city.secretary_a)  # a later phase
    record(branch, "mobilise", city.secretary_a)
    with pytest.raises(ValidationError) as twice:
        record(branch, "mobilise", city.secretary_a)
    assert twice.value.code == "duplicate"
    assert StepRecord.objects.count() == 1


def test_a_phase_not_begun_takes_no_steps(city, template, today):
    campaign = new_campaign(city, template, today + datetime.timedelta(days=3))
    services.launch(campaign=campaign, actor=city.office)
    with pytest.raises(ValidationError, match=str((today + datetime.timedelta(days=3)).year)):
        record(unit_of(campaign, city.root), "mobilise", city.office)


# ---------------------------------------------------------------- phases and acceptance


def finish_study(unit, actor):
    for key in ("mobilise", "branch-study") if unit.unit_class == "branch" else ("mobilise", "lecture"):
        record(unit, key, actor)


def test_a_phase_cannot_close_with_required_steps_missing(running, city):
    unit = unit_of(running, city.branch_a)
    record(unit, "mobilise", city.branch_secretary_a)
    with pytest.raises(ValidationError) as refused:
        services.ask_acceptance(unit=unit, actor=city.branch_secretary_a)
    assert "支部学习" in str(refused.value)
    assert unit_of(running, city.branch_a).state == UnitState.OPEN


def test_acceptance_by_the_organisation_above_returned_then_accepted(running, city):
    unit = unit_of(running, city.branch_a)
    finish_study(unit, city.branch_secretary_a)
    services.ask_acceptance(unit=unit, actor=city.branch_secretary_a)
    unit = unit_of(running, city.branch_a)
    assert unit.state == UnitState.AWAITING
    with pytest.raises(ValidationError):  # the branch cannot accept its own phase
        services.decide_acceptance(unit=unit, actor=city.branch_secretary_a, accept=True)
    with pytest.raises(ValidationError):  # a sibling district cannot either
        services.decide_acceptance(unit=unit, actor=city.secretary_b, accept=True)
    with pytest.raises(ValidationError, match="."):  # returning needs reasons
        services.decide_acceptance(unit=unit, actor=city.secretary_a, accept=False, reasons="  ")
    services.decide_acceptance(unit=unit, actor=city.secretary_a, accept=False, reasons="学习笔记不全")
    unit = unit_of(running, city.branch_a)
    assert (unit.state, unit.phase.key) == (UnitState.RETURNED, "study")
    returned = AcceptanceRequest.objects.get(unit=unit)
    assert (returned.decision, returned.reasons, returned.decided_role) == ("returned", "学习笔记不全", "secretary")
    services.ask_acceptance(unit=unit, actor=city.branch_secretary_a)
    services.decide_acceptance(unit=unit_of(running, city.branch_a), actor=city.secretary_a, accept=True)
    unit = unit_of(running, city.branch_a)
    assert (unit.state, unit.phase.key, unit.required_done) == (UnitState.OPEN, "appraisal", 0)
    assert AuditEntry.objects.filter(event="campaigns.phase.accept").count() == 1
    assert AuditEntry.objects.filter(event="campaigns.phase.return").count() == 1
    progress, steps = tally_rows(running)
    tallies.rebuild(running)
    assert tally_rows(running) == (progress, steps)


def test_who_asked_may_not_decide(running, city):
    unit = unit_of(running, city.committee_a)
    finish_study(unit, city.secretary_a)
    services.ask_acceptance(unit=unit, actor=city.secretary_a)
    with pytest.raises(ValidationError, match="."):
        services.decide_acceptance(unit=unit_of(running, city.committee_a), actor=city.secretary_a, accept=True)
    services.decide_acceptance(unit=unit_of(running, city.committee_a), actor=city.office, accept=True)
    assert unit_of(running, city.committee_a).phase.key == "appraisal"


def test_phases_without_acceptance_are_completed_and_the_last_finishes(running, city):
    unit = unit_of(running, city.branch_a)
    with pytest.raises(ValidationError):  # the study phase asks for acceptance
        services.complete_phase(unit=unit, actor=city.branch_secretary_a)
    finish_study(unit, city.branch_secretary_a)
    services.ask_acceptance(unit=unit, actor=city.branch_secretary_a)
    services.decide_acceptance(unit=unit_of(running, city.branch_a), actor=city.secretary_a, accept=True)
    unit = unit_of(running, city.branch_a)
    with pytest.raises(ValidationError):  # no acceptance in appraisal: nothing to ask
        services.ask_acceptance(unit=unit, actor=city.branch_secretary_a)
    record(unit, "talks", city.branch_secretary_a)
    services.complete_phase(unit=unit_of(running, city.branch_a), actor=city.branch_secretary_a)
    unit = unit_of(running, city.branch_a)
    assert unit.phase.key == "rectify"
    record(unit, "plan", city.branch_secretary_a)
    services.complete_phase(unit=unit_of(running, city.branch_a), actor=city.branch_secretary_a)
    assert unit_of(running, city.branch_a).state == UnitState.FINISHED
    progress, steps = tally_rows(running)
    tallies.rebuild(running)
    assert tally_rows(running) == (progress, steps)


def test_a_successor_secretary_takes_over_the_pending_work(running, city, today):
    """Rights belong to the role, not the person (DOMAIN §1): the successor acts; the predecessor no longer can."""
    unit = unit_of(running, city.branch_a)
    record(unit, "mobilise", city.branch_secretary_a)
    RoleAssignment.objects.filter(user=city.branch_secretary_a).update(valid_until=today - datetime.timedelta(days=1))
    successor = make_user("successor", Role.SECRETARY, city.branch_a)
    RoleAssignment.objects.filter(user=successor).update(valid_from=today)
    from vanguard.accounts.models import User

    predecessor = User.objects.get(pk=city.branch_secretary_a.pk)
    with pytest.raises(ValidationError):
        record(unit, "branch-study", predecessor)
    record(unit, "branch-study", successor)
    services.ask_acceptance(unit=unit_of(running, city.branch_a), actor=successor)
    assert unit_of(running, city.branch_a).state == UnitState.AWAITING


def test_pilot_marks_move_tallies(running, city):
    services.set_pilots(campaign=running, organisations=[city.branch_a], actor=city.office)
    assert unit_of(running, city.branch_a).is_pilot
    pilots = ProgressTally.objects.filter(campaign=running, organisation=city.root, pilot=True)
    assert sum(t.units for t in pilots) == 1
    services.set_pilots(campaign=running, organisations=[city.branch_b], actor=city.office)
    assert not unit_of(running, city.branch_a).is_pilot
    progress, steps = tally_rows(running)
    tallies.rebuild(running)
    assert tally_rows(running) == (progress, steps)


def test_acceptance_by_the_supervision_group_covering_the_unit(city, template, today):
    """验收 by the 督导组 assigned to the unit or to a unit above it; without one, the organisation above decides."""
    from vanguard.campaigns import supervision

    definition = {**DEFINITION, "key": "supervised"}
    definition["phases"] = [{**DEFINITION["phases"][0], "acceptance": "supervision"}, *DEFINITION["phases"][1:]]
    supervised = CampaignTemplate.objects.create(
        key="supervised", name="s", definition=definition, source="", digest="s"
    )
    campaign = new_campaign(city, supervised, today - datetime.timedelta(days=1))
    services.assign_batches(
        campaign=campaign, overrides={city.root.pk: campaign.batches.get(key="first").pk}, actor=city.office
    )
    services.launch(campaign=campaign, actor=city.office)
    inspector = make_user("inspector")
    group = supervision.create_group(campaign=campaign, name="第一督导组", kind="supervision", actor=city.office)
    supervision.add_person(group=group, user=inspector, is_leader=True, actor=city.office)
    supervision.assign_units(group=group, units=[unit_of(campaign, city.district_a)], actor=city.office)

    branch = unit_of(campaign, city.branch_a)
    finish_study(branch, city.branch_secretary_a)
    services.ask_acceptance(unit=branch, actor=city.branch_secretary_a)
    # A group covers the branch (through its district): the district office may not accept, the group may.
    with pytest.raises(ValidationError):
        services.decide_acceptance(unit=unit_of(campaign, city.branch_a), actor=city.secretary_a, accept=True)
    services.decide_acceptance(unit=unit_of(campaign, city.branch_a), actor=inspector, accept=True)
    assert unit_of(campaign, city.branch_a).phase.key == "appraisal"
    assert AcceptanceRequest.objects.get(unit=branch).decided_by == inspector

    # District B has no group: the organisation above accepts its branch, and the inspector may not.
    other = unit_of(campaign, city.branch_b)
    finish_study(other, city.secretary_b)
    services.ask_acceptance(unit=other, actor=city.secretary_b)
    with pytest.raises(ValidationError):
        services.decide_acceptance(unit=unit_of(campaign, city.branch_b), actor=inspector, accept=True)
    services.decide_acceptance(unit=unit_of(campaign, city.branch_b), actor=city.office, accept=True)
    assert unit_of(campaign, city.branch_b).phase.key == "appraisal"
