import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vanguard.core.models import AuditEntry
from vanguard.meetings import events, selectors, services
from vanguard.meetings.models import Attendance, MeetingFile, MeetingKind
from vanguard.meetings.tests.conftest import pdf
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)


def record(city, **extra):
    arguments = {
        "organisation": city.branch_a,
        "actor": city.branch_secretary_a,
        "kind": MeetingKind.MOBILISATION,
        "title": "动员大会",
        "held_on": DAY,
        "attendees": [(city.member_a, True, "")],
    }
    return services.record_meeting(**{**arguments, **extra})


def test_record_meeting_with_attendance_files_and_audit(city, media):
    away = MemberFactory(organisation=city.branch_a, name="王缺")
    meeting = record(
        city, attendees=[(city.member_a, True, ""), (away, False, " 出差 ")], files=[pdf()], speakers="张甲"
    )
    assert meeting.org_path == city.branch_a.path and meeting.recorded_by == city.branch_secretary_a
    rows = {a.member_id: (a.present, a.absence_reason) for a in Attendance.objects.filter(meeting=meeting)}
    assert rows == {city.member_a.pk: (True, ""), away.pk: (False, "出差")}
    (stored,) = MeetingFile.objects.filter(meeting=meeting)
    assert stored.name == "minutes.pdf" and stored.size == len(b"%PDF-1.4\n")
    assert (media / stored.file.name).read_bytes().startswith(b"%PDF")
    entry = AuditEntry.objects.get(event=events.MEETING_RECORDED)
    assert entry.data["present"] == 1 and entry.data["absent"] == 1 and entry.data["files"] == ["minutes.pdf"]
    assert entry.actor_role == "secretary"
    assert selectors.attendance_counts(meeting) == {"present": 1, "absent": 1, "invited": 2}


def test_absent_without_reason_is_refused(city):
    with pytest.raises(ValidationError) as caught:
        record(city, attendees=[(city.member_a, False, "  ")])
    assert "attendees" in caught.value.error_dict
    assert not AuditEntry.objects.filter(event=events.MEETING_RECORDED).exists()


def test_member_of_another_branch_is_refused(city):
    with pytest.raises(ValidationError):
        record(city, attendees=[(city.member_b, True, "")])


def test_committee_meeting_may_invite_its_subtree(city):
    meeting = record(city, organisation=city.committee_a, attendees=[(city.member_a, True, "")])
    assert meeting.attendance.get().member == city.member_a


def test_unknown_kind_and_bad_file_are_refused(city):
    with pytest.raises(ValidationError):
        record(city, kind="party")
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        record(city, files=[fake])
    assert caught.value.code == "file_content"
    assert not MeetingFile.objects.exists()


def test_update_meeting_audits_the_changes(city):
    meeting = record(city)
    services.update_meeting(meeting=meeting, actor=city.branch_secretary_a, fields={"place": "会议室", "title": "新"})
    entry = AuditEntry.objects.get(event=events.MEETING_UPDATED)
    assert entry.changes == {"title": ["动员大会", "新"], "place": ["", "会议室"]}
    services.update_meeting(meeting=meeting, actor=city.branch_secretary_a, fields={"place": "会议室"})
    assert AuditEntry.objects.filter(event=events.MEETING_UPDATED).count() == 1  # nothing changed, nothing written


def test_update_replaces_attendance(city):
    other = MemberFactory(organisation=city.branch_a)
    meeting = record(city)
    services.update_meeting(
        meeting=meeting, actor=None, fields={}, attendees=[(city.member_a, False, "病假"), (other, True, "")]
    )
    assert selectors.attendance_counts(meeting) == {"present": 1, "absent": 1, "invited": 2}
    assert AuditEntry.objects.get(event=events.MEETING_UPDATED).data["attendance"] == [
        {"present": 1, "absent": 0},
        {"present": 1, "absent": 1},
    ]


def test_add_file(city):
    meeting = record(city)
    stored = services.add_file(meeting=meeting, actor=city.branch_secretary_a, file=pdf("签到表.pdf"))
    assert stored.meeting == meeting and stored.name == "签到表.pdf"
    assert AuditEntry.objects.get(event=events.FILE_ADDED).data == {"file": "签到表.pdf", "size": stored.size}


def test_candidates_of_a_branch_and_a_committee(city):
    hosted = MemberFactory(organisation=city.branch_a2, name="赵流")
    hosted.host_organisation = city.branch_a
    hosted.save(update_fields=["host_organisation"])
    branch = selectors.candidate_members(city.branch_a)
    assert {m.pk for m in branch.members} == {city.member_a.pk, hosted.pk} and not branch.capped
    committee = selectors.candidate_members(city.committee_a)
    assert committee.members == []  # its own members: none; its subtree's are found by name
    found = selectors.candidate_members(city.committee_a, "张")
    assert [m.pk for m in found.members] == [city.member_a.pk] and found.found_count == 1


def test_candidates_are_capped(city):
    for n in range(4):
        MemberFactory(organisation=city.branch_a2, name=f"张{n}")
    found = selectors.candidate_members(city.committee_a, "张", cap=3)
    assert len(found.members) == 3 and found.capped and found.found_count == 5
