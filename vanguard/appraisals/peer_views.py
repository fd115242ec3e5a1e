"""Pages of peer appraisal (民主评议): start one for a branch meeting, its results per member, the list.

The ballot itself (opening, issuing sheets, closing) is run from the ballots
pages; these pages start it with the branch's roll and read what it decided.
The look-back pages (lookback_views) are listed here too, so appraisals/urls.py
needs no line of its own for them.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.appraisals import hooks, lookback_views, peer
from vanguard.ballots.models import Ballot, Grade, Kind, Status
from vanguard.campaigns.models import Campaign, CampaignStatus
from vanguard.core.forms import DateInput
from vanguard.core.views import form_action, get_scoped, scoped_view
from vanguard.orgs.models import Organisation

DATE = DateInput()


def running_campaigns_at(organisation: Organisation):
    return Campaign.objects.filter(units__organisation=organisation, status=CampaignStatus.RUNNING).order_by(
        "-starts_on", "pk"
    )


class StartForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    campaign = forms.ModelChoiceField(label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), required=False)
    opens_on = forms.DateField(label=gettext_lazy("Opens on"), widget=DATE)
    closes_on = forms.DateField(label=gettext_lazy("Closes on"), widget=DATE)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = running_campaigns_at(organisation)
        self.fields["campaign"].queryset = campaigns
        today = timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + datetime.timedelta(days=7)
        if campaigns:
            self.fields["campaign"].initial = campaigns[0].pk

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("A ballot cannot close before it opens."))
        return data


def _branch_for_change(request: HttpRequest, pk: int) -> Organisation:
    branch = get_scoped(request, Organisation, pk, Action.CHANGE)
    if not branch.is_branch:
        raise Http404
    return branch


@scoped_view(Organisation)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a peer appraisal for the branch meeting: the branch's secretary (or an office above it)."""
    branch = _branch_for_change(request, pk)
    return form_action(
        request,
        queryset=Organisation,
        pk=branch.pk,
        form_class=StartForm,
        form_kwargs=lambda organisation: {"organisation": organisation},
        service=lambda organisation, data: peer.start_peer_appraisal(branch=organisation, actor=request.user, **data),
        success_message=_("Peer appraisal prepared: open the ballot and hand out its sheets in the meeting."),
        success_url=lambda organisation, ballot: reverse("appraisals:peer", kwargs={"pk": ballot.pk}),
        template="appraisals/peer/start.html",
        context=lambda organisation: {"branch": organisation, "members": peer.members_to_appraise(organisation)},
    )


def _peer_ballots():
    return Ballot.objects.filter(kind=Kind.PEER_APPRAISAL).select_related("organisation", "campaign")


@scoped_view(Ballot)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A peer appraisal: who is appraised, and once closed each member's counts and result."""
    ballot = get_scoped(request, _peer_ballots(), pk)
    results = list(peer.results_of(ballot))
    unqualified = [result for result in results if result.grade == Grade.UNQUALIFIED]
    links = hooks.result_links(request, ballot, unqualified)
    for result in results:
        result.links = links.get(result.pk, [])
    context = {
        "ballot": ballot,
        "results": results,
        "cases": [result for result in unqualified if not result.case_opened],
        "closed": ballot.status == Status.CLOSED,
        "may_change": can_at_path(request.user, Action.CHANGE, ballot.org_path),
        "ballot_url": lookback_views.ballot_page_url(ballot),
        "grades": peer.GRADES,
    }
    return render(request, "appraisals/peer/detail.html", context)


@scoped_view(Ballot)
def count(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the results of a closed peer appraisal that has none yet (closed before results were kept)."""
    return form_action(
        request,
        queryset=_peer_ballots(),
        pk=pk,
        form_class=None,
        service=lambda ballot, data: peer.record_results(ballot=ballot, actor=request.user),
        success_message=_("Results recorded."),
        success_url=lambda ballot, result: reverse("appraisals:peer", kwargs={"pk": ballot.pk}),
    )


@login_required
def ballot_list(request: HttpRequest) -> HttpResponse:
    ballots = restrict(_peer_ballots(), request.user).order_by("-opens_on", "-pk")[:200]
    return render(request, "appraisals/peer/list.html", {"ballots": ballots})


urlpatterns = [
    path("peer/", ballot_list, name="peer_list"),
    path("peer/<id:pk>/", detail, name="peer"),
    path("peer/<id:pk>/count/", count, name="peer_count"),
    path("peer/branches/<id:pk>/new/", start, name="peer_start"),
    *lookback_views.urlpatterns,
]
