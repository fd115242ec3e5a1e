"""Forms of the remedy pages: opening or changing a remedy, a note, replacing the head, closing and reopening."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.accounts.models import RoleAssignment
from vanguard.core.forms import DateInput
from vanguard.members.models import Member
from vanguard.opinions.intake_forms import OrganisationField
from vanguard.rectification.models import Cause

DATE = DateInput()


class RemedyForm(forms.Form):
    cause = forms.ChoiceField(label=_("Cause"), choices=Cause.choices)
    cause_text = forms.CharField(
        label=_("The cause in detail"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    replace_head = forms.BooleanField(label=_("Replace the head"), required=False)
    station_team = forms.BooleanField(label=_("Station a work team"), required=False)
    sort_out = forms.BooleanField(label=_("Sort out where it belongs"), required=False)
    team_from = OrganisationField(label=_("Work team from"), required=False)
    team = forms.CharField(label=_("Work team"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team_from"].set_queryset(organisations)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Evidence"), required=False)


class _AssignmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: RoleAssignment) -> str:
        return f"{obj.user.get_full_name() or obj.user.username} · {obj.get_role_display()}"


class HeadForm(forms.Form):
    assignment = _AssignmentChoice(label=_("Head whose role ends"), queryset=RoleAssignment.objects.none())
    successor = forms.ModelChoiceField(label=_("Successor"), queryset=Member.objects.none())
    reason = forms.CharField(label=_("Why the head is replaced"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, heads, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = heads
        self.fields["successor"].queryset = members


class CloseForm(forms.Form):
    assessment = forms.CharField(label=_("Assessment"), widget=forms.Textarea(attrs={"rows": 4}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reopened"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=DATE)


ACT_FORMS = {"close": CloseForm, "reopen": ReopenForm}
