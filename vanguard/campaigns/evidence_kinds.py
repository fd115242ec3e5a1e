"""The evidence kinds campaigns ships: a document, a number, a checklist and a meeting record (issue 17, point 2).

Registered when the module is imported (from `CampaignsConfig.ready()`).
Each kind's form takes the template's entry as `options`; `check_options`
refuses values that could never be met, so a bad template fails when it is
loaded rather than when a secretary records a step.
"""

from __future__ import annotations

from decimal import Decimal
from numbers import Number
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns.evidence import EvidenceKind, register
from vanguard.meetings import selectors as meeting_selectors
from vanguard.meetings import services as meeting_services
from vanguard.meetings.forms import MeetingForm, files_help
from vanguard.meetings.models import Meeting, MeetingKind
from vanguard.meetings.uploads import DEFAULT_TYPES, check_upload, max_mb, unknown_types


def _is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


# --- document --------------------------------------------------------------------------------------------------


def _document_types(options: dict) -> list[str]:
    return [str(t).lower().lstrip(".") for t in options.get("types") or DEFAULT_TYPES]


def _document_limit(options: dict) -> int | float:
    """The template's limit, never above the server's (VANGUARD_UPLOAD_MAX_MB)."""
    limit = options.get("max_mb")
    return min(limit, max_mb()) if _is_number(limit) and limit > 0 else max_mb()


class DocumentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, data=None, files=None, *, unit, options: dict, prefix: str | None = None):
        super().__init__(data, files, prefix=prefix)
        self.types = _document_types(options)
        self.limit_mb = _document_limit(options)
        self.fields["file"].help_text = files_help(self.types, self.limit_mb)
        self.fields["file"].widget.attrs["accept"] = ",".join(f".{t}" for t in self.types)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload, types=self.types, limit_mb=self.limit_mb)
        return upload


def save_document(evidence, cleaned_data: dict, *, unit, actor) -> None:
    upload = cleaned_data["file"]
    evidence.file.save(upload.name, upload, save=False)
    evidence.data = {"name": upload.name, "size": upload.size}


def describe_document(evidence) -> str:
    data = evidence.data or {}
    return f"{data.get('name', '')} ({filesizeformat(data.get('size', 0))})"


def check_document(options: dict) -> list[str]:
    problems = []
    types = options.get("types")
    if types is not None:
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            problems.append(_("“types” must be a list of file extensions."))
        elif unknown := unknown_types(types):
            problems.append(
                _("Unknown file types %(types)s; allowed: %(allowed)s.")
                % {"types": ", ".join(unknown), "allowed": ", ".join(t for t in DEFAULT_TYPES if t != "jpeg")}
            )
    limit = options.get("max_mb")
    if limit is not None and not (_is_number(limit) and limit > 0):
        problems.append(_("“max_mb” must be a number of megabytes above 0."))
    return problems


# --- number ----------------------------------------------------------------------------------------------------


class NumberForm(forms.Form):
    value = forms.DecimalField(label=gettext_lazy("Number"), max_digits=14, decimal_places=2)

    def __init__(self, data=None, files=None, *, unit, options: dict, prefix: str | None = None):
        super().__init__(data, files, prefix=prefix)
        field = self.fields["value"]
        self.unit_label = str(options.get("unit") or "")
        if self.unit_label:
            field.help_text = _("In %(unit)s.") % {"unit": self.unit_label}
        for bound in ("min", "max"):
            if _is_number(options.get(bound)):
                field.widget.attrs[bound] = options[bound]
        self.minimum, self.maximum = options.get("min"), options.get("max")

    def clean_value(self):
        value: Decimal = self.cleaned_data["value"]
        if _is_number(self.minimum) and value < Decimal(str(self.minimum)):
            raise ValidationError(_("At least %(min)s.") % {"min": self.minimum}, code="min_value")
        if _is_number(self.maximum) and value > Decimal(str(self.maximum)):
            raise ValidationError(_("At most %(max)s.") % {"max": self.maximum}, code="max_value")
        return value

    def clean(self):
        cleaned = super().clean()
        cleaned["unit"] = self.unit_label  # `save` is not given the template's options
        return cleaned


def save_number(evidence, cleaned_data: dict, *, unit, actor) -> None:
    value: Decimal = cleaned_data["value"]
    evidence.data = {"value": int(value) if value == value.to_integral_value() else float(value)}
    if cleaned_data.get("unit"):
        evidence.data["unit"] = cleaned_data["unit"]


def describe_number(evidence) -> str:
    data = evidence.data or {}
    return f"{data.get('value', '')} {data.get('unit', '')}".strip()


def check_number(options: dict) -> list[str]:
    problems = []
    for name in ("min", "max"):
        if name in options and not _is_number(options[name]):
            problems.append(_("“%(option)s” must be a number.") % {"option": name})
    low, high = options.get("min"), options.get("max")
    if _is_number(low) and _is_number(high) and low > high:
        problems.append(_("“min” (%(min)s) is above “max” (%(max)s).") % {"min": low, "max": high})
    if "unit" in options and not isinstance(options["unit"], str):
        problems.append(_("“unit” must be a word such as 人 or 次."))
    return problems


# --- checklist -------------------------------------------------------------------------------------------------


class ChecklistForm(forms.Form):
    ticked = forms.MultipleChoiceField(label=gettext_lazy("Done"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, data=None, files=None, *, unit, options: dict, prefix: str | None = None):
        super().__init__(data, files, prefix=prefix)
        self.items = [str(item) for item in options.get("items") or []]
        self.all_required = bool(options.get("all_required"))
        self.fields["ticked"].choices = [(str(i), item) for i, item in enumerate(self.items)]
        if self.all_required:
            self.fields["ticked"].help_text = _("Every item must be done.")

    def clean_ticked(self):
        ticked = sorted({int(i) for i in self.cleaned_data["ticked"]})
        if self.all_required and len(ticked) < len(self.items):
            missing = [self.items[i] for i in range(len(self.items)) if i not in ticked]
            raise ValidationError(_("Not done yet: %(items)s.") % {"items": "、".join(missing)}, code="items_missing")
        return [self.items[i] for i in ticked]

    def clean(self):
        cleaned = super().clean()
        cleaned["of"] = len(self.items)
        return cleaned


def save_checklist(evidence, cleaned_data: dict, *, unit, actor) -> None:
    evidence.data = {"ticked": list(cleaned_data["ticked"]), "of": cleaned_data.get("of", len(cleaned_data["ticked"]))}


def describe_checklist(evidence) -> str:
    data = evidence.data or {}
    ticked = data.get("ticked", [])
    return _("%(done)s of %(of)s done: %(items)s") % {
        "done": len(ticked),
        "of": data.get("of", len(ticked)),
        "items": "、".join(ticked),
    }


def check_checklist(options: dict) -> list[str]:
    items = options.get("items")
    problems = []
    if not isinstance(items, list) or not items:
        problems.append(_("“items” must list at least one item."))
    elif not all(isinstance(item, str) and item.strip() for item in items):
        problems.append(_("Every item of “items” must be a non-empty text."))
    elif len(set(items)) != len(items):
        problems.append(_("“items” lists an item twice."))
    if "all_required" in options and not isinstance(options["all_required"], bool):
        problems.append(_("“all_required” must be true or false."))
    return problems


# --- meeting ---------------------------------------------------------------------------------------------------


class MeetingEvidenceForm(MeetingForm):
    """Pick a meeting the unit's organisation already recorded, or record a new one here (its own members listed).

    Files given with a picked meeting are added to it.
    """

    def __init__(self, data=None, files=None, *, unit, options: dict, prefix: str | None = None):
        organisation = unit.organisation
        candidates = meeting_selectors.candidate_members(organisation)
        super().__init__(data, files, organisation=organisation, candidates=candidates.members, prefix=prefix)
        self.candidates_capped = candidates.capped
        self.meeting_kind = options.get("meeting_kind") or ""
        existing = Meeting.objects.filter(organisation=organisation).order_by("-held_on", "-pk")
        if self.meeting_kind:
            del self.fields["kind"]
            existing = existing.filter(kind=self.meeting_kind)
        self.fields["title"].required = False
        self.fields["held_on"].required = False
        self.fields["meeting"] = forms.ModelChoiceField(
            label=gettext_lazy("A meeting already recorded"),
            queryset=existing,
            required=False,
            empty_label=gettext_lazy("— none: record the meeting below —"),
        )
        self.order_fields(["meeting", *self.MEETING_FIELDS])

    def meeting_fields(self) -> list[forms.BoundField]:
        return [self["meeting"], *super().meeting_fields()]

    def clean(self):
        if self.cleaned_data.get("meeting") is not None:
            cleaned = self.cleaned_data
            # Attendance belongs to the meeting picked: the rows below it are not asked for.
            for name in list(self.errors):
                if name.startswith(("attendance_", "reason_")) or name in ("title", "held_on", "kind"):
                    del self.errors[name]
        else:
            cleaned = super().clean()
            for name in ("title", "held_on"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, ValidationError(self.fields[name].error_messages["required"], "required"))
        if self.meeting_kind:
            cleaned["kind"] = self.meeting_kind
        return cleaned


def save_meeting(evidence, cleaned_data: dict, *, unit, actor) -> None:
    meeting = cleaned_data.get("meeting")
    files = cleaned_data.get("files") or []
    if meeting is not None:
        if meeting.organisation_id != unit.organisation_id:
            raise ValidationError(_("That meeting was held by another organisation."), code="meeting_elsewhere")
        for upload in files:
            meeting_services.add_file(meeting=meeting, actor=actor, file=upload)
    else:
        meeting = meeting_services.record_meeting(
            organisation=unit.organisation,
            actor=actor,
            kind=cleaned_data["kind"],
            title=cleaned_data["title"],
            held_on=cleaned_data["held_on"],
            place=cleaned_data.get("place", ""),
            speakers=cleaned_data.get("speakers", ""),
            minutes=cleaned_data.get("minutes", ""),
            attendees=cleaned_data.get("attendees", []),
            files=files,
        )
    counts = meeting_selectors.attendance_counts(meeting)
    evidence.object_id = meeting.pk
    evidence.data = {
        "meeting": meeting.pk,
        "kind": meeting.kind,
        "title": meeting.title,
        "held_on": meeting.held_on.isoformat(),
        "present": counts["present"],
        "absent": counts["absent"],
    }


def describe_meeting(evidence) -> str:
    data = evidence.data or {}
    return _("%(held_on)s %(title)s: %(present)s present, %(absent)s absent") % {
        "held_on": data.get("held_on", ""),
        "title": data.get("title", ""),
        "present": data.get("present", 0),
        "absent": data.get("absent", 0),
    }


def check_meeting(options: dict) -> list[str]:
    kind = options.get("meeting_kind")
    if kind is not None and kind not in MeetingKind.values:
        return [
            _("Unknown meeting kind “%(kind)s”; known kinds: %(known)s.")
            % {"kind": kind, "known": ", ".join(MeetingKind.values)}
        ]
    return []


register(
    EvidenceKind(
        key="document",
        label=gettext_lazy("Document"),
        form_class=DocumentForm,
        save=save_document,
        describe=describe_document,
        template="campaigns/evidence/document.html",
        options=frozenset({"types", "max_mb"}),
        check_options=check_document,
    )
)
register(
    EvidenceKind(
        key="number",
        label=gettext_lazy("Number"),
        form_class=NumberForm,
        save=save_number,
        describe=describe_number,
        template="campaigns/evidence/number.html",
        options=frozenset({"min", "max", "unit"}),
        check_options=check_number,
    )
)
register(
    EvidenceKind(
        key="checklist",
        label=gettext_lazy("Checklist"),
        form_class=ChecklistForm,
        save=save_checklist,
        describe=describe_checklist,
        template="campaigns/evidence/checklist.html",
        options=frozenset({"items", "all_required"}),
        check_options=check_checklist,
    )
)
register(
    EvidenceKind(
        key="meeting",
        label=gettext_lazy("Meeting record"),
        form_class=MeetingEvidenceForm,
        save=save_meeting,
        describe=describe_meeting,
        template="campaigns/evidence/meeting.html",
        form_template="campaigns/evidence/meeting_form.html",
        options=frozenset({"meeting_kind"}),
        check_options=check_meeting,
    )
)
