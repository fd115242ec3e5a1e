"""Forms of study's pages; the services check again and their refusals land on these forms."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput
from vanguard.study.models import RECORD_ACTIVITIES, SESSION_KINDS, Activity, StudyForm
from vanguard.study.services import SELF_RECORDED


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in SESSION_KINDS])
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    hours = forms.DecimalField(label=_("Hours"), min_value=Decimal("0.5"), max_value=24, decimal_places=1, initial=2)
    given_by = forms.ChoiceField(label=_("Given by"), required=False)
    phase = forms.ChoiceField(label=_("Phase"))

    def __init__(self, *args, speakers=(), phases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = [("", "—"), *((str(m.pk), m.name) for m in speakers)]
        self.fields["phase"].choices = [(str(p.pk), p.name) for p in phases]


class StudyRecordForm(forms.Form):
    activity = forms.ChoiceField(label=_("Kind of study"))
    studied_on = forms.DateField(label=_("Date"), widget=DateInput, initial=datetime.date.today)
    hours = forms.DecimalField(label=_("Hours"), decimal_places=1, min_value=Decimal("0.5"), max_value=24)
    what = forms.CharField(label=_("What was studied"), max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    material = forms.ChoiceField(label=_("Material"), required=False)

    def __init__(self, *args, own: bool = True, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        kinds = SELF_RECORDED if own else RECORD_ACTIVITIES
        self.fields["activity"].choices = [(k.value, Activity(k).label) for k in kinds]
        self.fields["material"].choices = [("", "—"), *((str(m.pk), m.title) for m in materials)]


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    required = forms.BooleanField(label=_("Required reading"), required=False)
    form = forms.ChoiceField(label=_("Form of study"), choices=StudyForm.choices, initial=StudyForm.SELF)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False)


class MakeUpForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Made up on"), widget=DateInput)
