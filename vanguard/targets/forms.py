"""Forms of the target-management pages; the services check again and their refusals land on these forms."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vanguard.core.forms import DateInput


def _choices(rows, label=lambda row: row.name) -> list[tuple[str, str]]:
    return [("", "—"), *((str(row.pk), label(row)) for row in rows)]


class SheetForm(forms.Form):
    """A sheet typed as data: its parts on one line, then one item per line (how offices write them in Word)."""

    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("e.g. 2005年度乡镇街道“双百分”考核表"))
    meant_for = forms.CharField(label=_("For"), max_length=200, help_text=_("e.g. towns and streets"))
    parts = forms.CharField(
        label=_("Parts"),
        max_length=1000,
        help_text=_("key=name=total, separated by semicolons, e.g. party=党建工作=100; development=经济社会发展=100"),
    )
    items = forms.CharField(
        label=_("Items"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("One item a line: part | item | points | how it is scored, e.g. party | 班子建设 | 20 | 班子团结…"),
    )

    def clean_parts(self) -> list[dict]:
        parts = []
        for i, chunk in enumerate(c for c in self.cleaned_data["parts"].split(";") if c.strip()):
            bits = [b.strip() for b in chunk.replace("＝", "=").split("=")]
            if len(bits) != 3:
                raise ValidationError(_("Part %(n)s: write key=name=total.") % {"n": i + 1})
            parts.append({"key": bits[0], "name": bits[1], "total": bits[2]})
        return parts

    def clean_items(self) -> list[dict]:
        items = []
        for n, line in enumerate((ln for ln in self.cleaned_data["items"].splitlines() if ln.strip()), start=1):
            bits = [b.strip() for b in line.replace("｜", "|").split("|")]
            if len(bits) < 3:
                raise ValidationError(_("Line %(n)s: write part | item | points (| how it is scored).") % {"n": n})
            items.append({"part": bits[0], "title": bits[1], "points": bits[2], "criterion": " | ".join(bits[3:])})
        return items


class IssueForm(forms.Form):
    sheet = forms.ChoiceField(label=_("Score sheet"))
    year = forms.IntegerField(label=_("Year"), initial=lambda: datetime.date.today().year)
    units = forms.MultipleChoiceField(label=_("Units"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, sheets=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = _choices(sheets)
        self.fields["units"].choices = [(str(u.pk), u.name) for u in units]


class SignForm(forms.Form):
    signed_by = forms.CharField(label=_("Signed for the unit by"), max_length=100)
    on = forms.DateField(label=_("Signed on"), widget=DateInput, initial=datetime.date.today)


class BreakDownForm(forms.Form):
    target = forms.ChoiceField(label=_("Target"))
    text = forms.CharField(label=_("Share"), max_length=500)
    department = forms.ChoiceField(label=_("Department"), required=False)
    person = forms.ChoiceField(label=_("Person"), required=False)

    def __init__(self, *args, targets=(), departments=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _choices(targets, lambda t: t.item.title)
        self.fields["department"].choices = _choices(departments)
        self.fields["person"].choices = _choices(people)


class EvidenceForm(forms.Form):
    target = forms.ChoiceField(label=_("Target"))
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=datetime.date.today)
    text = forms.CharField(label=_("What was done"), max_length=500)
    link = forms.URLField(label=_("Link to the document"), required=False, assume_scheme="https")

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _choices(targets, lambda t: t.item.title)


class ConcludeForm(forms.Form):
    outcome = forms.CharField(label=_("Reward or penalty"), max_length=300, required=False)
