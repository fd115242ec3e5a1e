"""Forms of the item pages: a new item, a transition (the fields each needs), a note, listing, a circular."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput
from vanguard.opinions.intake_forms import OrganisationField
from vanguard.opinions.models import Category

DATE = DateInput()


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices], required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)
    responsible = OrganisationField(label=_("Responsible organisation"), required=False)
    explanation = forms.CharField(
        label=_("Explanation to the public"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].set_queryset(organisations)


class DoneForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("Evidence"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonDeadlineForm(ReasonForm):
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=DATE)


class ExtendForm(ReasonForm):
    deadline = forms.DateField(label=_("New deadline"), widget=DATE)


class ExplainForm(forms.Form):
    explanation = forms.CharField(
        label=_("Explanation to the public"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class EmptyForm(forms.Form):
    pass


ACT_FORMS: dict[str, type[forms.Form]] = {
    "report_done": DoneForm,
    "verify": EmptyForm,
    "return": ReasonDeadlineForm,
    "explain": ExplainForm,
    "extend": ExtendForm,
    "cancel": ReasonForm,
    "reopen": ReasonDeadlineForm,
}


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Evidence"), required=False)


class CircularForm(forms.Form):
    text = forms.CharField(label=_("Circular"), widget=forms.Textarea(attrs={"rows": 4}))
