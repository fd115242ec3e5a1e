"""Pages at /assistance/ (object routes take `<id:pk>` only).

- orgs/<pk>/: an organisation's pairings, served households and the services due, its funds and the grants it
  asked for; buttons to pair, list a household, schedule a year's services, set up a fund, request a grant.
  orgs/<pk>/figures/ (+ .xlsx).
- pairings/<pk>/: a pairing, the help given, recording help, ending it.
- households/<pk>/: a served household and its services, recording one done.
- funds/<pk>/: a fund's ledger, recording income, deciding the grants asked of it.

Views never write models: services do, and their refusals land on the forms.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.assistance import figures, figures_workbook, forms, selectors, services
from vanguard.assistance.models import Fund, Grant, Household, Pairing
from vanguard.core import audit, tree
from vanguard.core.views import apply_service, figures_views, get_scoped, scoped_view
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

LISTED = 30


def _members(organisation: Organisation, query: str):
    members = Member.objects.filter(tree.subtree_q("org_path", organisation.path))
    if query:
        members = members.filter(name__contains=query)
    return members.select_related("organisation").order_by("name", "pk")[: forms.CHOICES_SHOWN]


def _organisations(organisation: Organisation):
    return Organisation.objects.filter(tree.subtree_q("path", organisation.path)).order_by("path")[
        : forms.CHOICES_SHOWN
    ]


def _chosen(rows, value: str):
    return next((row for row in rows if str(row.pk) == value), None) if value else None


def _form_page(request, organisation, form, heading: str, query: str | None = None):
    context = {
        "form": form,
        "heading": heading,
        "query": query,
        "back_url": reverse("assistance:organisation", args=[organisation.pk]),
        "back_label": f"{_('Assistance')} · {organisation.name}",
    }
    return render(request, "form_page.html", context, status=400 if form.errors else 200)


@scoped_view(Organisation)
def organisation_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    today = timezone.localdate()
    context = {
        "organisation": organisation,
        "may_change": can_at_path(request.user, Action.CHANGE, organisation.path),
        "pairings": list(selectors.pairings_in(organisation)[:LISTED]),
        "households": list(selectors.households_in(organisation)[:LISTED]),
        "services_due": list(selectors.services_due(organisation, today)[:LISTED]),
        "funds": list(selectors.funds_in(organisation)[:LISTED]),
        "grants": list(
            Grant.objects.filter(tree.subtree_q("requested_at_path", organisation.path)).select_related("fund")[:LISTED]
        ),
        "figures": figures.compute(organisation=organisation, user=request.user, today=today),
    }
    return render(request, "assistance/organisation.html", context)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def new_pairing(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    query = request.GET.get("q", "").strip()
    members, organisations = list(_members(organisation, query)), list(_organisations(organisation))
    form = forms.PairingForm(request.POST or None, members=members, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pairing = apply_service(
            form,
            lambda: services.make_pairing(
                actor=request.user,
                organisation=organisation,
                kind=data["kind"],
                started_on=data["started_on"],
                helper_member=_chosen(members, data["helper_member"]),
                helped=[m for m in members if str(m.pk) in data["helped"]],
                helper_organisation=_chosen(organisations, data["helper_organisation"]),
                partner_organisation=_chosen(organisations, data["partner_organisation"]),
                partner_name=data["partner_name"],
                hardship=data["hardship"],
            ),
        )
        if pairing is not None:
            messages.success(request, _("Pairing made."))
            return redirect("assistance:pairing", pk=pairing.pk)
    return _form_page(request, organisation, form, _("Make a pairing"), query)


@scoped_view(Pairing)
@require_http_methods(["GET", "POST"])
def pairing_page(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_scoped(
        request,
        Pairing.objects.select_related("organisation", "helper_member", "helper_organisation", "partner_organisation"),
        pk,
    )
    may_change = can_at_path(request.user, Action.CHANGE, pairing.org_path) and pairing.is_active
    data = request.POST if request.method == "POST" else None
    visit_form = forms.VisitForm(data if data and "visit" in data else None, prefix="visit") if may_change else None
    end_form = forms.EndForm(data if data and "end" in data else None, prefix="end") if may_change else None
    if request.method == "POST":
        if not may_change:
            raise Http404
        if "visit" in data and visit_form.is_valid():
            d = visit_form.cleaned_data
            call = lambda: services.record_visit(  # noqa: E731
                actor=request.user, pairing=pairing, visited_on=d["visited_on"], help_kind=d["help_kind"],
                value=d["value"], note=d["note"],
            )  # fmt: skip
            if apply_service(visit_form, call) is not None:
                messages.success(request, _("Help recorded."))
                return redirect("assistance:pairing", pk=pairing.pk)
        elif "end" in data and end_form.is_valid():
            d = end_form.cleaned_data
            call = lambda: services.end_pairing(actor=request.user, pairing=pairing, on=d["on"], reason=d["reason"])  # noqa: E731
            if apply_service(end_form, call) is not None:
                messages.success(request, _("Pairing ended."))
                return redirect("assistance:pairing", pk=pairing.pk)
    context = {
        "pairing": pairing,
        "helped": list(pairing.helped.select_related("organisation")),
        "visits": list(pairing.visits.select_related("recorded_by")[:100]),
        "visit_form": visit_form,
        "end_form": end_form,
        "history": audit.history(pairing).select_related("actor", "actor_organisation")[:50],
    }
    failed = request.method == "POST"
    return render(request, "assistance/pairing.html", context, status=400 if failed else 200)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def new_household(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = forms.HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household = apply_service(
            form, lambda: services.list_household(actor=request.user, organisation=organisation, **form.cleaned_data)
        )
        if household is not None:
            messages.success(request, _("Household listed."))
            return redirect("assistance:household", pk=household.pk)
    return _form_page(request, organisation, form, _("List a household for special services"))


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = forms.ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added = apply_service(
            form,
            lambda: services.schedule_services(
                actor=request.user, organisation=organisation, year=form.cleaned_data["year"], promises=form.promises()
            ),
        )
        if added is not None:
            messages.success(request, _("%(n)s services scheduled.") % {"n": added})
            return redirect("assistance:organisation", pk=organisation.pk)
    return _form_page(request, organisation, form, _("Schedule a year's special services"))


@scoped_view(Household)
@require_http_methods(["GET", "POST"])
def household_page(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_scoped(request, Household.objects.select_related("organisation"), pk)
    may_change = can_at_path(request.user, Action.CHANGE, household.org_path)
    form = None
    if request.method == "POST":
        if not may_change:
            raise Http404
        form = forms.ServiceDoneForm(request.POST)
        if form.is_valid():
            service = household.services.filter(pk=form.cleaned_data["service"]).first()
            if service is None:
                raise Http404
            call = lambda: services.record_service(  # noqa: E731
                actor=request.user, service=service, done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
            if apply_service(form, call) is not None:
                messages.success(request, _("Service recorded."))
                return redirect("assistance:household", pk=household.pk)
    rows = list(household.services.select_related("done_by"))
    context = {
        "household": household,
        "services": rows,
        "may_change": may_change,
        "form": form,
        "blank": forms.ServiceDoneForm(),
        "today": timezone.localdate(),
    }
    return render(request, "assistance/household.html", context, status=400 if form is not None else 200)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def new_fund(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = forms.FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fund = apply_service(
            form, lambda: services.set_up_fund(actor=request.user, organisation=organisation, **form.cleaned_data)
        )
        if fund is not None:
            messages.success(request, _("Fund set up."))
            return redirect("assistance:fund", pk=fund.pk)
    return _form_page(request, organisation, form, _("Set up an assistance fund"))


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def request_grant(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    funds = list(selectors.funds_over(organisation).select_related("organisation"))
    form = forms.GrantForm(request.POST or None, funds=funds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant = apply_service(
            form,
            lambda: services.request_grant(
                actor=request.user,
                fund=_chosen(funds, data["fund"]),
                beneficiary=data["beneficiary"],
                amount=data["amount"],
                purpose=data["purpose"],
                requested_at=organisation,
            ),
        )
        if grant is not None:
            messages.success(request, _("Grant requested: the fund's organisation decides."))
            return redirect("assistance:organisation", pk=organisation.pk)
    return _form_page(request, organisation, form, _("Request a grant"))


@scoped_view(Fund)
@require_http_methods(["GET", "POST"])
def fund_page(request: HttpRequest, pk: int) -> HttpResponse:
    fund = get_scoped(request, Fund.objects.select_related("organisation"), pk)
    may_change = can_at_path(request.user, Action.CHANGE, fund.org_path)
    data = request.POST if request.method == "POST" else None
    income_form = forms.IncomeForm(data if data and "income" in data else None, prefix="income")
    decision_form = forms.DecisionForm(data if data and "decide" in data else None)
    if request.method == "POST":
        if not may_change:
            raise Http404
        if "income" in data and income_form.is_valid():
            d = income_form.cleaned_data
            call = lambda: services.record_income(  # noqa: E731
                actor=request.user, fund=fund, amount=d["amount"], on=d["on"], description=d["description"]
            )
            if apply_service(income_form, call) is not None:
                messages.success(request, _("Income recorded."))
                return redirect("assistance:fund", pk=fund.pk)
        elif "decide" in data and decision_form.is_valid():
            d = decision_form.cleaned_data
            grant = fund.grants.filter(pk=d["grant"]).first()
            if grant is None:
                raise Http404
            if d["decision"] == "approve":
                call = lambda: services.approve_grant(actor=request.user, grant=grant)  # noqa: E731
            else:
                call = lambda: services.refuse_grant(actor=request.user, grant=grant, reason=d["reason"])  # noqa: E731
            if apply_service(decision_form, call) is not None:
                messages.success(request, _("Decision recorded."))
                return redirect("assistance:fund", pk=fund.pk)
    fund.refresh_from_db()
    context = {
        "fund": fund,
        "may_change": may_change,
        "entries": list(fund.entries.select_related("grant").order_by("-on", "-pk")[:100]),
        "pending": list(selectors.pending_grants(fund)),
        "decided": list(fund.grants.exclude(status="requested").select_related("decided_by")[:50]),
        "income_form": income_form,
        "decision_form": decision_form,
    }
    return render(request, "assistance/fund.html", context, status=400 if request.method == "POST" else 200)


figures_page, figures_xlsx = figures_views(
    model=Organisation,
    compute=figures.compute,
    layout=figures_workbook,
    app="assistance",
    title=gettext_lazy("Assistance figures"),
    back_label=gettext_lazy("Assistance"),
    file_stem="帮扶",
)


urlpatterns = [
    path("orgs/<id:pk>/", organisation_page, name="organisation"),
    path("orgs/<id:pk>/pairings/new/", new_pairing, name="new_pairing"),
    path("orgs/<id:pk>/households/new/", new_household, name="new_household"),
    path("orgs/<id:pk>/services/schedule/", schedule, name="schedule"),
    path("orgs/<id:pk>/funds/new/", new_fund, name="new_fund"),
    path("orgs/<id:pk>/grants/new/", request_grant, name="request_grant"),
    path("orgs/<id:pk>/figures/", figures_page, name="figures"),
    path("orgs/<id:pk>/figures.xlsx", figures_xlsx, name="figures_xlsx"),
    path("pairings/<id:pk>/", pairing_page, name="pairing"),
    path("households/<id:pk>/", household_page, name="household"),
    path("funds/<id:pk>/", fund_page, name="fund"),
]
