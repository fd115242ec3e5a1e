"""Forms of the 三级两评 pages: designating a monitoring body, recording a point's appraisal, a period."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput
from vanguard.opinions.models import Aspect, MonitoringBody, MonitoringLevel
from vanguard.orgs.models import Organisation

MAX_CHOICES = 300


class _Named(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(getattr(obj, "name", obj))


class _BodyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_level_display()} · {obj.organisation.name}"


class DesignateForm(forms.Form):
    organisation = _Named(label=_("Organisation"), queryset=Organisation.objects.none())
    level = forms.ChoiceField(label=_("Level"), choices=MonitoringLevel.choices)
    parent = _BodyChoice(label=_("Reports to"), queryset=MonitoringBody.objects.none(), required=False)

    def __init__(self, *args, organisations, bodies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].widget.choices = [("", "—")] + [
            (o.pk, o.name) for o in organisations.only("pk", "name")[:MAX_CHOICES]
        ]
        self.fields["parent"].queryset = bodies.exclude(level=MonitoringLevel.POINT)


class AppraisalForm(forms.Form):
    subject = _Named(label=_("Office or trade appraised"), queryset=Organisation.objects.none())
    aspect = forms.ChoiceField(label=_("Aspect"), choices=Aspect.choices, widget=forms.RadioSelect)
    appraised_on = forms.DateField(label=_("Date"), widget=DateInput())
    satisfied = forms.IntegerField(label=_("Satisfied"), min_value=0, initial=0)
    basically = forms.IntegerField(label=_("Basically satisfied"), min_value=0, initial=0)
    unsatisfied = forms.IntegerField(label=_("Not satisfied"), min_value=0, initial=0)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, subjects, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["subject"].widget.choices = [("", "—")] + [
            (o.pk, o.name) for o in subjects.only("pk", "name")[:MAX_CHOICES]
        ]
        self.fields["appraised_on"].initial = timezone.localdate()


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
