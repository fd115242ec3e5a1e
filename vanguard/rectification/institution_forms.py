"""Forms of the institution pages: a draft rule, and the adopt and repeal steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput
from vanguard.rectification.models import Institution, InstitutionKind, InstitutionStatus

DATE = DateInput()


class InstitutionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InstitutionKind.choices, initial=InstitutionKind.RULE)
    title = forms.CharField(label=_("Title"), max_length=200)
    rule = forms.CharField(label=_("Rule (定制度)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    procedure = forms.CharField(label=_("Procedure (定程序)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    standard = forms.CharField(label=_("Standard (定标准)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label=_("Measures (定措施)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    trade = forms.CharField(label=_("Trade"), max_length=100, required=False)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    supersedes = forms.ModelChoiceField(label=_("Replaces"), queryset=Institution.objects.none(), required=False)
    file = forms.FileField(label=_("Document"), required=False)

    def __init__(self, *args, organisation, exclude=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only a rule of the same organisation in force is replaced (services.institutions._check_supersedes).
        replaceable = Institution.objects.filter(organisation=organisation, status=InstitutionStatus.IN_FORCE)
        if exclude is not None:
            replaceable = replaceable.exclude(pk=exclude.pk)
        self.fields["supersedes"].queryset = replaceable


class AdoptForm(forms.Form):
    effective_from = forms.DateField(label=_("In force from"), widget=DATE)


class RepealForm(forms.Form):
    reason = forms.CharField(label=_("Why it is repealed"), widget=forms.Textarea(attrs={"rows": 3}))
    effective_until = forms.DateField(label=_("In force until"), required=False, widget=DATE)


ACT_FORMS = {"adopt": AdoptForm, "repeal": RepealForm}
