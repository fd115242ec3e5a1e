"""Credits are computed from what was recorded, by the campaign's rules for the member's category."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from vanguard.meetings.models import MeetingKind
from vanguard.members.factories import MemberFactory
from vanguard.study import selectors, services
from vanguard.study.models import Activity, Standing
from vanguard.study.tests.conftest import days_ago, standing


def held(city, campaign, *, organisation=None, kind=MeetingKind.STUDY, days=3, given_by=None, hours=2):
    return services.schedule_session(
        campaign=campaign,
        organisation=organisation or city.branch_a,
        actor=city.branch_secretary_a,
        kind=kind,
        title="学习党章",
        held_on=days_ago(days),
        given_by=given_by,
        hours=hours,
    )


def test_sessions_attended_and_made_up_count_absences_do_not(city, campaign, first_phase):
    other = MemberFactory(organisation=city.branch_a, name="王丙")
    one = held(city, campaign, days=5)
    services.record_attendance(
        session=one, actor=city.branch_secretary_a, rows=[(city.member_a, True, ""), (other, False, "出差")]
    )
    assert standing(city.member_a, first_phase).earned == 2
    assert (standing(other, first_phase).earned, standing(other, first_phase).missed) == (0, 1)
    services.make_up(session=one, member=other, actor=city.branch_secretary_a, on=days_ago(1))
    got = standing(other, first_phase)
    assert (got.earned, got.attended, got.missed) == (2, 1, 0)
    # Recorded again (a correction), the make-up stays with the absentee.
    services.record_attendance(
        session=one, actor=city.branch_secretary_a, rows=[(city.member_a, True, ""), (other, False, "出差")]
    )
    assert standing(other, first_phase).earned == 2


def test_a_party_lecture_earns_its_own_credits_and_its_giver_more(city, campaign, first_phase):
    leader = MemberFactory(organisation=city.branch_a, name="刘书记", category="leader")
    lecture = held(city, campaign, kind=MeetingKind.PARTY_LECTURE, given_by=leader)
    services.record_attendance(session=lecture, actor=city.branch_secretary_a, rows=[(city.member_a, True, "")])
    assert standing(city.member_a, first_phase).earned == 3
    assert standing(leader, first_phase).earned == 5


def test_rules_by_category_and_requirement_by_category(city, campaign, first_phase):
    elderly = MemberFactory(organisation=city.branch_a, name="老党员", category="elderly")
    services.record_study(
        member=elderly,
        actor=city.branch_secretary_a,
        campaign=campaign,
        activity=Activity.HOME_VISIT,
        studied_on=days_ago(2),
        hours=1,
        what="送学上门：党章",
    )
    services.record_study(
        member=city.member_a, actor=city.member_user_a, campaign=campaign, studied_on=days_ago(2), hours=1, what="读本"
    )
    old, ordinary = standing(elderly, first_phase), standing(city.member_a, first_phase)
    assert (old.earned, old.required) == (Decimal(2), Decimal(4))
    assert (ordinary.earned, ordinary.required) == (Decimal(1), Decimal(10))
    # A home visit is no credit for an ordinary member: no rule for the category, none general.
    services.record_study(
        member=city.member_a,
        actor=city.branch_secretary_a,
        campaign=campaign,
        activity=Activity.HOME_VISIT,
        studied_on=days_ago(1),
        hours=3,
        what="上门",
    )
    assert standing(city.member_a, first_phase).earned == 1


def test_laid_off_members_skills_training_counts(city, campaign, first_phase):
    laid_off = MemberFactory(organisation=city.branch_a, name="下岗党员", category="laid_off")
    services.record_study(
        member=laid_off,
        actor=city.branch_secretary_a,
        campaign=campaign,
        activity=Activity.SKILLS,
        studied_on=days_ago(3),
        hours=8,
        what="家政技能培训",
    )
    assert standing(laid_off, first_phase).earned == 4


def test_a_category_change_recomputes(city, campaign, first_phase):
    from vanguard.members import services as member_services

    services.record_study(
        member=city.member_a, actor=city.member_user_a, campaign=campaign, studied_on=days_ago(2), hours=2, what="读本"
    )
    assert standing(city.member_a, first_phase).earned == 2
    member_services.update_member(member=city.member_a, fields={"category": "elderly"}, actor=city.branch_secretary_a)
    got = standing(city.member_a, first_phase)
    assert (got.earned, got.required, got.category) == (4, 4, "elderly")


def test_a_standing_exists_while_something_counts(city, campaign, first_phase):
    assert not Standing.objects.filter(member=city.member_a).exists()
    services.record_study(
        member=city.member_a, actor=city.member_user_a, campaign=campaign, studied_on=days_ago(2), hours=2, what="读本"
    )
    record = city.member_a.study_records.get()
    assert list(Standing.objects.filter(member=city.member_a).values_list("phase_id", "done_self_study")) == [
        (first_phase.pk, 1)
    ]
    services.remove_record(record=record, actor=city.member_user_a)
    assert not Standing.objects.filter(member=city.member_a).exists()
    # With nothing recorded the member is still counted, as having earned nothing.
    summary = selectors.rollup(city.branch_a, campaign)
    assert [(line["members"], line["complete"]) for line in summary.by_phase if line["phase"] == first_phase] == [
        (1, 0)
    ]


def test_where_nothing_is_required_a_member_with_nothing_recorded_is_complete(city, campaign):
    second = campaign.phases.order_by("order")[1]
    summary = selectors.rollup(city.branch_a, campaign)
    assert [(line["members"], line["complete"]) for line in summary.by_phase if line["phase"] == second] == [(1, 1)]
    assert [s.complete for s in selectors.standings_of(city.member_a, campaign) if s.phase == second] == [True]


def test_members_record_only_their_own_self_study(city, campaign):
    with pytest.raises(ValidationError) as refused:
        services.record_study(
            member=city.member_b, actor=city.member_user_a, campaign=campaign, studied_on=days_ago(1), hours=1, what="x"
        )
    assert refused.value.code == "forbidden"
    with pytest.raises(ValidationError) as refused:
        services.record_study(
            member=city.member_a,
            actor=city.member_user_a,
            campaign=campaign,
            activity=Activity.HOME_VISIT,
            studied_on=days_ago(1),
            hours=1,
            what="x",
        )
    assert "activity" in refused.value.message_dict


@pytest.mark.parametrize(
    ("hours", "studied_on", "what", "field"),
    [
        ("0", 1, "读本", "hours"),
        ("25", 1, "读本", "hours"),
        ("-1", 1, "读本", "hours"),
        ("abc", 1, "读本", "hours"),
        ("NaN", 1, "读本", "hours"),
        ("1", -1, "读本", "studied_on"),
        ("1", 30, "读本", "studied_on"),
        ("1", 1, "  ", "what"),
    ],
)
def test_bad_study_records_are_refused_and_nothing_written(city, campaign, hours, studied_on, what, field):
    with pytest.raises(ValidationError) as refused:
        services.record_study(
            member=city.member_a,
            actor=city.member_user_a,
            campaign=campaign,
            studied_on=days_ago(studied_on),
            hours=hours,
            what=what,
        )
    assert field in refused.value.message_dict
    assert not Standing.objects.filter(member=city.member_a).exists()


def test_attendance_of_a_session_not_yet_held_is_refused(city, campaign):
    session = held(city, campaign, days=-2)
    with pytest.raises(ValidationError) as refused:
        services.record_attendance(session=session, actor=city.branch_secretary_a, rows=[(city.member_a, True, "")])
    assert refused.value.code == "not_held"


def test_bad_rules_name_the_line_and_change_nothing(city, campaign, first_phase):
    from vanguard.study.models import CreditRule

    before = CreditRule.objects.filter(campaign=campaign).count()
    with pytest.raises(ValidationError) as refused:
        services.set_rules(
            campaign=campaign,
            actor=city.office,
            rules=[{"activity": Activity.STUDY, "credits": 1}, {"activity": "nap", "credits": 1}],
            requirements=[{"phase": first_phase, "credits": -3}],
        )
    messages = refused.value.messages
    assert len(messages) == 2 and "2" in messages[0] and "1" in messages[1]
    assert CreditRule.objects.filter(campaign=campaign).count() == before
    with pytest.raises(ValidationError) as refused:
        services.set_rules(campaign=campaign, actor=city.branch_secretary_a, rules=[], requirements=[])
    assert refused.value.code == "forbidden"
