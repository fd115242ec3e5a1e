"""Forms of the plan pages: drawing up or editing a plan, withdrawing it from publication."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.appraisals.models import Audience


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Plan"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    audience = forms.ChoiceField(label=_("Published to"), choices=Audience.choices, initial=Audience.UNIT)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class EmptyForm(forms.Form):
    pass
