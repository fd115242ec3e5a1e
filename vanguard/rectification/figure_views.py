"""The rectification figures as a page and as a printable workbook, for any organisation in the user's scope.

`?organisation=` names the organisation (else the user's highest one) and
`?campaign=` narrows the items to one campaign's.  An organisation outside the
user's scope is a 404, as one that does not exist.  The cases appear only for
a user granted VIEW_CASES at the organisation.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path, scope_roots
from vanguard.campaigns import selectors as campaign_selectors
from vanguard.core import tree
from vanguard.core.converters import parse_id
from vanguard.orgs.models import Organisation
from vanguard.rectification import figures, figures_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CampaignForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=None, required=False, empty_label=gettext_lazy("— any —")
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["campaign"].queryset = campaign_selectors.campaigns_for(user).order_by("-starts_on", "-pk")


def organisation_for(request: HttpRequest) -> Organisation:
    """The organisation named by `?organisation=` if the user may see it, else the user's highest one (or 404)."""
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


def _figures(request: HttpRequest):
    organisation = organisation_for(request)
    form = CampaignForm({"campaign": request.GET.get("campaign", "")}, user=request.user)
    campaign = form.cleaned_data["campaign"] if form.is_valid() else None
    return organisation, form, figures.compute(organisation=organisation, campaign=campaign, user=request.user)


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    organisation, form, result = _figures(request)
    above = [
        o
        for o in Organisation.objects.filter(path__in=tree.ancestor_paths(organisation.path)).order_by("path")
        if can_at_path(request.user, Action.VIEW, o.path)
    ]
    query = request.GET.copy()
    query.pop("organisation", None)
    drill = {row.organisation_id for row in result.items.children if row.organisation_id != organisation.pk}
    if result.cases is not None:
        drill |= {pk for pk, *_rest in result.cases.by_child if pk != organisation.pk}
    context = {
        "organisation": organisation,
        "form": form,
        "figures": result,
        "sections": figures_workbook.sections(result),
        "heading": figures_workbook.heading(result),
        "chart": figures_workbook.chart_data(result),
        "crumbs": above,
        "query": query.urlencode(),
        "drill": drill,
    }
    return render(request, "rectification/figures/figures.html", context)


@login_required
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    organisation, _form, result = _figures(request)
    response = HttpResponse(figures_workbook.workbook(result), content_type=XLSX)
    name = f"{organisation.name}-整改统计-{result.today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"rectification-figures.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response
