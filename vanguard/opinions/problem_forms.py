"""Forms of the problem pages: grouping, editing, forwarding with suggestions, the receiving side's answers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.accounts.scoping import restrict
from vanguard.core.forms import DateInput
from vanguard.opinions.models import Category, ProblemStatus
from vanguard.orgs.models import Organisation

# A select of a city's organisations would hold thousands of options: the page narrows it by a name search.
MAX_CHOICES = 200


class _Ids(forms.Field):
    """Ticked checkboxes of ids (opinions): a list of positive integers, anything else refused."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose opinions from the list."), code="invalid") from None
        if any(i <= 0 for i in ids):
            raise forms.ValidationError(_("Choose opinions from the list."), code="invalid")
        return ids

    def validate(self, value) -> None:
        if self.required and not value:
            raise forms.ValidationError(_("Tick at least one opinion."), code="required")


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class FilterForm(forms.Form):
    TABS = [
        ("all", _("All")),
        ("here", _("Grouped here")),
        ("queue", _("My queue")),
        ("escalated", _("Escalated to me")),
    ]
    tab = forms.ChoiceField(label=_("Show"), choices=TABS, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *ProblemStatus.choices], required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices], required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    listed = forms.BooleanField(label=_("Listed publicly"), required=False)
    circulated = forms.BooleanField(label=_("Circulated"), required=False)


class GroupForm(forms.Form):
    """Ticked ungrouped opinions → a new problem (`title`) or an open problem (`problem`, its pk)."""

    opinions = _Ids()
    title = forms.CharField(label=_("Title of the new problem"), max_length=200, required=False)
    problem = forms.IntegerField(label=_("Add to problem"), required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if not data.get("title", "").strip() and not data.get("problem"):
            raise forms.ValidationError(_("Give a title for a new problem or choose a problem to add them to."))
        return data


class ProposeForm(forms.Form):
    organisation = forms.IntegerField(min_value=1)


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    keywords = forms.CharField(label=_("Keywords"), max_length=200, required=False)


class OpinionsForm(forms.Form):
    """Ticked opinions of a problem, to take out (ungroup), move into another problem, or split off."""

    opinions = _Ids()
    target = forms.IntegerField(label=_("Move into problem"), required=False, min_value=1)
    title = forms.CharField(label=_("Title of the new problem"), max_length=200, required=False)


class MergeForm(forms.Form):
    other = forms.IntegerField(label=_("Problem to merge into this one"), min_value=1)


class ForwardForm(forms.Form):
    """转办: the organisation chosen from the suggestions (radio buttons) or from the select, with category and
    deadline. The select holds the organisations of the user's scope whose names match the page's search."""

    suggestion = forms.TypedChoiceField(
        label=_("Suggested"), coerce=int, required=False, widget=forms.RadioSelect, empty_value=None
    )
    responsible = OrganisationChoice(
        label=_("Responsible organisation"), queryset=Organisation.objects.none(), required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())

    def __init__(self, *args, user, suggestions=(), names: dict[int, str] | None = None, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = restrict(Organisation.objects.all(), user).order_by("path")
        self.fields["responsible"].queryset = self.scope
        names = names or {}
        self.fields["suggestion"].choices = [
            (s.organisation_id, f"{names.get(s.organisation_id, s.organisation_id)} ({s.confidence:.0%})")
            for s in suggestions
            if s.organisation_id in names
        ]
        shown = self.scope.filter(name__icontains=search) if search else self.scope
        # Only the choices shown are narrowed; any organisation of the scope is accepted when posted.
        self.fields["responsible"].widget.choices = [("", "—")] + [
            (o.pk, o.name) for o in shown.only("pk", "name")[:MAX_CHOICES]
        ]

    def clean(self):
        data = super().clean()
        if data.get("responsible") is None and data.get("suggestion"):
            data["responsible"] = self.scope.filter(pk=data["suggestion"]).first()
        if data.get("responsible") is None and not self.errors.get("responsible"):
            self.add_error("responsible", _("Choose the organisation responsible for this problem."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TextForm(forms.Form):
    # Not required here: the service's own refusal ("Write the reply.") is the message shown.
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    file = forms.FileField(label=_("Evidence (optional)"), required=False)


class ListForm(forms.Form):
    listed = forms.BooleanField(required=False)


class SampleForm(forms.Form):
    satisfied = forms.IntegerField(label=_("Satisfied"), min_value=0, initial=0)
    basically = forms.IntegerField(label=_("Basically satisfied"), min_value=0, initial=0)
    unsatisfied = forms.IntegerField(label=_("Not satisfied"), min_value=0, initial=0)
