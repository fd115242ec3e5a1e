"""The kept study figures (study.tallies) stay what a recount gives through every kind of write, and the figures
read from them are what counting the rows directly gives."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vanguard.meetings.models import Attendance, MeetingKind
from vanguard.members import services as member_services
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.orgs import services as org_services
from vanguard.study import credits, services, tallies
from vanguard.study.figures import by_child
from vanguard.study.models import Activity, CreditTally, Session, Standing
from vanguard.study.selectors import rollup
from vanguard.study.tests.conftest import days_ago


def check() -> None:
    call_command("recount_study", "--check", stdout=__import__("io").StringIO())


def session(city, campaign, organisation, actor, days=3, kind=MeetingKind.STUDY, given_by=None):
    return services.schedule_session(
        campaign=campaign,
        organisation=organisation,
        actor=actor,
        kind=kind,
        title="学习",
        held_on=days_ago(days),
        given_by=given_by,
    )


def test_every_write_keeps_the_tallies_what_a_recount_gives(city, campaign, first_phase):
    elderly = MemberFactory(organisation=city.branch_a, name="老党员", category="elderly")
    leader = MemberFactory(organisation=city.branch_a, name="刘书记", category="leader")
    one = session(city, campaign, city.branch_a, city.branch_secretary_a, days=5)
    check()
    services.record_attendance(
        session=one,
        actor=city.branch_secretary_a,
        rows=[(city.member_a, True, ""), (elderly, False, "住院"), (leader, True, "")],
    )
    check()
    # A correction: different rows, fewer present.
    services.record_attendance(
        session=one, actor=city.branch_secretary_a, rows=[(city.member_a, False, "出差"), (elderly, False, "住院")]
    )
    check()
    services.make_up(session=one, member=elderly, actor=city.branch_secretary_a, on=days_ago(1))
    check()
    lecture = session(
        city, campaign, city.branch_a, city.branch_secretary_a, kind=MeetingKind.PARTY_LECTURE, given_by=leader
    )
    services.record_attendance(session=lecture, actor=city.branch_secretary_a, rows=[(city.member_a, True, "")])
    check()
    services.record_study(
        member=elderly,
        actor=city.branch_secretary_a,
        campaign=campaign,
        activity=Activity.HOME_VISIT,
        studied_on=days_ago(2),
        hours=3,
        what="送学上门",
    )
    services.record_study(
        member=city.member_a, actor=city.member_user_a, campaign=campaign, studied_on=days_ago(2), hours=8, what="读本"
    )
    check()
    services.remove_record(record=city.member_a.study_records.get(), actor=city.member_user_a)
    check()
    # The member changes category, then branch; then their committee moves to another district.
    member_services.update_member(member=city.member_a, fields={"category": "elderly"}, actor=city.branch_secretary_a)
    check()
    transfer = member_services.start_transfer(member=city.member_a, to_organisation=city.branch_a2)
    member_services.accept_transfer(transfer=transfer, actor=city.secretary_a)
    check()
    org_services.move_organisation(organisation=city.committee_a, new_parent=city.district_b, effective_on=days_ago(0))
    check()
    assert CreditTally.objects.filter(organisation=city.district_b, recorded__gt=0).exists()


def test_the_check_notices_a_tally_out_of_step(city, campaign):
    one = session(city, campaign, city.branch_a, city.branch_secretary_a)
    services.record_attendance(session=one, actor=city.branch_secretary_a, rows=[(city.member_a, True, "")])
    check()
    CreditTally.objects.filter(organisation=city.root).update(recorded=99)
    with pytest.raises(CommandError):
        check()


def test_the_figures_are_what_counting_the_rows_gives(city, campaign, first_phase):
    members = [MemberFactory(organisation=city.branch_a, category=c) for c in ("ordinary", "elderly", "leader")]
    members += [MemberFactory(organisation=city.branch_a2, category="ordinary")]
    for days, branch, actor, people in (
        (6, city.branch_a, city.branch_secretary_a, members[:3] + [city.member_a]),
        (4, city.branch_a, city.branch_secretary_a, members[:2]),
        (3, city.branch_a2, city.secretary_a, members[3:]),
        (2, city.branch_b, city.secretary_b, [city.member_b]),
    ):
        held = session(city, campaign, branch, actor, days=days)
        services.record_attendance(
            session=held,
            actor=actor,
            rows=[(p, i % 2 == 0, "" if i % 2 == 0 else "病假") for i, p in enumerate(people)],
        )
    services.record_study(
        member=members[1],
        actor=city.branch_secretary_a,
        campaign=campaign,
        activity=Activity.HOME_VISIT,
        studied_on=days_ago(1),
        hours=2,
        what="送学上门",
    )
    for organisation in (city.root, city.district_a, city.committee_a, city.branch_a):
        summary = rollup(organisation, campaign)
        in_tree = Session.objects.filter(org_path__startswith=organisation.path, campaign=campaign)
        rows = Attendance.objects.filter(meeting__study__in=in_tree)
        assert summary.sessions == in_tree.count()
        assert (summary.attendance_rows, summary.credited_rows) == (rows.count(), rows.filter(present=True).count())
        standings = credits.valued(
            Standing.objects.filter(org_path__startswith=organisation.path, phase=first_phase), campaign
        )
        line = next(line for line in summary.by_phase if line["phase"] == first_phase)
        assert line["members"] == Member.objects.filter(org_path__startswith=organisation.path).count()
        assert (line["recorded"], line["complete"]) == (standings.count(), standings.filter(complete=True).count())
    children = {row.organisation: row for row in by_child(city.committee_a, campaign, first_phase.pk)}
    assert (children[city.branch_a].sessions, children[city.branch_a2].sessions) == (2, 1)
    assert children[city.branch_a2].members == Member.objects.filter(organisation=city.branch_a2).count()


def test_the_recount_job_follows_new_rules(city, campaign, first_phase):
    one = session(city, campaign, city.branch_a, city.branch_secretary_a)
    services.record_attendance(session=one, actor=city.branch_secretary_a, rows=[(city.member_a, True, "")])
    assert CreditTally.objects.get(organisation=city.root, phase=first_phase, category="ordinary").complete == 0
    services.set_rules(
        campaign=campaign,
        actor=city.office,
        rules=[{"activity": Activity.STUDY, "credits": 2}],
        requirements=[{"phase": first_phase, "credits": 2}],
    )
    # Until the job has run the kept figures are the old rules'; the check says so, the recount puts them right.
    with pytest.raises(CommandError):
        check()
    tallies.recount_credits(campaign)
    check()
    assert CreditTally.objects.get(organisation=city.root, phase=first_phase, category="ordinary").complete == 1
