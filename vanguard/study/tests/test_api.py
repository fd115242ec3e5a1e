"""Study over the API: read-only, scoped like the pages, filtered by subtree, campaign and member."""

from __future__ import annotations

from django.urls import reverse

from vanguard.meetings.models import MeetingKind
from vanguard.study import services
from vanguard.study.tests.conftest import days_ago


def test_sessions_records_and_standings_are_scoped(client, city, campaign, first_phase):
    session = services.schedule_session(
        campaign=campaign,
        organisation=city.branch_a,
        actor=city.branch_secretary_a,
        kind=MeetingKind.STUDY,
        title="学习",
        held_on=days_ago(1),
    )
    services.record_attendance(session=session, actor=city.branch_secretary_a, rows=[(city.member_a, True, "")])
    services.record_study(
        member=city.member_a, actor=city.member_user_a, campaign=campaign, studied_on=days_ago(1), hours=1, what="党章"
    )
    client.force_login(city.secretary_a)
    sessions = client.get(reverse("study-session-list"), {"organisation": city.district_a.pk}).json()
    assert [(row["id"], row["present"], row["absent"]) for row in sessions["results"]] == [(session.pk, 1, 0)]
    standings = client.get(reverse("study-standing-list"), {"member": city.member_a.pk, "phase": first_phase.pk})
    assert [(row["earned"], row["complete"]) for row in standings.json()["results"]] == [("3.00", False)]
    records = client.get(reverse("study-record-list"), {"campaign": campaign.pk}).json()
    assert [row["what"] for row in records["results"]] == ["党章"]
    client.force_login(city.secretary_b)
    for name in ("study-session-list", "study-record-list", "study-standing-list"):
        assert client.get(reverse(name)).json()["count"] == 0, name
    assert client.get(reverse("study-session-detail", args=[session.pk])).status_code == 404
    assert client.post(reverse("study-session-list"), {}).status_code == 405
