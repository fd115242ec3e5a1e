"""The yearly register (一年一评议一登记): read with VIEW_CASES; a branch opens its year and confirms it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.core.access import Action, can_at_path, restrict
from vanguard.core.views import form_action, scoped_view
from vanguard.orgs.models import Organisation
from vanguard.rectification.models import Registration
from vanguard.rectification.services import register as services


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


@login_required
def register_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    organisation = None
    if (request.GET.get("organisation") or "").isdigit():
        organisation = (
            restrict(Organisation.objects.all(), request.user, Action.VIEW_CASES)
            .filter(pk=int(request.GET["organisation"]))
            .first()
        )
    rows = services.register_of(
        restrict(Registration.objects.all(), request.user, Action.VIEW_CASES), organisation=organisation, year=year
    )
    may_keep = organisation is not None and can_at_path(request.user, Action.CHANGE, organisation.path)
    return render(
        request,
        "rectification/register/list.html",
        {"rows": rows[:2000], "year": year, "organisation": organisation, "may_keep": may_keep},
    )


def _back(organisation, year: int) -> str:
    return f"{reverse('rectification:register')}?organisation={organisation.pk}&year={year}"


@scoped_view(Organisation)
def open_year(request: HttpRequest, pk: int) -> HttpResponse:
    year = _year(request)
    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=None,
        service=lambda org, _data: services.open_year(organisation=org, year=year, actor=request.user),
        success_url=lambda organisation, _rows: _back(organisation, year),
        success_message=_("The year's register is open."),
    )


@scoped_view(Organisation)
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    year = _year(request)
    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=None,
        service=lambda organisation, _data: services.confirm(organisation=organisation, year=year, actor=request.user),
        success_url=lambda organisation, _rows: _back(organisation, year),
        success_message=_("Registered those rated qualified or better who have no open case."),
    )


urlpatterns = [
    path("register/", register_list, name="register"),
    path("register/open/<id:pk>/", open_year, name="register_open"),
    path("register/confirm/<id:pk>/", confirm, name="register_confirm"),
]
