"""Forms of the campaign pages: a new campaign, batch dates, overrides and pilots by code, a step's record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns import evidence
from vanguard.campaigns.models import Campaign, CampaignTemplate, Step, Unit
from vanguard.core.forms import DateInput
from vanguard.orgs.models import Organisation


class CampaignForm(forms.Form):
    template = forms.ModelChoiceField(CampaignTemplate.objects.all(), label=gettext_lazy("Template"))
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=gettext_lazy("For the subtree of"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    theme = forms.CharField(label=gettext_lazy("Theme"), max_length=300, required=False)
    starts_on = forms.DateField(label=gettext_lazy("Start date"), widget=DateInput())
    is_pilot = forms.BooleanField(label=gettext_lazy("A pilot campaign (publicity stays internal)"), required=False)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["template"].empty_label = None
        self.fields["organisation"].empty_label = None


class BatchStartForm(forms.Form):
    batch = forms.IntegerField(widget=forms.HiddenInput)
    starts_on = forms.DateField(label=gettext_lazy("Start date"), widget=DateInput())


def _organisations_by_code(campaign: Campaign, text: str) -> list[tuple[int, Organisation, str]]:
    """(line number, organisation, rest of the line) for each line `code [rest]`; errors name the line."""
    found, errors = [], []
    lines = [(n, *line.strip().partition(" ")[::2]) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, code, rest) for n, code, rest in lines if code]
    # One query for every code given, not one per line.
    by_code = {
        unit.organisation.code: unit.organisation
        for unit in Unit.objects.filter(
            campaign=campaign, organisation__code__in={code for _n, code, _rest in lines}
        ).select_related("organisation")
    }
    for number, code, rest in lines:
        organisation = by_code.get(code)
        if organisation is None:
            errors.append(
                _("Line %(line)d: no organisation of this campaign has the code “%(code)s”.")
                % {"line": number, "code": code}
            )
            continue
        found.append((number, organisation, rest.strip()))
    if errors:
        raise forms.ValidationError(errors)
    return found


class OverridesForm(forms.Form):
    """Batch overrides, one per line: an organisation's official code, then the batch's number or key."""

    lines = forms.CharField(
        label=gettext_lazy("Overrides"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "500103000012 2"}),
        help_text=gettext_lazy(
            "One line per organisation: its official code, a space, then the batch (its number or key). "
            "The organisation's whole subtree follows it."
        ),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean_lines(self) -> dict[int, int]:
        batches = list(self.campaign.batches.order_by("order"))
        by_name = {b.key: b for b in batches} | {str(b.order): b for b in batches}
        overrides, errors = {}, []
        for number, organisation, rest in _organisations_by_code(self.campaign, self.cleaned_data["lines"]):
            batch = by_name.get(rest)
            if batch is None:
                errors.append(
                    _("Line %(line)d: no batch “%(batch)s”; give its number (1–%(count)d) or key.")
                    % {"line": number, "batch": rest, "count": len(batches)}
                )
                continue
            overrides[organisation.pk] = batch.pk
        if errors:
            raise forms.ValidationError(errors)
        return overrides


class PilotsForm(forms.Form):
    codes = forms.CharField(
        label=gettext_lazy("Pilot units"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Official codes of the pilot units, one per line. Units not listed are not pilots."),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean_codes(self) -> list[Organisation]:
        return [
            organisation
            for _n, organisation, _rest in _organisations_by_code(self.campaign, self.cleaned_data["codes"])
        ]


class RecordStepForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def evidence_forms(step: Step, unit: Unit, data=None, files=None) -> list[tuple[int, dict, forms.Form]]:
    """One form per evidence entry of the step, from the registry: (index, the template's entry, the form)."""
    out = []
    for index, spec in enumerate(step.evidence or []):
        kind = evidence.get(spec["kind"])
        form = kind.form_class(data, files, unit=unit, options=spec, prefix=f"e{index}")
        form.evidence_label = spec.get("label") or kind.label
        form.evidence_optional = bool(spec.get("optional"))
        form.evidence_template = kind.form_template
        out.append((index, spec, form))
    return out


def is_filled(form: forms.Form) -> bool:
    """Whether the user gave anything in an optional evidence form: an uploaded file, or a field changed from its
    initial value.  (Django's `has_changed` counts an empty file input as a change.)"""
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, forms.FileField):
            if any(getattr(upload, "size", 0) for upload in form.files.getlist(key)):
                return True
            continue
        initial = form.get_initial_for_field(field, name)
        if field.has_changed(initial, field.widget.value_from_datadict(form.data, form.files, key)):
            return True
    return False


class DecisionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    reasons = forms.CharField(label=gettext_lazy("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
