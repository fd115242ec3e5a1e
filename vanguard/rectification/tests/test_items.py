"""Rectification items: raised from a source (the link shown both ways), coordinated shares, the at-once deadline,
escalation of overdue items, the office's listing and circulation, and a closed item closing its problem."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings

from vanguard.accounts.models import Role
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core import audit
from vanguard.opinions.models import Category, ProblemStatus
from vanguard.opinions.tests.factories import problem_in_state
from vanguard.rectification import tallies
from vanguard.rectification.models import ItemShare, ItemStatus, ItemTally, RectificationItem, Timing
from vanguard.rectification.services import items as services
from vanguard.rectification.services import plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(city):
    campaign = make_campaign(city.root)
    return plans.create_plan(
        actor=city.branch_secretary_a, campaign=campaign, organisation=city.branch_a, title="整改方案"
    )


def evidence(name: str = "photo.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%evidence\n", content_type="application/pdf")


def tally(campaign, organisation, status) -> int:
    return sum(
        ItemTally.objects.filter(campaign=campaign, organisation=organisation, status=status).values_list(
            "items", flat=True
        )
    )


def test_item_from_a_problem_links_both_ways(city, plan, today):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.REPLIED)
    item = services.create_item(actor=city.branch_secretary_a, plan=plan, problem=problem, today=today)
    # Taken from the problem: title, category, deadline and the organisation it was forwarded to.
    assert (item.title, item.category, item.deadline) == (problem.title, problem.category, problem.deadline)
    assert item.responsible == city.branch_a and item.source() == ("problem", problem)
    assert list(services.items_of_problems([problem.pk])) == [item]
    entry = audit.history(item).first()
    assert entry.event == "rectification.item.created" and entry.data["source"] == {"problem": problem.pk}
    assert entry.actor_role == Role.SECRETARY
    # The tallies count it for the branch and every ancestor.
    assert tally(plan.campaign, city.branch_a, ItemStatus.OPEN) == 1
    assert tally(plan.campaign, city.root, ItemStatus.OPEN) == 1
    with pytest.raises(ValidationError):
        services.create_item(actor=city.branch_secretary_a, plan=plan, problem=problem, today=today)


def test_a_problem_outside_ones_sight_is_refused(city, plan, today):
    problem = problem_in_state(city.district_b, city.branch_b, ProblemStatus.FORWARDED)
    with pytest.raises(ValidationError) as refused:
        services.create_item(actor=city.branch_secretary_a, plan=plan, problem=problem, today=today)
    assert refused.value.code == "forbidden"
    assert not RectificationItem.objects.exists()


def test_only_one_source(city, plan, today):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    with pytest.raises(ValueError):
        services.create_item(
            actor=city.branch_secretary_a, plan=plan, problem=problem, self_analysis=object(), today=today
        )


def test_coordinated_item_has_one_lead_and_shares(city, plan, today):
    deadline = today + datetime.timedelta(days=30)
    common = {"actor": city.secretary_a, "plan": plan, "title": "停车难", "category": Category.COORDINATED}
    with pytest.raises(ValidationError) as one_share:
        services.create_item(**common, deadline=deadline, shares=[(city.branch_a, "牵头", True)], today=today)
    assert "shares" in one_share.value.message_dict
    with pytest.raises(ValidationError) as two_leads:
        services.create_item(
            **common, deadline=deadline, shares=[(city.branch_a, "牵头", True), (city.branch_a2, "配合", True)]
        )
    assert "shares" in two_leads.value.message_dict
    item = services.create_item(
        **common, deadline=deadline, shares=[(city.branch_a, "配合", False), (city.branch_a2, "牵头", True)]
    )
    # The lead is the organisation responsible.
    assert item.responsible == city.branch_a2
    assert list(item.shares.values_list("organisation_id", "is_lead")) == [
        (city.branch_a2.pk, True),
        (city.branch_a.pk, False),
    ]
    item = services.set_shares(
        item=item, actor=city.secretary_a, shares=[(city.branch_a, "牵头", True), (city.branch_a2, "配合", False)]
    )
    assert (
        item.responsible == city.branch_a
        and ItemShare.objects.get(item=item, is_lead=True).organisation == city.branch_a
    )
    assert tally(plan.campaign, city.branch_a, ItemStatus.OPEN) == 1
    assert tally(plan.campaign, city.branch_a2, ItemStatus.OPEN) == 0
    # A participant notes progress on its share.
    sharer = services.add_note(item=item, actor=city.secretary_a, text="配合完成")
    assert sharer.item == item


def test_deadline_items_need_a_deadline(city, plan, today):
    with pytest.raises(ValidationError) as refused:
        services.create_item(actor=city.branch_secretary_a, plan=plan, title="x", category=Category.DEADLINE)
    assert "deadline" in refused.value.message_dict


@override_settings(RECTIFICATION_AT_ONCE_DAYS=5)
def test_at_once_default_deadline(city, plan, today):
    item = services.create_item(
        actor=city.branch_secretary_a, plan=plan, title="门口积水", category=Category.AT_ONCE, today=today
    )
    assert item.deadline == today + datetime.timedelta(days=5)


def test_overdue_items_escalate_once_to_the_organisation_above(city, plan, today):
    item = services.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=1),
        today=today,
    )
    on_time = services.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="制度上墙",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=30),
        today=today,
    )
    later = (today + datetime.timedelta(days=3)).isoformat()
    call_command("escalate_overdue_items", "--as-of", later)
    call_command("escalate_overdue_items", "--as-of", later)
    item.refresh_from_db()
    on_time.refresh_from_db()
    assert item.escalated_at is not None and on_time.escalated_at is None
    entries = audit.history(item).filter(event="rectification.item.escalated")
    assert entries.count() == 1
    # Above the branch: its committee.
    assert entries.get().organisation_id == city.committee_a.pk


def test_extension_clears_escalation(city, plan, today):
    item = services.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=1),
        today=today,
    )
    later = today + datetime.timedelta(days=3)
    assert services.escalate_overdue(today=later) == 1
    item = services.extend(
        item=item,
        actor=city.secretary_a,
        reason="需协调资金",
        deadline=later + datetime.timedelta(days=10),
        today=later,
    )
    assert item.escalated_at is None
    assert services.escalate_overdue(today=later) == 0
    assert services.escalate_overdue(today=later + datetime.timedelta(days=11)) == 1


def test_listing_and_circulation_are_the_offices(city, plan, today):
    item = services.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=9),
    )
    for outsider in (city.branch_secretary_a, city.member_user_a, city.secretary_b):
        with pytest.raises(ValidationError):
            services.list_publicly(item=item, actor=outsider, listed=True)
        with pytest.raises(ValidationError):
            services.circulate(item=item, actor=outsider, text="通报")
    item = services.list_publicly(item=item, actor=city.office, listed=True)
    assert item.listed_at is not None
    item = services.circulate(item=item, actor=city.office, text="该支部整改不力，予以通报。")
    assert item.circular == "该支部整改不力，予以通报。"
    events = list(audit.history(item).values_list("event", flat=True))
    assert "rectification.item.listed" in events and "rectification.item.circulated" in events
    item = services.list_publicly(item=item, actor=city.office, listed=False)
    assert item.listed_at is None


def test_closing_marks_the_source_problem_rectified(city, plan, today):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.REPLIED)
    item = services.create_item(actor=city.branch_secretary_a, plan=plan, problem=problem, today=today)
    item = services.report_done(item=item, actor=city.branch_secretary_a, text="增设窗口", file=evidence())
    assert item.status == ItemStatus.DONE and item.notes.get().file_name == "photo.pdf"
    item = services.verify(item=item, actor=city.secretary_a)
    assert item.status == ItemStatus.CLOSED and item.timing == Timing.ON_TIME
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFIED and problem.rectification == "增设窗口"
    entry = audit.history(problem).filter(event="opinions.problem.rectify").get()
    assert entry.data["via_item"] == item.pk
    assert (
        tally(plan.campaign, city.root, ItemStatus.CLOSED) == 1
        and tally(plan.campaign, city.root, ItemStatus.OPEN) == 0
    )


def test_tallies_follow_every_write(city, plan, today):
    for n in range(3):
        services.create_item(
            actor=city.branch_secretary_a, plan=plan, title=f"事项{n}", category=Category.AT_ONCE, today=today
        )
    first, second, third = RectificationItem.objects.order_by("pk")
    services.add_note(item=first, actor=city.branch_secretary_a, text="已整改", file=evidence())
    services.report_done(item=first, actor=city.branch_secretary_a, text="已整改")
    services.verify(item=first, actor=city.secretary_a)
    services.cancel(item=second, actor=city.secretary_a, reason="重复")
    kept = {(t.organisation_id, t.status, t.timing): t.items for t in ItemTally.objects.filter(items__gt=0)}
    tallies.rebuild()
    rebuilt = {(t.organisation_id, t.status, t.timing): t.items for t in ItemTally.objects.filter(items__gt=0)}
    assert kept == rebuilt
    assert kept[(city.branch_a.pk, ItemStatus.OPEN, "")] == 1 and third.status == ItemStatus.OPEN


def test_the_daily_job_escalates_items_and_remedies(city, plan, today):
    from types import SimpleNamespace

    from vanguard.core import jobs
    from vanguard.rectification import tasks

    services.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=1),
    )
    assert jobs.kind_of(tasks.ESCALATE) is not None
    later = (today + datetime.timedelta(days=2)).isoformat()
    result = tasks.escalate_job(SimpleNamespace(params={"as_of": later}), None)
    assert result["items"] == 1 and result["remedies"] == 0
    assert tasks.escalate_job(SimpleNamespace(params={"as_of": later}), None)["items"] == 0
    with pytest.raises(jobs.JobFailed):
        tasks.escalate_job(SimpleNamespace(params={"as_of": "not a date"}), None)
