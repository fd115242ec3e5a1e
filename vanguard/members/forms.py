"""Forms for member records, transfers and hosting."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput
from vanguard.members.models import Member
from vanguard.members.workflows import TRANSFER
from vanguard.orgs.forms import OrganisationCodeField
from vanguard.orgs.models import Organisation

DATE = DateInput()


class MemberForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=40,
        required=False,
        help_text=_("18 characters; full-width digits are accepted. Leave empty to keep the stored number."),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "joined_on",
            "status",
            "category",
            "mobile_since",
            "mobile_place",
            "work_unit",
            "post",
            "phone",
        ]
        widgets = {"birth_date": DATE, "joined_on": DATE, "mobile_since": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["id_number"].help_text = _("18 characters; full-width digits are accepted.")


class TransferForm(forms.Form):
    to_organisation = OrganisationCodeField(
        label=_("Receiving organisation (official code)"), queryset=Organisation.objects.all()
    )
    valid_days = forms.IntegerField(label=_("Letter valid for (days)"), initial=30, min_value=1, max_value=180)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class TransferDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[(t.name, t.label) for t in TRANSFER.transitions])
    reason = forms.CharField(label=_("Reason or comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class HostForm(forms.Form):
    host_organisation = OrganisationCodeField(
        label=_("Host organisation (official code)"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("Leave empty to end hosting."),
    )
    since = forms.DateField(label=_("Since"), initial=timezone.localdate, widget=DATE)
