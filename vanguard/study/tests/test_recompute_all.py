"""Standings count the same whichever way they are written (member by member, or the set-based rebuild of a whole
campaign), and what they are worth under any rules — valued by the database (`credits.valued`) or in hand
(`Rules.value`) — is what adding up each attendance, lecture and record under those rules by hand gives."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
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
            s.attended,
            s.missed,
            tuple(getattr(s, name) for name in credits.TALLY),
        )
        for s in Standing.objects.filter(campaign=campaign)
    }


def change_rules(campaign, new_rules, new_requirements) -> None:
    """Straight to the tables: any rules, including ones the rules page would not produce (a category's rule with
    no general one)."""
    CreditRule.objects.filter(campaign=campaign).delete()
    Requirement.objects.filter(campaign=campaign).delete()
    phases = list(campaign.phases.order_by("order"))
    for activity, category, value, hourly in new_rules:  # the first of a repeated (activity, category) stands
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


def valuation(standing: Standing) -> tuple:
    return (standing.earned, standing.required, standing.complete)


def worth(rule_of: dict, activity: str, category: str, hours: Decimal) -> Decimal:
    """One thing done, valued by hand: the category's own rule, else the general one, else nothing."""
    rule = rule_of.get((activity, category)) or rule_of.get((activity, ""))
    if rule is None:
        return Decimal(0)
    return rule.credits * (hours if rule.basis == Basis.HOUR else 1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    members=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=5),
    sessions=st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 2), st.lists(st.integers(0, 3), min_size=1, max_size=5)),
        min_size=1,
        max_size=4,
    ),
    records=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(list(Activity)), st.integers(1, 16)),
        min_size=1,
        max_size=5,
    ),
    new_rules=st.lists(
        st.tuples(
            st.sampled_from(list(Activity)), st.sampled_from(("", *CATEGORIES)), st.integers(0, 9), st.booleans()
        ),
        min_size=2,
        max_size=10,
    ),
    new_requirements=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(("", *CATEGORIES)), st.integers(0, 30)), min_size=1, max_size=4
    ),
)
# A case with everything at once: a category's own rule and requirement beside the general ones, every kind of
# thing done (attended, made up, missed, a lecture given, records of two kinds), per-hour and per-each rules.
@example(
    members=["elderly", "ordinary", "laid_off"],
    sessions=[(MeetingKind.STUDY, 0, [0, 1, 2]), (MeetingKind.PARTY_LECTURE, 0, [2, 0, 0])],
    records=[(0, Activity.SELF_STUDY, 3), (1, Activity.SELF_STUDY, 2), (2, Activity.SKILLS, 5)],
    new_rules=[
        (Activity.STUDY, "", 4, False),
        (Activity.STUDY, "elderly", 6, False),
        (Activity.PARTY_LECTURE, "", 2, True),
        (Activity.GAVE_LECTURE, "", 8, False),
        (Activity.SELF_STUDY, "", 2, True),
        (Activity.SKILLS, "laid_off", 1, True),
    ],
    new_requirements=[(0, "", 5), (0, "elderly", 3), (1, "laid_off", 1)],
)
def test_counts_agree_and_are_worth_what_adding_up_gives(
    city, campaign, members, sessions, records, new_rules, new_requirements
):
    phases = list(campaign.phases.order_by("order"))
    people = [MemberFactory(organisation=city.branch_a, category=category) for category in members]
    done = []  # (member, phase, activity, hours) of everything that should earn credit
    today = datetime.date.today()
    for kind, phase_index, states in sessions:
        meeting = Meeting.objects.create(
            organisation=city.branch_a, org_path=city.branch_a.path, kind=kind, title="x", held_on=today
        )
        phase = phases[phase_index % len(phases)]
        Session.objects.create(
            meeting=meeting,
            campaign=campaign,
            phase=phase,
            org_path=city.branch_a.path,
            given_by=people[0] if kind == MeetingKind.PARTY_LECTURE else None,
            recorded_at=datetime.datetime.now(datetime.UTC),
            hours=Decimal("1.5"),
        )
        if kind == MeetingKind.PARTY_LECTURE:
            done.append((people[0].pk, phase.pk, Activity.GAVE_LECTURE, Decimal("1.5")))
        for person, state in zip(people, states, strict=False):
            Attendance.objects.create(
                meeting=meeting, member=person, present=state == 0, made_up_on=today if state == 1 else None
            )
            if state in (0, 1):  # present, or absent and made up later
                done.append((person.pk, phase.pk, kind, Decimal("1.5")))
    for index, activity, half_hours in records:
        done.append((people[index % len(people)].pk, phases[index % len(phases)].pk, activity, Decimal(half_hours) / 2))
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
    credits.recompute(campaign=campaign, member_ids=[p.pk for p in people])
    one_by_one = snapshot(campaign)
    Standing.objects.filter(campaign=campaign).update(attended=99, done_study=7)
    written = credits.rebuild_all(campaign=campaign)
    assert snapshot(campaign) == one_by_one
    assert written == len(one_by_one)

    change_rules(campaign, new_rules, new_requirements)
    rule_of = {(r.activity, r.category): r for r in CreditRule.objects.filter(campaign=campaign)}
    need_of = {(q.phase_id, q.category): q.credits for q in Requirement.objects.filter(campaign=campaign)}
    rules = credits.Rules.of(campaign)
    in_database = {
        (s.member_id, s.phase_id): valuation(s)
        for s in credits.valued(Standing.objects.filter(campaign=campaign), campaign)
    }
    # Without naming the campaign (the API's way: each row under its own campaign's rules), the same.
    assert {
        (s.member_id, s.phase_id): valuation(s) for s in credits.valued(Standing.objects.filter(campaign=campaign))
    } == in_database
    for person in people:
        for phase in phases:
            earned = sum(
                (
                    worth(rule_of, activity, person.category, hours)
                    for who, phase_id, activity, hours in done
                    if who == person.pk and phase_id == phase.pk
                ),
                Decimal(0),
            )
            required = need_of.get((phase.pk, person.category), need_of.get((phase.pk, ""), Decimal(0)))
            expected = (earned, required, earned >= required)
            key = (person.pk, phase.pk)
            if key in in_database:
                assert in_database[key] == expected
                standing = Standing.objects.get(member=person, phase=phase)
                assert valuation(rules.value(standing)) == expected
            else:
                assert earned == 0  # no standing: nothing done
    Standing.objects.all().delete()
    StudyRecord.objects.all().delete()
    Session.objects.all().delete()
    Meeting.objects.all().delete()
    for person in people:
        person.delete()
