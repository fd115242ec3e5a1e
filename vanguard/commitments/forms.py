from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.commitments.models import Audience, Template, Verdict
from vanguard.core.forms import DateInput


class MakeForm(forms.Form):
    template = forms.ModelChoiceField(label=_("From a template"), queryset=Template.objects.none(), required=False)
    item_index = forms.IntegerField(label=_("Item number in the template"), min_value=1, required=False)
    text = forms.CharField(label=_("Commitment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = Template.objects.filter(campaign=campaign)


class ReviseForm(forms.Form):
    text = forms.CharField(label=_("New text"), widget=forms.Textarea(attrs={"rows": 3}))


class PublishForm(forms.Form):
    audience = forms.ChoiceField(label=_("Published to"), choices=Audience.choices)
    published_from = forms.DateField(label=_("Published from"), widget=DateInput())
    published_until = forms.DateField(label=_("Published until"), widget=DateInput())


class RateForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PublicRateForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Was it kept?"), choices=Verdict.choices)
