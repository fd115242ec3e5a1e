"""The five tables (五表) as a page and as a printable workbook, for any organisation in the user's scope.

`?organisation=` names the organisation (else the user's highest one),
`?start=` / `?end=` the period of the opinions received (else this year so
far), `?campaign=` narrows to one campaign's opinions.  An organisation
outside the user's scope is a 404, as one that does not exist.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path, scope_roots
from vanguard.campaigns import selectors as campaign_selectors
from vanguard.core import tree
from vanguard.core.converters import parse_id
from vanguard.core.forms import DateInput
from vanguard.opinions import tables, tables_workbook
from vanguard.orgs.models import Organisation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), widget=DateInput())
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=None, required=False, empty_label=gettext_lazy("— any —")
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["campaign"].queryset = campaign_selectors.campaigns_for(user).order_by("-starts_on", "-pk")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."), code="period")
        return cleaned


def _organisation(request: HttpRequest) -> Organisation:
    raw = request.GET.get("organisation", "")
    if raw:
        try:
            organisation = Organisation.objects.filter(pk=parse_id(raw)).first()
        except ValueError:
            organisation = None
        if organisation is None or not can_at_path(request.user, Action.VIEW, organisation.path):
            raise Http404
        return organisation
    roots = scope_roots(request.user, Action.VIEW)
    highest = Organisation.objects.order_by("path")
    if roots is not None:
        highest = highest.filter(path__in=roots) if roots else highest.none()
    else:
        highest = highest.filter(parent__isnull=True)
    organisation = highest.first()
    if organisation is None:
        raise Http404
    return organisation


def _period(request: HttpRequest) -> tuple[PeriodForm, datetime.date, datetime.date, object]:
    today = timezone.localdate()
    data = {
        "start": request.GET.get("start") or datetime.date(today.year, 1, 1).isoformat(),
        "end": request.GET.get("end") or today.isoformat(),
        "campaign": request.GET.get("campaign", ""),
    }
    form = PeriodForm(data, user=request.user)
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["campaign"]
    return form, datetime.date(today.year, 1, 1), today, None


def _tables(request: HttpRequest):
    organisation = _organisation(request)
    form, start, end, campaign = _period(request)
    figures = tables.five_tables(organisation=organisation, user=request.user, start=start, end=end, campaign=campaign)
    return organisation, form, figures


@login_required
def five_tables(request: HttpRequest) -> HttpResponse:
    organisation, form, figures = _tables(request)
    above = [
        o
        for o in Organisation.objects.filter(path__in=tree.ancestor_paths(organisation.path)).order_by("path")
        if can_at_path(request.user, Action.VIEW, o.path)
    ]
    query = request.GET.copy()
    query.pop("organisation", None)
    chain = figures.headline()
    context = {
        "organisation": organisation,
        "form": form,
        "tables": figures,
        "sections": tables_workbook.sections(figures),
        "period": tables_workbook.period_line(figures),
        "crumbs": above,
        "query": query.urlencode(),
        "chain": [
            (_("Opinions"), chain["opinions"]),
            (_("Problems"), chain["problems"]),
            (_("Forwarded"), chain["forwarded"]),
            (_("Replied"), chain["replied"]),
            (_("Rectified"), chain["rectified"]),
            (_("Rated satisfied"), chain["rated_satisfied"]),
        ],
        "drill": {row.organisation_id for row in figures.collected.by_unit if row.organisation_id != organisation.pk},
    }
    return render(request, "opinions/tables/five_tables.html", context)


@login_required
def five_tables_xlsx(request: HttpRequest) -> HttpResponse:
    organisation, _form, figures = _tables(request)
    response = HttpResponse(tables_workbook.workbook(figures), content_type=XLSX)
    name = f"{organisation.name}-五表-{figures.start:%Y%m%d}-{figures.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = _content_disposition(name)
    return response


def _content_disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"five-tables.xlsx\"; filename*=UTF-8''{quote(name)}"


urlpatterns = [
    path("tables/", five_tables, name="tables"),
    path("tables/xlsx/", five_tables_xlsx, name="tables_xlsx"),
]
