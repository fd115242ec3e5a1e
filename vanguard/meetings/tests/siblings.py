"""A meeting and its file inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

import datetime

from vanguard.meetings import services
from vanguard.meetings.models import Meeting, MeetingFile, MeetingKind


def sibling_objects(city) -> dict:
    meeting = services.record_meeting(
        organisation=city.branch_b,
        actor=None,
        kind=MeetingKind.MOBILISATION,
        title="乙一支部动员会",
        held_on=datetime.date(2026, 3, 2),
        attendees=[(city.member_b, True, "")],
    )
    # A row naming a file is enough: the walk must be refused before any file is opened.
    item = MeetingFile.objects.create(meeting=meeting, file="meetings/sibling.pdf", name="sibling.pdf", size=9)
    return {Meeting: meeting, MeetingFile: item}
