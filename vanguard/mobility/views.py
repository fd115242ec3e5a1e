"""Pages at /mobility/ (object routes take `<id:pk>` only).

- orgs/<pk>/: an organisation's mobile members: who is away from it and who is with it from elsewhere, those
  awaiting its receipt, those who need a card or a transfer, lost-contact cases, its service bodies; buttons to
  set up a body, register a member away or someone from outside, open a case.  orgs/<pk>/figures/ (+ .xlsx).
- records/<pk>/: one person away, seen by both sides: receiving, declining, return home, the card, and their
  participation in the campaign (study recorded by either side).
- lost/<pk>/: a lost-contact case: searches, found, closed, its history from the audit trail.

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
from vanguard.core import audit, tree
from vanguard.core.views import apply_service, figures_views, get_scoped, scoped_view
from vanguard.members.models import Category, Member
from vanguard.mobility import figures, figures_workbook, forms, selectors, services
from vanguard.mobility.models import LostContact, LostStatus, MobileRecord, RecordStatus, ServicePoint
from vanguard.orgs.models import Organisation
from vanguard.study import selectors as study_selectors

LISTED = 50


def _members(organisation: Organisation, query: str, **filters):
    members = Member.objects.filter(tree.subtree_q("org_path", organisation.path), **filters)
    if query:
        members = members.filter(name__contains=query)
    return members.select_related("organisation").order_by("name", "pk")[: forms.CHOICES_SHOWN]


def _chosen(rows, value: str):
    return next((row for row in rows if str(row.pk) == value), None) if value else None


# --- an organisation's page ----------------------------------------------------------------------------------------


@scoped_view(Organisation)
def organisation_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    today = timezone.localdate()
    context = {
        "organisation": organisation,
        "may_change": can_at_path(request.user, Action.CHANGE, organisation.path),
        "points": list(selectors.points_in(organisation).order_by("org_path", "role")[:LISTED]),
        "awaiting": list(selectors.awaiting(organisation)[:LISTED]),
        "records": list(selectors.records_in(organisation, open_only=True)[:LISTED]),
        "need_card": list(selectors.needing_card(organisation, today=today)[:LISTED]),
        "lost": list(selectors.lost_in(organisation, open_only=True)[:LISTED]),
        "figures": figures.compute(organisation=organisation, user=request.user, today=today),
        "cutoff": services.card_cutoff(today),
        "listed": LISTED,
    }
    return render(request, "mobility/organisation.html", context)


def _form_page(request, organisation, form, heading: str, intro: str = "", query: str | None = None):
    context = {
        "form": form,
        "heading": heading,
        "intro": intro,
        "query": query,
        "back_url": reverse("mobility:organisation", args=[organisation.pk]),
        "back_label": f"{_('Mobile members')} · {organisation.name}",
    }
    return render(request, "form_page.html", context, status=400 if form.errors else 200)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def set_up_point(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    organisations = list(
        Organisation.objects.filter(tree.subtree_q("path", organisation.path)).order_by("path")[: forms.CHOICES_SHOWN]
    )
    form = forms.PointForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        point = apply_service(
            form,
            lambda: services.set_up_point(
                actor=request.user,
                organisation=_chosen(organisations, data["organisation"]),
                role=data["role"],
                name=data["name"],
                service_area=data["service_area"],
                province=data["province"],
                services=data["services"],
                contact=data["contact"],
                set_up_on=data["set_up_on"],
            ),
        )
        if point is not None:
            messages.success(request, _("Service body set up."))
            return redirect("mobility:organisation", pk=organisation.pk)
    return _form_page(request, organisation, form, _("Set up a service body"))


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def register_away(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    query = request.GET.get("q", "").strip()
    members = list(_members(organisation, query))
    receivers = list(ServicePoint.objects.select_related("organisation").order_by("role", "province", "name"))
    form = forms.AwayForm(request.POST or None, members=members, receivers=receivers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        receiver = _chosen(receivers, data["inflow"])
        record = apply_service(
            form,
            lambda: services.register_away(
                actor=request.user,
                member=_chosen(members, data["member"]),
                destination=data["destination"],
                away_since=data["away_since"],
                contact=data["contact"],
                work=data["work"],
                inflow_organisation=receiver.organisation if receiver else None,
            ),
        )
        if record is not None:
            messages.success(request, _("%(name)s is registered as away.") % {"name": record.name})
            return redirect("mobility:record", pk=record.pk)
    intro = _("The member becomes a mobile member until they come back or their relation is transferred.")
    return _form_page(request, organisation, form, _("Register a member going away"), intro, query)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def register_inflow(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = forms.InflowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = apply_service(
            form, lambda: services.register_inflow(actor=request.user, inflow_organisation=organisation, **data)
        )
        if record is not None:
            messages.success(request, _("%(name)s is registered as with us.") % {"name": record.name})
            return redirect("mobility:record", pk=record.pk)
    intro = _(
        "For a member whose home organisation is outside the city. A member of the city's own roll is registered "
        "by their home branch, and reaches you to receive."
    )
    return _form_page(request, organisation, form, _("Register a member from elsewhere"), intro)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def open_lost(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    query = request.GET.get("q", "").strip()
    members = list(_members(organisation, query))
    form = forms.LostForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = apply_service(
            form,
            lambda: services.open_lost_contact(
                actor=request.user,
                member=_chosen(members, data["member"]),
                lost_since=data["lost_since"],
                last_known=data["last_known"],
            ),
        )
        if case is not None:
            messages.success(request, _("Case opened: record each search on it."))
            return redirect("mobility:lost", pk=case.pk)
    return _form_page(request, organisation, form, _("Open a lost-contact case"), query=query)


# --- one person away -----------------------------------------------------------------------------------------------

RECORD_FORMS = {
    "receive": forms.DateForm,
    "decline": forms.ReasonForm,
    "return_home": forms.DateForm,
    "issue_card": forms.CardForm,
    "renew_card": forms.RenewForm,
    "return_card": forms.DateForm,
}


def _record_action(request: HttpRequest, record: MobileRecord, action: str, form):
    data = form.cleaned_data
    user = request.user
    card = selectors.current_card(record.member) if record.member_id else None
    calls = {
        "receive": lambda: services.receive(actor=user, record=record, on=data["on"]),
        "decline": lambda: services.decline(actor=user, record=record, reason=data["reason"]),
        "return_home": lambda: services.return_home(actor=user, record=record, on=data["on"]),
        "issue_card": lambda: services.issue_card(
            actor=user,
            record=record,
            number=data["number"],
            issued_on=data["issued_on"],
            valid_until=data["valid_until"],
        ),
        "renew_card": lambda: card and services.renew_card(actor=user, card=card, valid_until=data["valid_until"]),
        "return_card": lambda: card and services.return_card(actor=user, card=card, on=data["on"]),
    }
    return apply_service(form, calls[action])


def _participation(record: MobileRecord) -> dict:
    """What the member did in the campaign running over their home organisation, whoever recorded it."""
    member = record.member
    campaign = study_selectors.campaigns_over(member.org_path).first() if member else None
    if campaign is None:
        return {}
    return {
        "campaign": campaign,
        "standings": study_selectors.standings_of(member, campaign),
        "attendance": list(study_selectors.attendance_of(member, campaign)[:20]),
        "study_records": list(study_selectors.records_of(member, campaign)[:20]),
    }


@scoped_view(MobileRecord)
@require_http_methods(["GET", "POST"])
def record_page(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_scoped(
        request, MobileRecord.objects.select_related("member", "home_organisation", "inflow_organisation"), pk
    )
    user = request.user
    home_side = services.home_side(user, record)
    inflow_side = services.inflow_side(user, record)
    if not (home_side or inflow_side) and request.method == "POST":
        raise Http404
    card = selectors.current_card(record.member) if record.member_id else None
    offered = set()
    if record.is_open:
        offered |= {t.name for t in services.RECORD_FLOW.available(record, user)}
        if home_side and record.member_id:
            offered.add("renew_card" if card else "issue_card")
            if card:
                offered.add("return_card")
    bound = None
    action = request.POST.get("action", "")
    if request.method == "POST":
        if action not in RECORD_FORMS or action not in offered:
            raise Http404
        bound = RECORD_FORMS[action](request.POST, prefix=action)
        if bound.is_valid() and _record_action(request, record, action, bound) is not None:
            messages.success(request, _("Saved."))
            return redirect("mobility:record", pk=record.pk)
    action_forms = {
        name: bound if bound is not None and name == action else RECORD_FORMS[name](prefix=name)
        for name in RECORD_FORMS
        if name in offered
    }
    context = {
        "record": record,
        "home_side": home_side,
        "inflow_side": inflow_side,
        "card": card,
        "cards": list(record.cards.order_by("-issued_on")) if record.member_id else [],
        "forms": action_forms,
        # Only the home side can issue a card or transfer the relation, so only it is told.
        "needs_card": home_side
        and record.member_id is not None
        and record.is_open
        and record.away_since <= services.card_cutoff()
        and not (card and card.valid_until >= timezone.localdate()),
        "history": audit.history(record).select_related("actor", "actor_organisation")[:50],
        "may_record_study": record.member_id is not None
        and record.status == RecordStatus.RECEIVED
        and (home_side or inflow_side),
        "next": reverse("mobility:record", args=[record.pk]),
        **_participation(record),
    }
    return render(request, "mobility/record.html", context, status=400 if bound is not None else 200)


# --- a lost-contact case -------------------------------------------------------------------------------------------

CASE_FORMS = {"search": forms.SearchForm, "found": forms.FoundForm, "close": forms.CloseForm}


@scoped_view(LostContact)
@require_http_methods(["GET", "POST"])
def lost_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped(request, LostContact.objects.select_related("member", "organisation"), pk)
    user = request.user
    may_change = can_at_path(user, Action.CHANGE, case.org_path) and case.status == LostStatus.SEARCHING
    bound = None
    action = request.POST.get("action", "")
    if request.method == "POST":
        if not may_change or action not in CASE_FORMS:
            raise Http404
        bound = CASE_FORMS[action](request.POST, prefix=action)
        if bound.is_valid():
            data = bound.cleaned_data
            calls = {
                "search": lambda: services.record_search(actor=user, case=case, **data),
                "found": lambda: services.mark_found(actor=user, case=case, on=data["on"], where=data["where"]),
                "close": lambda: services.close_case(actor=user, case=case, on=data["on"], reason=data["reason"]),
            }
            if apply_service(bound, calls[action]) is not None:
                messages.success(request, _("Saved."))
                return redirect("mobility:lost", pk=case.pk)
    case_forms = {}
    if may_change:
        case_forms = {
            name: bound if bound is not None and name == action else form_class(prefix=name)
            for name, form_class in CASE_FORMS.items()
        }
    context = {
        "case": case,
        "searches": list(case.searches.select_related("by")),
        "forms": case_forms,
        "history": audit.history(case).select_related("actor", "actor_organisation")[:50],
        "lost_category": Category.LOST_CONTACT,
    }
    return render(request, "mobility/lost.html", context, status=400 if bound is not None else 200)


# --- figures -------------------------------------------------------------------------------------------------------


figures_page, figures_xlsx = figures_views(
    model=Organisation,
    compute=figures.compute,
    layout=figures_workbook,
    app="mobility",
    title=gettext_lazy("Mobile-member figures"),
    back_label=gettext_lazy("Mobile members"),
    file_stem="流动党员",
)


urlpatterns = [
    path("orgs/<id:pk>/", organisation_page, name="organisation"),
    path("orgs/<id:pk>/points/new/", set_up_point, name="set_up_point"),
    path("orgs/<id:pk>/away/new/", register_away, name="register_away"),
    path("orgs/<id:pk>/inflow/new/", register_inflow, name="register_inflow"),
    path("orgs/<id:pk>/lost/new/", open_lost, name="open_lost"),
    path("orgs/<id:pk>/figures/", figures_page, name="figures"),
    path("orgs/<id:pk>/figures.xlsx", figures_xlsx, name="figures_xlsx"),
    path("records/<id:pk>/", record_page, name="record"),
    path("lost/<id:pk>/", lost_page, name="lost"),
]
