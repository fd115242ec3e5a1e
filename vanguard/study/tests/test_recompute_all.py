"""The three ways of writing standings agree: the set-based rebuild of a whole campaign gives the member-by-member
numbers, and revaluing the kept counts after the rules change gives what computing afresh under the new rules
gives."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanguard.meetings.models import Attendance, Meeting, MeetingKind
from vanguard.members.factories import MemberFactory
from vanguard.study import credits
from vanguard.study.models import Activity, Basis, CreditRule, Requirement, Session, Standing, StudyRecord

CATEGORIES = ("ordinary", "elderly", "laid_off", "leader", "mobile")
KINDS = (MeetingKind.STUDY, MeetingKind.PARTY_LECTURE, MeetingKind.CENTRAL_GROUP)


def snapshot(campaign) -> dict:
    return {
        (s.member_id, s.phase_id): (
            s.org_path,
            s.category,
            s.earned,
            s.required,
            s.attended,
            s.missed,
            tuple(getattr(s, name) for name in credits.TALLY),
        )
        for s in Standing.objects.filter(campaign=campaign)
    }


def change_rules(campaign, new_rules, new_requirements) -> None:
    """Straight to the tables (the service would start the job): the rules the revaluation must follow."""
    CreditRule.objects.filter(campaign=campaign).delete()
    Requirement.objects.filter(campaign=campaign).delete()
    phases = list(campaign.phases.order_by("order"))
    for activity, category, value, hourly in new_rules:
        CreditRule.objects.get_or_create(
            campaign=campaign,
            activity=activity,
            category=category,
            defaults={"credits": Decimal(value) / 2, "basis": Basis.HOUR if hourly else Basis.EACH},
        )
    for phase_index, category, value in new_requirements:
        Requirement.objects.get_or_create(
            campaign=campaign, phase=phases[phase_index % len(phases)], category=category, defaults={"credits": value}
        )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    members=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=5),
    sessions=st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 2), st.lists(st.integers(0, 3), max_size=5)),
        max_size=4,
    ),
    records=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(list(Activity)), st.integers(1, 16)),
        max_size=5,
    ),
    new_rules=st.lists(
        st.tuples(
            st.sampled_from(list(Activity)), st.sampled_from(("", *CATEGORIES)), st.integers(0, 9), st.booleans()
        ),
        max_size=6,
    ),
    new_requirements=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(("", *CATEGORIES)), st.integers(0, 30)), max_size=4
    ),
)
def test_set_based_equals_member_by_member(city, campaign, members, sessions, records, new_rules, new_requirements):
    phases = list(campaign.phases.order_by("order"))
    people = [MemberFactory(organisation=city.branch_a, category=category) for category in members]
    today = datetime.date.today()
    for kind, phase_index, states in sessions:
        meeting = Meeting.objects.create(
            organisation=city.branch_a, org_path=city.branch_a.path, kind=kind, title="x", held_on=today
        )
        Session.objects.create(
            meeting=meeting,
            campaign=campaign,
            phase=phases[phase_index % len(phases)],
            org_path=city.branch_a.path,
            given_by=people[0] if kind == MeetingKind.PARTY_LECTURE else None,
            recorded_at=datetime.datetime.now(datetime.UTC),
            hours=Decimal("1.5"),
        )
        for person, state in zip(people, states, strict=False):
            Attendance.objects.create(
                meeting=meeting, member=person, present=state == 0, made_up_on=today if state == 1 else None
            )
    for index, activity, half_hours in records:
        StudyRecord.objects.create(
            member=people[index % len(people)],
            org_path=city.branch_a.path,
            recorded_at_organisation=city.branch_a,
            recorded_at_path=city.branch_a.path,
            campaign=campaign,
            phase=phases[index % len(phases)],
            activity=activity,
            studied_on=today,
            hours=Decimal(half_hours) / 2,
            what="x",
        )
    credits.recompute(campaign=campaign)
    one_by_one = snapshot(campaign)
    Standing.objects.filter(campaign=campaign).update(earned=Decimal(-1), attended=99)
    written = credits.rebuild_all(campaign=campaign)
    assert snapshot(campaign) == one_by_one
    assert written == len(one_by_one)

    change_rules(campaign, new_rules, new_requirements)
    assert credits.revalue(campaign=campaign) == len(one_by_one)
    revalued = snapshot(campaign)
    credits.recompute(campaign=campaign)
    assert revalued == snapshot(campaign)
    Standing.objects.all().delete()
    StudyRecord.objects.all().delete()
    Session.objects.all().delete()
    Meeting.objects.all().delete()
    for person in people:
        person.delete()
