"""Forms of the mobility pages; the services check again and their refusals land on these forms."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput, PeriodForm  # noqa: F401 (the figures page uses PeriodForm)
from vanguard.mobility.models import PointRole, SearchMethod, Service

CHOICES_SHOWN = 300


def _choices(rows, label=lambda row: row.name) -> list[tuple[str, str]]:
    return [("", "—"), *((str(row.pk), label(row)) for row in rows)]


class PointForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"))
    role = forms.ChoiceField(label=_("Role"), choices=PointRole.choices)
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("e.g. 渝中区流动党员管理服务中心"))
    service_area = forms.CharField(label=_("Service area"), max_length=300)
    province = forms.CharField(
        label=_("Province or city away"),
        max_length=100,
        required=False,
        help_text=_("For a mobile-member organisation in another province: where it works."),
    )
    services = forms.MultipleChoiceField(
        label=_("Services"), choices=Service.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    set_up_on = forms.DateField(label=_("Set up on"), widget=DateInput, initial=datetime.date.today)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = _choices(organisations)


class AwayForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"))
    destination = forms.CharField(label=_("Where to"), max_length=200, help_text=_("e.g. 广东省东莞市长安镇"))
    away_since = forms.DateField(label=_("Away since"), widget=DateInput)
    contact = forms.CharField(label=_("Contact away"), max_length=100)
    work = forms.CharField(label=_("Work away"), max_length=200, required=False)
    inflow = forms.ChoiceField(
        label=_("Inflow organisation"),
        required=False,
        help_text=_("Where the member takes part while away, if it is in the city's network; leave empty if not."),
    )

    def __init__(self, *args, members=(), receivers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _choices(members, lambda m: f"{m.name} · {m.organisation.name}")
        self.fields["inflow"].choices = _choices(
            receivers, lambda p: f"{p.name} · {p.province}" if p.province else p.name
        )


class InflowForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    home_name = forms.CharField(label=_("Home party organisation"), max_length=200)
    destination = forms.CharField(label=_("Lives or works at"), max_length=200)
    away_since = forms.DateField(label=_("Away since"), widget=DateInput)
    contact = forms.CharField(label=_("Contact"), max_length=100)
    work = forms.CharField(label=_("Work"), max_length=200, required=False)
    outside_card = forms.CharField(label=_("Mobile-member card number"), max_length=32, required=False)


class DateForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=datetime.date.today)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CardForm(forms.Form):
    number = forms.CharField(label=_("Card number"), max_length=32)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput, initial=datetime.date.today)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=DateInput, required=False, help_text=_("One year if left empty.")
    )


class RenewForm(forms.Form):
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)


class LostForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"))
    lost_since = forms.DateField(label=_("Out of contact since"), widget=DateInput)
    last_known = forms.CharField(label=_("Last known whereabouts"), max_length=300, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _choices(members, lambda m: f"{m.name} · {m.organisation.name}")


class SearchForm(forms.Form):
    searched_on = forms.DateField(label=_("Searched on"), widget=DateInput, initial=datetime.date.today)
    method = forms.ChoiceField(label=_("How"), choices=SearchMethod.choices)
    result = forms.CharField(label=_("What came of it"), max_length=300)


class FoundForm(forms.Form):
    on = forms.DateField(label=_("Found on"), widget=DateInput, initial=datetime.date.today)
    where = forms.CharField(label=_("Where found"), max_length=300)


class CloseForm(forms.Form):
    on = forms.DateField(label=_("Closed on"), widget=DateInput, initial=datetime.date.today)
    reason = forms.CharField(label=_("Why closed"), widget=forms.Textarea(attrs={"rows": 3}))
