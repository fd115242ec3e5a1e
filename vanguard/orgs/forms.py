"""Forms for the organisation tree."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput
from vanguard.orgs.models import Organisation


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "sector", "code"]


class OrganisationCodeField(forms.CharField):
    """An organisation named by its official code (the search box fills it in).

    `queryset` limits what may be chosen; a code shared by several units is refused as ambiguous.
    """

    def __init__(self, *args, queryset=None, **kwargs):
        self.queryset = queryset
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        matches = list(self.queryset.filter(code=code.strip())[:2])
        if not matches:
            raise forms.ValidationError(_("No organisation you may choose has the code %(code)s.") % {"code": code})
        if len(matches) > 1:
            raise forms.ValidationError(_("Several organisations share the code %(code)s.") % {"code": code})
        return matches[0]


class MoveForm(forms.Form):
    new_parent = OrganisationCodeField(label=_("New parent (official code)"))
    effective_on = forms.DateField(label=_("Effective date"), initial=timezone.localdate, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, parent_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = parent_choices
