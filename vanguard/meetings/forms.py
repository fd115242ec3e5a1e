"""The meeting form: the meeting itself, who came and who was away (with reasons), and its files.

Attendance is one row per candidate member with three plain radio buttons
(not invited, present, absent) and a reason box, so it works without
JavaScript and stacks into one card per member on a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.core.forms import DateInput
from vanguard.meetings.models import Meeting, MeetingKind
from vanguard.meetings.uploads import DEFAULT_TYPES, check_upload, max_mb
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

PRESENT, ABSENT = "present", "absent"
ATTENDANCE_CHOICES = [
    ("", gettext_lazy("Not invited")),
    (PRESENT, gettext_lazy("Present")),
    (ABSENT, gettext_lazy("Absent")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); cleans to a list, each file checked by `check`."""

    def __init__(self, *args, types: Sequence[str] | None = None, limit_mb: int | None = None, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.types = tuple(types or DEFAULT_TYPES)
        self.limit_mb = limit_mb
        self.widget.attrs.setdefault("accept", ",".join(f".{t}" for t in self.types))

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not items and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        cleaned, errors = [], []
        for item in items:
            item = super().clean(item, initial)
            try:
                check_upload(item, types=self.types, limit_mb=self.limit_mb)
            except ValidationError as exc:
                errors.extend(exc.error_list)
            else:
                cleaned.append(item)
        if errors:
            raise ValidationError(errors)
        return cleaned


def files_help(types: Sequence[str] | None = None, limit_mb: int | None = None) -> str:
    return _("Allowed: %(types)s; at most %(limit)s MB each.") % {
        "types": ", ".join(t for t in (types or DEFAULT_TYPES) if t != "jpeg"),
        "limit": limit_mb or max_mb(),
    }


@dataclass
class AttendanceRow:
    member: Member
    choice: forms.BoundField
    reason: forms.BoundField


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    speakers = forms.CharField(
        label=gettext_lazy("Who spoke"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Names, separated by commas."),
    )
    minutes = forms.CharField(label=gettext_lazy("Minutes"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    files = MultipleFileField(label=gettext_lazy("Files"))

    MEETING_FIELDS = ("kind", "title", "held_on", "place", "speakers", "minutes", "files")

    def __init__(
        self,
        data=None,
        files=None,
        *,
        organisation: Organisation,
        candidates: Sequence[Member] = (),
        present_by_default: Sequence[int] | None = None,
        prefix: str | None = None,
        **kwargs,
    ):
        """`candidates` get a row each; those in `present_by_default` (default: all) start ticked present."""
        super().__init__(data, files, prefix=prefix, **kwargs)
        self.organisation = organisation
        self.candidates = list(candidates)
        self.fields["files"].help_text = files_help()
        ticked = {m.pk for m in self.candidates} if present_by_default is None else set(present_by_default)
        for member in self.candidates:
            self.fields[f"attendance_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=ATTENDANCE_CHOICES,
                widget=forms.RadioSelect,
                required=False,
                initial=PRESENT if member.pk in ticked else "",
            )
            self.fields[f"reason_{member.pk}"] = forms.CharField(
                label=gettext_lazy("Reason for absence"), max_length=200, required=False
            )

    def meeting_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MEETING_FIELDS if name in self.fields]

    def attendance_rows(self) -> list[AttendanceRow]:
        return [AttendanceRow(m, self[f"attendance_{m.pk}"], self[f"reason_{m.pk}"]) for m in self.candidates]

    def clean(self):
        cleaned = super().clean()
        attendees = []
        for member in self.candidates:
            choice = cleaned.get(f"attendance_{member.pk}")
            reason = (cleaned.get(f"reason_{member.pk}") or "").strip()
            if choice == ABSENT and not reason:
                self.add_error(f"reason_{member.pk}", _("Give the reason %(name)s was absent.") % {"name": member.name})
            if choice:
                attendees.append((member, choice == PRESENT, reason if choice == ABSENT else ""))
        if self.candidates and not any(present for _member, present, _reason in attendees):
            self.add_error(None, _("Mark who attended: nobody is marked present."))
        cleaned["attendees"] = attendees
        return cleaned

    def meeting_data(self) -> dict:
        """The keyword arguments of services.record_meeting that come from this form."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "held_on": data["held_on"],
            "place": data.get("place", ""),
            "speakers": data.get("speakers", ""),
            "minutes": data.get("minutes", ""),
            "attendees": data["attendees"],
            "files": data.get("files") or [],
        }


class MeetingEditForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "title", "held_on", "place", "speakers", "minutes"]
        widgets = {"held_on": DateInput()}


class AddFileForm(forms.Form):
    files = MultipleFileField(label=gettext_lazy("Files"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = files_help()


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Find members of the subtree by name"), max_length=50, required=False)
