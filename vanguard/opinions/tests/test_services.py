"""The five-form loop's services: intake, grouping, forwarding, replies, rectification, ratings, escalation."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vanguard.core.models import AuditEntry
from vanguard.opinions import services
from vanguard.opinions.models import (
    Category,
    EffectRating,
    Notification,
    Opinion,
    Problem,
    ProblemStatus,
    Verdict,
)
from vanguard.opinions.tests.factories import opinions, problem_in_state, row
from vanguard.opinions.workflows import PROBLEM

pytestmark = pytest.mark.django_db


def test_bulk_entry_is_all_or_nothing_and_names_each_bad_row(city):
    rows = [row("好意见"), row("", direction="sideways"), row("x" * (services.MAX_TEXT + 1))]
    with pytest.raises(services.RowErrors) as caught:
        services.enter_opinions(organisation=city.branch_a, actor=city.secretary_a, rows=rows)
    assert set(caught.value.rows) == {2, 3}
    assert set(caught.value.rows[2]) == {"text", "direction"}
    assert Opinion.objects.count() == 0


def test_staff_enter_only_within_their_subtree(city):
    with pytest.raises(ValidationError):
        services.enter_opinions(organisation=city.branch_b, actor=city.secretary_a, rows=[row()])
    created = services.enter_opinions(organisation=city.branch_a, actor=city.secretary_a, rows=[row(), row("二")])
    assert len({o.receipt for o in created}) == 2
    assert all(len(o.receipt) == services.RECEIPT_LENGTH for o in created)


def test_public_submission_keeps_hostile_text_as_given(city):
    page = services.open_page(organisation=city.branch_a, actor=city.secretary_a)
    text = "<script>alert(1)</script>'; DROP TABLE opinions;-- \x07 😀 繁體與简体"
    opinion = services.submit_opinion(page=page, row=row(text, channel="forum"))
    opinion.refresh_from_db()
    assert opinion.text == text
    assert opinion.channel == "web" and opinion.entered_by is None
    services.set_page_open(page=page, actor=city.secretary_a, is_open=False)
    with pytest.raises(ValidationError):
        services.submit_opinion(page=page, row=row())


def test_grouping_moving_merging_and_splitting_keep_every_link(city):
    items = opinions(city.branch_a, ["一", "二", "三", "四"])
    first = services.group_opinions(
        organisation=city.committee_a, actor=city.secretary_a, opinion_ids=[o.pk for o in items[:2]], title="甲"
    )
    second = services.group_opinions(
        organisation=city.committee_a, actor=city.secretary_a, opinion_ids=[o.pk for o in items[2:]], title="乙"
    )
    services.merge_problems(into=first, actor=city.secretary_a, others=[second])
    assert not Problem.objects.filter(pk=second.pk).exists()
    assert first.opinions.count() == 4
    third = services.split_problem(problem=first, actor=city.secretary_a, opinion_ids=[items[3].pk], title="丙")
    assert list(third.opinions.values_list("pk", flat=True)) == [items[3].pk]
    services.move_opinions(problem=third, actor=city.secretary_a, opinion_ids=[items[0].pk])
    assert third.opinions.count() == 2 and first.opinions.count() == 2
    services.ungroup_opinions(problem=third, actor=city.secretary_a, opinion_ids=[items[0].pk, items[3].pk])
    assert not Problem.objects.filter(pk=third.pk).exists()
    assert Opinion.objects.filter(problem__isnull=True).count() == 2


def test_grouping_refuses_opinions_outside_the_organisation(city):
    outside = opinions(city.branch_b)
    with pytest.raises(ValidationError):
        services.group_opinions(
            organisation=city.district_a, actor=city.office, opinion_ids=[outside[0].pk], title="越界"
        )


def test_the_whole_loop_with_sides_and_notifications(city):
    items = opinions(city.branch_a, ["排队太久"], phone="13800000000", email="a@example.com")
    problem = services.group_opinions(
        organisation=city.district_a, actor=city.secretary_a, opinion_ids=[items[0].pk], title="排队"
    )
    deadline = timezone.localdate() + datetime.timedelta(days=5)
    problem = services.forward(
        problem=problem,
        actor=city.secretary_a,
        responsible=city.branch_a,
        deadline=deadline,
        category=Category.DEADLINE,
    )
    assert problem.status == ProblemStatus.FORWARDED and problem.responsible_path == city.branch_a.path
    # The other district's secretary acts for neither side.
    with pytest.raises(ValidationError):
        services.reply(problem=problem, actor=city.secretary_b, text="不是我们")
    problem = services.reply(problem=problem, actor=city.branch_secretary_a, text="已安排")
    assert set(Notification.objects.values_list("medium", flat=True)) == {"sms", "email"}
    services.add_progress(problem=problem, actor=city.branch_secretary_a, text="增设窗口")
    with pytest.raises(ValidationError):
        services.rate_by_receipt(receipt=items[0].receipt, verdict=Verdict.SATISFIED)
    problem = services.rectify(problem=problem, actor=city.branch_secretary_a, text="已完成")
    assert problem.on_time is True
    services.rate_by_receipt(receipt=items[0].receipt.lower(), verdict=Verdict.SATISFIED)
    with pytest.raises(ValidationError):
        services.rate_by_receipt(receipt=items[0].receipt, verdict=Verdict.UNSATISFIED)
    assert EffectRating.objects.filter(problem=problem).count() == 1
    events = set(AuditEntry.objects.values_list("event", flat=True))
    assert {PROBLEM.event("forward"), PROBLEM.event("reply"), PROBLEM.event("rectify")} <= events


def test_forward_guards_say_why(city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.OPEN)
    past = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.forward(
            problem=problem, actor=city.secretary_a, responsible=city.branch_a, deadline=past, category="deadline"
        )
    assert "transition_refused" in str(caught.value.code)
    with pytest.raises(ValidationError):
        services.forward(
            problem=problem,
            actor=city.secretary_a,
            responsible=city.branch_b,
            deadline=timezone.localdate(),
            category="deadline",
        )


def test_send_back_and_reopen(city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    with pytest.raises(ValidationError):
        services.send_back(problem=problem, actor=city.branch_secretary_a, reason=" ")
    problem = services.send_back(problem=problem, actor=city.branch_secretary_a, reason="不归我们管")
    assert problem.status == ProblemStatus.OPEN and problem.responsible is None
    rectified = problem_in_state(city.district_a, city.branch_a, ProblemStatus.RECTIFIED)
    with pytest.raises(ValidationError):
        services.reopen(problem=rectified, actor=city.branch_secretary_a, reason="不满意")
    reopened = services.reopen(problem=rectified, actor=city.secretary_a, reason="群众不满意")
    assert reopened.status == ProblemStatus.REPLIED and reopened.rectified_at is None


def test_overdue_problems_escalate_once(city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED, deadline_days=1)
    later = timezone.localdate() + datetime.timedelta(days=3)
    assert services.escalate_overdue(today=later) == 1
    assert services.escalate_overdue(today=later) == 0
    entry = AuditEntry.objects.get(event="opinions.problem.escalated")
    assert entry.organisation_id == city.committee_a.pk
    problem.refresh_from_db()
    assert problem.escalated_at is not None


def test_sample_ratings(city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.RECTIFIED)
    assert (
        services.rate_by_sample(problem=problem, actor=city.secretary_a, satisfied=3, basically=1, unsatisfied=1) == 5
    )
    assert EffectRating.objects.filter(problem=problem, source="sample").count() == 5
    with pytest.raises(ValidationError):
        services.rate_by_sample(problem=problem, actor=city.secretary_b, satisfied=1, basically=0, unsatisfied=0)
