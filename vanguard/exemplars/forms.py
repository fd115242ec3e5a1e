"""Forms of the pages; the services check again and their refusals land on these forms.

Members and organisations are offered from the acting organisation's subtree, at most CHOICES_SHOWN of them,
narrowed by a name typed into the page's search box (`?q=`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput, PeriodForm  # noqa: F401 (the figures page uses PeriodForm)
from vanguard.exemplars.models import AudienceKind, Channel, ClassKind, ExampleKind, GroupRole, Outcome

CHOICES_SHOWN = 300


def _choices(rows, label=lambda row: row.name) -> list[tuple[str, str]]:
    return [("", "—"), *((str(row.pk), label(row)) for row in rows)]


class ExampleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExampleKind.choices, initial=ExampleKind.MEMBER)
    member = forms.ChoiceField(label=_("Member"), required=False)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    title = forms.CharField(label=_("Honour"), max_length=200, help_text=_("e.g. 优秀共产党员, 先进基层党组织"))
    deeds = forms.CharField(label=_("Deeds"), widget=forms.Textarea(attrs={"rows": 5}))
    selected_on = forms.DateField(label=_("Selected on"), widget=DateInput, initial=datetime.date.today)
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)

    def __init__(self, *args, members=(), organisations=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _choices(members, lambda m: f"{m.name} · {m.organisation.name}")
        self.fields["organisation"].choices = _choices(organisations)
        self.fields["campaign"].choices = _choices(campaigns)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ExampleKind.MEMBER and not cleaned.get("member"):
            self.add_error("member", _("Choose the member."))
        if kind == ExampleKind.ORGANISATION and not cleaned.get("organisation"):
            self.add_error("organisation", _("Choose the organisation."))
        return cleaned


class PublicityForm(forms.Form):
    publicised_on = forms.DateField(label=_("Publicised on"), widget=DateInput, initial=datetime.date.today)
    channel = forms.ChoiceField(label=_("Publicised through"), choices=Channel.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    set_up_on = forms.DateField(label=_("Set up on"), widget=DateInput, initial=datetime.date.today)
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = _choices(campaigns)


class LecturerForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"))
    role = forms.ChoiceField(label=_("Role"), choices=GroupRole.choices, initial=GroupRole.LECTURER)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, prefix="lecturer", **kwargs)
        self.fields["member"].choices = _choices(members, lambda m: f"{m.name} · {m.organisation.name}")


class TalkForm(forms.Form):
    speaker = forms.ChoiceField(label=_("Speaker"))
    given_at = forms.ChoiceField(label=_("Given at"))
    given_on = forms.DateField(label=_("Date"), widget=DateInput, initial=datetime.date.today)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    audience_kind = forms.ChoiceField(label=_("Audience"), choices=AudienceKind.choices)
    audience_size = forms.IntegerField(label=_("Audience size"), min_value=1)

    def __init__(self, *args, speakers=(), places=(), **kwargs):
        super().__init__(*args, prefix="talk", **kwargs)
        self.fields["speaker"].choices = _choices(speakers, lambda g: g.member.name)
        self.fields["given_at"].choices = _choices(places)


class ClassForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ClassKind.choices, initial=ClassKind.KEY_STAFF)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    hours = forms.DecimalField(label=_("Hours"), min_value=Decimal("0.5"), max_digits=6, decimal_places=1)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = _choices(campaigns)


class EnrolForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"), required=False)
    name = forms.CharField(label=_("Or a person not on the roll"), max_length=64, required=False)
    laid_off = forms.BooleanField(
        label=_("Laid off or unemployed"), required=False, help_text=_("For a member, their category decides.")
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, prefix="enrol", **kwargs)
        self.fields["member"].choices = _choices(members, lambda m: f"{m.name} · {m.organisation.name}")


class ProgressForm(forms.Form):
    hours_attended = forms.DecimalField(label=_("Hours attended"), min_value=0, max_digits=6, decimal_places=1)
    completed = forms.BooleanField(label=_("Completed"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    outcome_on = forms.DateField(label=_("Outcome as of"), widget=DateInput, required=False)

    def __init__(self, *args, skills: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if skills:
            self.fields["outcome"].choices = [("", "—"), *Outcome.choices]
        else:
            del self.fields["outcome"], self.fields["outcome_on"]
