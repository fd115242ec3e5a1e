import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from vanguard.meetings.forms import MeetingForm
from vanguard.meetings.tests.conftest import pdf
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def bound(city, data=None, files=(), candidates=None):
    candidates = [city.member_a] if candidates is None else candidates
    values = {"kind": "mobilisation", "title": "动员会", "held_on": "2026-03-02", **(data or {})}
    uploads = MultiValueDict({"files": list(files)}) if files else None
    return MeetingForm(values, uploads, organisation=city.branch_a, candidates=candidates)


def test_valid_form_gives_attendees_and_files(city):
    away = MemberFactory(organisation=city.branch_a)
    form = bound(
        city,
        {f"attendance_{city.member_a.pk}": "present", f"attendance_{away.pk}": "absent", f"reason_{away.pk}": "病假"},
        files=[pdf(), SimpleUploadedFile("签到.png", b"\x89PNG\r\n\x1a\nrest")],
        candidates=[city.member_a, away],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["attendees"] == [(city.member_a, True, ""), (away, False, "病假")]
    assert [f.name for f in form.cleaned_data["files"]] == ["minutes.pdf", "签到.png"]
    assert form.meeting_data()["title"] == "动员会"


def test_absent_needs_a_reason(city):
    away = MemberFactory(organisation=city.branch_a)
    form = bound(
        city,
        {f"attendance_{city.member_a.pk}": "present", f"attendance_{away.pk}": "absent"},
        candidates=[city.member_a, away],
    )
    assert not form.is_valid() and f"reason_{away.pk}" in form.errors


def test_not_invited_members_are_left_out_and_someone_must_be_present(city):
    form = bound(city, {f"attendance_{city.member_a.pk}": ""})
    assert not form.is_valid() and form.non_field_errors()
    empty = bound(city, candidates=[])
    assert empty.is_valid() and empty.cleaned_data["attendees"] == []


def test_own_members_start_present(city):
    form = MeetingForm(organisation=city.branch_a, candidates=[city.member_a])
    assert form[f"attendance_{city.member_a.pk}"].initial == "present"
    html = str(form[f"attendance_{city.member_a.pk}"])
    assert 'type="radio"' in html and "checked" in html


def test_too_large_file_is_refused(city, settings):
    settings.VANGUARD_UPLOAD_MAX_MB = 1
    form = bound(city, {f"attendance_{city.member_a.pk}": "present"}, files=[pdf("big.pdf", 1024 * 1024 + 1)])
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["files"]] == ["file_size"]


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("setup.exe", b"MZ\x90\x00", "file_type"),
        ("notes", b"hello", "file_type"),
        ("report.pdf", b"MZ\x90\x00", "file_content"),  # renamed to look like a PDF
        ("table.xlsx", b"%PDF-1.4", "file_content"),
        ("note.txt", b"\x00\x01\x02", "file_content"),
    ],
)
def test_wrong_type_is_refused(city, name, body, code):
    form = bound(city, {f"attendance_{city.member_a.pk}": "present"}, files=[SimpleUploadedFile(name, body)])
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["files"]] == [code]


def test_chinese_text_file_is_text(city):
    text = SimpleUploadedFile("纪要.txt", "会议纪要：全体党员参加。".encode("gb18030"))
    form = bound(city, {f"attendance_{city.member_a.pk}": "present"}, files=[text])
    assert form.is_valid(), form.errors
