"""Every write to meetings: record one with its attendance and files, change it, add a file."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.meetings import events, hooks
from vanguard.meetings.models import Attendance, Meeting, MeetingFile, MeetingKind
from vanguard.meetings.uploads import check_upload
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

# (member, present, absence_reason)
AttendeeRow = tuple[Member, bool, str]
EDITABLE_FIELDS = ("kind", "title", "held_on", "place", "speakers", "minutes")


def _check_attendees(organisation: Organisation, attendees: Sequence[AttendeeRow]) -> list[AttendeeRow]:
    """Members of the organisation's subtree (or hosted by it), each once; an absentee gives a reason (DOMAIN §2)."""
    seen: set[int] = set()
    problems: list[str] = []
    cleaned: list[AttendeeRow] = []
    for member, present, reason in attendees:
        reason = (reason or "").strip()
        if member.pk in seen:
            continue
        seen.add(member.pk)
        belongs = tree.is_within(member.org_path, organisation.path) or member.host_organisation_id == organisation.pk
        if not belongs:
            problems.append(_("%(name)s is not a member of %(org)s.") % {"name": member.name, "org": organisation.name})
        elif not present and not reason:
            problems.append(_("Give the reason %(name)s was absent.") % {"name": member.name})
        cleaned.append((member, bool(present), "" if present else reason))
    if problems:
        raise ValidationError({"attendees": problems})
    return cleaned


def _check_fields(fields: dict[str, Any]) -> None:
    if fields.get("kind") not in MeetingKind.values:
        raise ValidationError({"kind": _("Unknown kind of meeting.")})
    held_on = fields.get("held_on")
    if not isinstance(held_on, datetime.date):
        raise ValidationError({"held_on": _("Give the date of the meeting.")})
    if not (fields.get("title") or "").strip():
        raise ValidationError({"title": _("Give the meeting a title.")})


def _store_files(meeting: Meeting, files: Iterable[UploadedFile]) -> list[MeetingFile]:
    stored = []
    for upload in files:
        check_upload(upload)
        item = MeetingFile(meeting=meeting, name=upload.name[:200], size=upload.size)
        item.file.save(upload.name, upload, save=False)
        item.save()
        stored.append(item)
    return stored


def _counts(meeting: Meeting) -> dict[str, int]:
    present = meeting.attendance.filter(present=True).count()
    return {"present": present, "absent": meeting.attendance.count() - present}


@transaction.atomic
def record_meeting(
    *,
    organisation: Organisation,
    actor,
    kind: str,
    title: str,
    held_on: datetime.date,
    place: str = "",
    speakers: str = "",
    minutes: str = "",
    attendees: Sequence[AttendeeRow] = (),
    files: Iterable[UploadedFile] = (),
) -> Meeting:
    """A meeting held by `organisation`, who was invited (present, or absent with a reason), its minutes and files.

    Files are checked for type and size (meetings.uploads) and stored through
    Django's storage; they are served only by the meeting's download page.
    """
    fields = {"kind": kind, "title": title.strip(), "held_on": held_on, "place": place, "speakers": speakers}
    _check_fields(fields)
    rows = _check_attendees(organisation, attendees)
    meeting = Meeting.objects.create(
        organisation=organisation, org_path=organisation.path, minutes=minutes, recorded_by=actor, **fields
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member=member, present=present, absence_reason=reason)
        for member, present, reason in rows
    )
    stored = _store_files(meeting, files)
    audit.record(
        event=events.MEETING_RECORDED,
        **acting_as(actor, organisation.path),
        target=meeting,
        organisation=organisation,
        data={"kind": kind, "held_on": held_on.isoformat(), **_counts(meeting), "files": [f.name for f in stored]},
    )
    return meeting


@transaction.atomic
def update_meeting(
    *, meeting: Meeting, actor, fields: dict[str, Any], attendees: Sequence[AttendeeRow] | None = None
) -> Meeting:
    """Change the meeting's own fields (those of EDITABLE_FIELDS given) and, when given, replace its attendance."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "kind" in fields and fields["kind"] != meeting.kind:
        locked = hooks.kind_lock(meeting)
        if locked:
            raise ValidationError({"kind": ValidationError(locked, code="kind_locked")})
    before = {name: getattr(meeting, name) for name in EDITABLE_FIELDS}
    for name, value in fields.items():
        setattr(meeting, name, value.strip() if name == "title" else value)
    _check_fields({name: getattr(meeting, name) for name in EDITABLE_FIELDS})
    changes = {
        name: [str(before[name]), str(getattr(meeting, name))]
        for name in EDITABLE_FIELDS
        if before[name] != getattr(meeting, name)
    }
    meeting.save()
    data: dict[str, Any] = {}
    if attendees is not None:
        rows = _check_attendees(meeting.organisation, attendees)
        old = _counts(meeting)
        meeting.attendance.all().delete()
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, member=member, present=present, absence_reason=reason)
            for member, present, reason in rows
        )
        new = _counts(meeting)
        if old != new:
            data = {"attendance": [old, new]}
    if changes or data:
        audit.record(
            event=events.MEETING_UPDATED,
            **acting_as(actor, meeting.org_path),
            target=meeting,
            organisation=meeting.organisation,
            changes=changes,
            data=data,
        )
    return meeting


@transaction.atomic
def add_file(*, meeting: Meeting, actor, file: UploadedFile) -> MeetingFile:
    (stored,) = _store_files(meeting, [file])
    audit.record(
        event=events.FILE_ADDED,
        **acting_as(actor, meeting.org_path),
        target=meeting,
        organisation=meeting.organisation,
        data={"file": stored.name, "size": stored.size},
    )
    return stored
