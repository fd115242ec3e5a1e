"""Forms of the assistance pages; the services check again and their refusals land on these forms."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.assistance.models import HelpKind, HouseholdGroup, PairingKind, ServiceKind
from vanguard.core.forms import DateInput, PeriodForm  # noqa: F401 (the figures page uses PeriodForm)

CHOICES_SHOWN = 300


def _choices(rows, label=lambda row: row.name) -> list[tuple[str, str]]:
    return [("", "—"), *((str(row.pk), label(row)) for row in rows)]


def _member_label(member) -> str:
    return f"{member.name} · {member.organisation.name}"


class PairingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PairingKind.choices)
    helper_member = forms.ChoiceField(label=_("Member who helps"), required=False)
    helped = forms.MultipleChoiceField(
        label=_("Members helped"), required=False, help_text=_("One for 1+1, two for 1+2.")
    )
    helper_organisation = forms.ChoiceField(label=_("Organisation that helps"), required=False)
    partner_organisation = forms.ChoiceField(label=_("Paired organisation"), required=False)
    partner_name = forms.CharField(
        label=_("Paired with"),
        max_length=200,
        required=False,
        help_text=_("The needy person, or a community or “两新” organisation outside the list."),
    )
    hardship = forms.CharField(label=_("Hardship"), max_length=300, required=False)
    started_on = forms.DateField(label=_("Paired on"), widget=DateInput, initial=datetime.date.today)

    def __init__(self, *args, members=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helper_member"].choices = _choices(members, _member_label)
        self.fields["helped"].choices = _choices(members, _member_label)[1:]
        self.fields["helper_organisation"].choices = _choices(organisations)
        self.fields["partner_organisation"].choices = _choices(organisations)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date"), widget=DateInput, initial=datetime.date.today)
    help_kind = forms.ChoiceField(label=_("Help given"), choices=HelpKind.choices)
    value = forms.CharField(label=_("Value (yuan)"), required=False, max_length=20)
    note = forms.CharField(label=_("What was done"), max_length=300)


class EndForm(forms.Form):
    on = forms.DateField(label=_("Ended on"), widget=DateInput, initial=datetime.date.today)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HouseholdForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    address = forms.CharField(label=_("Address"), max_length=200)
    group = forms.ChoiceField(label=_("Group"), choices=HouseholdGroup.choices)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    listed_on = forms.DateField(label=_("Listed on"), widget=DateInput, initial=datetime.date.today)


class ScheduleForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), initial=lambda: datetime.date.today().year)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defaults = {ServiceKind.SAFETY_CHECK: 3, ServiceKind.CLEANING: 1}
        for kind, label in ServiceKind.choices:
            self.fields[f"times_{kind}"] = forms.IntegerField(
                label=_("%(service)s: times a year") % {"service": label},
                min_value=0,
                max_value=12,
                initial=defaults.get(kind, 0),
                required=False,
            )

    def promises(self) -> dict[str, int]:
        return {kind: self.cleaned_data.get(f"times_{kind}") or 0 for kind in ServiceKind.values}


class ServiceDoneForm(forms.Form):
    service = forms.IntegerField(widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("Done on"), widget=DateInput, initial=datetime.date.today)
    note = forms.CharField(label=_("What was done or found"), max_length=300)


class FundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("e.g. 渝中区党员帮扶基金"))
    set_up_on = forms.DateField(label=_("Set up on"), widget=DateInput, initial=datetime.date.today)


class IncomeForm(forms.Form):
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=datetime.date.today)
    description = forms.CharField(label=_("From where"), max_length=300)


class GrantForm(forms.Form):
    fund = forms.ChoiceField(label=_("Fund"))
    beneficiary = forms.CharField(label=_("Beneficiary"), max_length=100)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    purpose = forms.CharField(label=_("Purpose"), max_length=300)

    def __init__(self, *args, funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = _choices(funds, lambda f: f"{f.name} · {f.organisation.name}")


class DecisionForm(forms.Form):
    grant = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", _("Approve and pay")), ("refuse", _("Do not approve"))])
    reason = forms.CharField(label=_("Reason (when refusing)"), max_length=300, required=False)
