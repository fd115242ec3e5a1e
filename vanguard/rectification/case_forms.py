"""Forms of the case pages: opening a case, and one form for every case transition (the fields it reads)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.ballots.models import Grade
from vanguard.core.forms import DateInput
from vanguard.members.models import Member
from vanguard.rectification.models import NoticeMethod, Outcome
from vanguard.rectification.workflows import APPROVALS

# The fields each transition reads from the form (the guards say what is missing).
FIELDS: dict[str, tuple[str, ...]] = {
    "start_education": ("reason", "helper", "until"),
    "extend_education": ("reason", "until"),
    "transform": ("reason", "grade"),
    "require_registration": ("reason", "grade"),
    "file_application": ("text", "file"),
    "notify": ("reason", "outcome", "how"),
    "state_case": ("statement",),
    "propose": ("reason", "outcome"),
    "approve_correcting": ("reason", "until"),
}
REASON_ONLY = ("reason",)
APPROVAL_NAMES = {name for name, *_rest in APPROVALS}


def fields_of(name: str) -> tuple[str, ...]:
    return FIELDS.get(name, REASON_ONLY)


class OpenCaseForm(forms.Form):
    reason = forms.CharField(label=_("Why the case is opened"), widget=forms.Textarea(attrs={"rows": 3}))


class CaseActionForm(forms.Form):
    """Every field any transition reads; the page shows a transition only its own (`fields_of`)."""

    transition = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    helper = forms.ModelChoiceField(label=_("Helper"), queryset=Member.objects.none(), required=False)
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    grade = forms.ChoiceField(label=_("Re-appraisal result"), choices=[("", "—"), *Grade.choices], required=False)
    outcome = forms.ChoiceField(label=_("Decision"), choices=[("", "—"), *Outcome.choices], required=False)
    how = forms.ChoiceField(label=_("Told how"), choices=[("", "—"), *NoticeMethod.choices], required=False)
    text = forms.CharField(
        label=_("Registration application"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    file = forms.FileField(label=_("Application (scan)"), required=False)
    statement = forms.CharField(label=_("Statement"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, case=None, names: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = names or []
        if case is not None:
            self.fields["helper"].queryset = Member.objects.filter(organisation_id=case.organisation_id).exclude(
                pk=case.member_id
            )

    def clean_transition(self) -> str:
        name = self.cleaned_data["transition"]
        if name not in self.names:
            raise forms.ValidationError(_("This step is not offered to you now."))
        return name

    def context(self) -> dict:
        """The transition's own fields, as the service takes them."""
        data = self.cleaned_data
        return {field: data[field] for field in fields_of(data["transition"]) if data.get(field) not in (None, "")}
