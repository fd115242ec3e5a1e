"""Pages of the look-back rating (回头看): start one for a campaign's units, its results, remedial work ordered."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.appraisals import lookback
from vanguard.appraisals.campaign_rules import rules_for
from vanguard.appraisals.models import RemedialOrder
from vanguard.ballots import results as ballot_results
from vanguard.ballots.models import Ballot, Constituency, Kind, Satisfaction, Status
from vanguard.campaigns.models import Campaign, CampaignStatus, Unit
from vanguard.core.forms import DateInput
from vanguard.core.views import form_action, get_scoped, scoped_view
from vanguard.orgs.models import Organisation

DATE = DateInput()


def campaigns_covering(organisation: Organisation):
    """Running campaigns in which the organisation is a unit: the ones whose look-back it may hold."""
    return Campaign.objects.filter(units__organisation=organisation, status=CampaignStatus.RUNNING).order_by(
        "-starts_on", "pk"
    )


class StartForm(forms.Form):
    campaign = forms.ModelChoiceField(label=gettext_lazy("Campaign"), queryset=Campaign.objects.none())
    reach = forms.ChoiceField(label=gettext_lazy("Units rated"), choices=list(lookback.REACHES.items()))
    constituencies = forms.MultipleChoiceField(
        label=gettext_lazy("Who rates"),
        choices=Constituency.choices,
        initial=[Constituency.REPRESENTATIVES],
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    opens_on = forms.DateField(label=gettext_lazy("Opens on"), widget=DATE)
    closes_on = forms.DateField(label=gettext_lazy("Closes on"), widget=DATE)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = campaigns_covering(organisation)
        self.fields["campaign"].queryset = campaigns
        if campaigns:
            self.fields["campaign"].initial = campaigns[0].pk
        self.fields["reach"].initial = "self" if organisation.is_branch else "children"
        today = timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + datetime.timedelta(days=14)

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("A ballot cannot close before it opens."))
        return data


@scoped_view(Organisation)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a look-back rating held by this organisation (the campaign office, or a unit) of the units it reaches."""
    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=StartForm,
        form_kwargs=lambda organisation: {"organisation": organisation},
        service=lambda organisation, data: lookback.start_lookback(
            organisation=organisation, actor=request.user, **data
        ),
        success_message=_("Look-back rating prepared: open the ballot and hand out its codes."),
        success_url=lambda organisation, ballot: reverse("appraisals:lookback", kwargs={"pk": ballot.pk}),
        template="appraisals/lookback/start.html",
        context=lambda organisation: {"organisation": organisation},
    )


def _lookback_ballots():
    return Ballot.objects.filter(kind=Kind.LOOKBACK).select_related("organisation", "campaign")


def ballot_page_url(ballot: Ballot) -> str | None:
    for name in ("ballots:detail", "ballots:issue"):
        try:
            return reverse(name, kwargs={"pk": ballot.pk})
        except NoReverseMatch:
            continue
    return None


@scoped_view(Ballot)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A look-back rating: per unit its ratings and dissatisfied share once visible, and the remedial work ordered."""
    ballot = get_scoped(request, _lookback_ballots(), pk)
    computed = ballot_results.compute(ballot)
    orders = {order.unit_id: order for order in RemedialOrder.objects.filter(ballot=ballot)}
    # Units are linked only where the reader may open them (a look-back at the city rates units all over it).
    visible_units = set(
        restrict(
            Unit.objects.filter(pk__in=[q["subject_id"] for q in lookback.unit_questions(ballot)]), request.user
        ).values_list("pk", flat=True)
    )
    rows = []
    for question in lookback.unit_questions(ballot):
        tally = computed.question(question["key"]).tally()
        dissatisfied = computed.question(question["key"]).dissatisfied()
        rows.append(
            {
                "label": question["label"],
                "unit_id": question["subject_id"] if question["subject_id"] in visible_units else None,
                "satisfied": tally.counts.get(Satisfaction.SATISFIED, 0),
                "basically": tally.counts.get(Satisfaction.BASICALLY, 0),
                "dissatisfied": tally.counts.get(Satisfaction.DISSATISFIED, 0),
                "valid": tally.valid,
                "share": dissatisfied.percent,
                "order": orders.get(question["subject_id"]),
            }
        )
    context = {
        "ballot": ballot,
        "results": computed,
        "rows": rows,
        "closed": ballot.status == Status.CLOSED,
        "counted": bool(orders) or ballot.status != Status.CLOSED,
        "remedial_share": rules_for(ballot.campaign).remedial_share,
        "may_change": can_at_path(request.user, Action.CHANGE, ballot.org_path),
        "ballot_url": ballot_page_url(ballot),
    }
    return render(request, "appraisals/lookback/detail.html", context)


@scoped_view(Ballot)
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the remedial rule to a closed look-back again (one closed before the rule was in place); orders once."""
    return form_action(
        request,
        queryset=_lookback_ballots(),
        pk=pk,
        form_class=None,
        service=lambda ballot, data: lookback.order_remedial_work(ballot=ballot, actor=request.user),
        success_message=_("Remedial rule applied."),
        success_url=lambda ballot, result: reverse("appraisals:lookback", kwargs={"pk": ballot.pk}),
    )


@scoped_view(RemedialOrder)
def remedial_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a remedial order as done (posted from the look-back's page); a refusal is shown there."""
    order = get_scoped(request, RemedialOrder.objects.select_related("ballot"), pk, Action.CHANGE)
    if request.method != "POST":
        raise Http404
    try:
        lookback.complete_remedial_work(order=order, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Remedial work recorded as done."))
    if can_at_path(request.user, Action.VIEW, order.ballot.org_path):
        return redirect("appraisals:lookback", pk=order.ballot_id)
    return redirect("campaigns:unit", pk=order.unit_id)


@login_required
def ballot_list(request: HttpRequest) -> HttpResponse:
    ballots = restrict(_lookback_ballots(), request.user).order_by("-opens_on", "-pk")[:200]
    orders = (
        restrict(RemedialOrder.objects.filter(done_on__isnull=True), request.user)
        .select_related("unit__organisation", "unit__campaign")
        .order_by("-ordered_on", "org_path")[:500]
    )
    return render(request, "appraisals/lookback/list.html", {"ballots": ballots, "orders": orders})


urlpatterns = [
    path("lookback/", ballot_list, name="lookback_list"),
    path("lookback/<id:pk>/", detail, name="lookback"),
    path("lookback/<id:pk>/decide/", decide, name="lookback_decide"),
    path("lookback/organisations/<id:pk>/new/", start, name="lookback_start"),
    path("lookback/remedial/<id:pk>/done/", remedial_done, name="remedial_done"),
]
