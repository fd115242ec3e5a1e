"""Attendance edge cases: a member transferred mid-phase, a mobile member's study with the inflow organisation."""

from __future__ import annotations

from vanguard.meetings.models import MeetingKind
from vanguard.members import services as member_services
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.study import services
from vanguard.study.figures import by_child
from vanguard.study.models import Standing
from vanguard.study.selectors import behind, rollup
from vanguard.study.tests.conftest import days_ago, standing


def session_at(city, campaign, organisation, actor, days: int):
    return services.schedule_session(
        campaign=campaign,
        organisation=organisation,
        actor=actor,
        kind=MeetingKind.STUDY,
        title="学习",
        held_on=days_ago(days),
    )


def test_a_member_transferred_mid_phase_counts_in_the_right_branch(city, campaign, first_phase):
    stays = MemberFactory(organisation=city.branch_a, name="王留")
    before = session_at(city, campaign, city.branch_a, city.branch_secretary_a, 6)
    services.record_attendance(
        session=before, actor=city.branch_secretary_a, rows=[(city.member_a, True, ""), (stays, True, "")]
    )
    transfer = member_services.start_transfer(member=city.member_a, to_organisation=city.branch_a2)
    member_services.accept_transfer(transfer=transfer, actor=city.secretary_a)
    city.member_a.refresh_from_db()
    assert city.member_a.organisation == city.branch_a2
    after = session_at(city, campaign, city.branch_a2, city.secretary_a, 2)
    services.record_attendance(session=after, actor=city.secretary_a, rows=[(city.member_a, True, "")])

    # The member's credits follow them: both sessions, one standing, now under the new branch.
    got = standing(city.member_a, first_phase)
    assert (got.earned, got.attended, got.org_path) == (4, 2, city.branch_a2.path)
    # Each branch's attendance is its own sessions': the old branch keeps the row of the session it held.
    old, new = rollup(city.branch_a, campaign), rollup(city.branch_a2, campaign)
    assert (old.sessions, old.attendance_rows, new.sessions, new.attendance_rows) == (1, 2, 1, 1)
    # Completion counts the member once, in the new branch.
    assert [line["members"] for line in old.by_phase if line["phase"] == first_phase] == [1]
    assert [line["members"] for line in new.by_phase if line["phase"] == first_phase] == [1]
    children = {row.organisation.pk: row for row in by_child(city.committee_a, campaign, first_phase.pk)}
    assert (children[city.branch_a.pk].members, children[city.branch_a2.pk].members) == (1, 1)
    # The new branch's list of who is behind has them with what they earned in the old one.
    rows = {row.member.pk: row for row in behind(city.branch_a2, campaign, first_phase)}
    assert rows[city.member_a.pk].earned == 4
    assert city.member_a.pk not in {row.member.pk for row in behind(city.branch_a, campaign, first_phase)}


def test_a_hosted_member_attending_both_sides_is_one_member_with_both_sessions(city, campaign, first_phase):
    from conftest import make_user
    from vanguard.accounts.models import Role

    mobile = MemberFactory(organisation=city.branch_a, name="流动党员", category="mobile")
    mobile.host_organisation = city.branch_b
    mobile.save()
    host = make_user("host_b", Role.SECRETARY, city.branch_b)
    inflow = session_at(city, campaign, city.branch_b, host, 3)
    services.record_attendance(session=inflow, actor=host, rows=[(mobile, True, "")])
    # Recording the same session again (a correction) does not count it twice.
    services.record_attendance(session=inflow, actor=host, rows=[(mobile, True, "")])
    home = session_at(city, campaign, city.branch_a, city.branch_secretary_a, 2)
    services.record_attendance(session=home, actor=city.branch_secretary_a, rows=[(mobile, False, "在外务工")])
    got = standing(mobile, first_phase)
    assert (got.earned, got.attended, got.missed) == (2, 1, 1)
    city_wide = rollup(city.root, campaign)
    members = [line["members"] for line in city_wide.by_phase if line["phase"] == first_phase][0]
    assert members == Member.objects.count()
    assert Standing.objects.filter(member=mobile, phase=first_phase).count() == 1
    # The home branch sees the absence with its reason, and the inflow branch's attendance is the inflow's.
    assert rollup(city.branch_b, campaign).attendance_rows == 1


def test_a_sessions_kind_cannot_change_through_the_meetings_pages(city, campaign, first_phase):
    import pytest
    from django.core.exceptions import ValidationError

    from vanguard.meetings import services as meetings

    held = session_at(city, campaign, city.branch_a, city.branch_secretary_a, 2)
    services.record_attendance(session=held, actor=city.branch_secretary_a, rows=[(city.member_a, True, "")])
    with pytest.raises(ValidationError) as refused:
        meetings.update_meeting(meeting=held.meeting, actor=city.branch_secretary_a, fields={"kind": "party_lecture"})
    assert refused.value.error_dict["kind"][0].code == "kind_locked"
    assert standing(city.member_a, first_phase).done_study == 1
    meetings.update_meeting(meeting=held.meeting, actor=city.branch_secretary_a, fields={"title": "学习党章（修订）"})
    held.meeting.refresh_from_db()
    assert (held.meeting.kind, held.meeting.title) == ("study", "学习党章（修订）")
