"""Staff pages of ballots: the list in scope, a new ballot, a ballot's page (turnout, open, close)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.ballots import results as ballot_results
from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Constituency, Kind, QuestionKind, Status, Token
from vanguard.campaigns.models import Campaign, CampaignStatus
from vanguard.core.forms import DateInput
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.opinions.intake_forms import CampaignChoice, OrganisationField
from vanguard.orgs.models import Organisation

PAGE_SIZE = 50
# Kinds started here; peer appraisals and look-back ratings start from the appraisal pages, which add their questions.
STARTED_HERE = [Kind.SATISFACTION, Kind.QUESTIONNAIRE]


class BallotForm(forms.Form):
    organisation = OrganisationField(label=gettext_lazy("Held by"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[(k.value, k.label) for k in STARTED_HERE], initial=Kind.SATISFACTION
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    campaign = CampaignChoice(label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), required=False)
    constituencies = forms.MultipleChoiceField(
        label=gettext_lazy("Who rates"),
        choices=Constituency.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Each constituency is reported separately."),
    )
    opens_on = forms.DateField(label=gettext_lazy("Opens on"), widget=DateInput())
    closes_on = forms.DateField(label=gettext_lazy("Closes on"), widget=DateInput())
    min_count = forms.IntegerField(
        label=gettext_lazy("Show results early after this many ballots"),
        min_value=0,
        initial=0,
        help_text=gettext_lazy("0: results only once the ballot is closed."),
    )
    instructions = forms.CharField(
        label=gettext_lazy("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].set_queryset(organisations)
        self.fields["campaign"].queryset = restrict(Campaign.objects.exclude(status=CampaignStatus.CLOSED), user)

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("A ballot cannot close before it opens."))
        return cleaned


class ConfirmForm(forms.Form):
    # Said outright: a bare POST is not taken for "open it" or "close it".
    confirm = forms.CharField(widget=forms.HiddenInput, initial="1")


def _changeable_organisations(user):
    return restrict(Organisation.objects.all(), user, Action.CHANGE).order_by("path")


@login_required
def ballot_list(request: HttpRequest) -> HttpResponse:
    ballots = restrict(Ballot.objects.all(), request.user).select_related("organisation", "campaign")
    status = request.GET.get("status")
    if status in Status.values:
        ballots = ballots.filter(status=status)
    listing = Paginator(ballots.order_by("-opens_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "listing": listing,
        "may_create": _changeable_organisations(request.user).exists(),
        "statuses": Status.choices,
        "status": status,
    }
    return render(request, "ballots/list.html", context)


@login_required
def ballot_new(request: HttpRequest) -> HttpResponse:
    organisations = _changeable_organisations(request.user)
    if not organisations.exists():
        raise Http404
    today = timezone.localdate()
    initial = {"opens_on": today, "closes_on": today + datetime.timedelta(days=7), "constituencies": ["members"]}
    form = BallotForm(request.POST or None, initial=initial, user=request.user, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A first question to start from; a questionnaire's are then built on the questions page.
        starter = [{"key": "q1", "kind": QuestionKind.SATISFACTION, "label": data["title"], "required": True}]
        ballot = apply_service(
            form,
            lambda: services.create_ballot(
                organisation=data["organisation"],
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                questions=starter,
                constituencies=data["constituencies"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                campaign=data["campaign"],
                instructions=data["instructions"],
                min_count=data["min_count"],
            ),
        )
        if ballot is not None:
            return redirect("ballots:detail", pk=ballot.pk)
    return render(request, "ballots/form.html", {"form": form})


def voting_link(request: HttpRequest, ballot: Ballot) -> str:
    return request.build_absolute_uri(reverse("ballots_public:kiosk", args=[ballot.public_id]))


@scoped_view(Ballot)
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_scoped(request, Ballot.objects.select_related("organisation", "campaign", "created_by"), pk)
    results = ballot_results.compute(ballot)
    constituencies = []
    for key in ballot.constituencies:
        turnout = results.turnout.get((key, ballot_results.ALL))
        constituencies.append(
            {
                "label": Constituency(key).label,
                "issued": turnout.issued if turnout else 0,
                "cast": turnout.cast if turnout else 0,
                "response": turnout.response if turnout else None,
            }
        )
    context = {
        "ballot": ballot,
        "may_change": can_at_path(request.user, Action.CHANGE, ballot.org_path),
        "constituencies": constituencies,
        "total": results.turnout[(ballot_results.ALL, ballot_results.ALL)],
        "visible": results.visible,
        "voided": Token.objects.filter(ballot=ballot, void=True).count(),
        "link": voting_link(request, ballot),
        "questions": [
            {**q, "kind_label": QuestionKind(q["kind"]).label}
            for q in ballot.questions
            if q.get("kind") in QuestionKind.values
        ],
        "paper_pending": ballot.paper_entries.values("code_hash").annotate(n=Count("pk")).count(),
    }
    return render(request, "ballots/detail.html", context)


def _transition(service, message):
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return form_action(
            request,
            queryset=Ballot,
            pk=pk,
            form_class=ConfirmForm,
            service=lambda ballot, _data: service(ballot=ballot, actor=request.user),
            success_url=lambda ballot, _result: reverse("ballots:detail", args=[ballot.pk]),
            success_message=message,
            template="ballots/confirm.html",
            context=lambda ballot: {"ballot": ballot, "action": message},
        )

    return scoped_view(Ballot)(view)


ballot_open = _transition(services.open_ballot, gettext_lazy("Ballot opened"))
ballot_close = _transition(services.close_ballot, gettext_lazy("Ballot closed"))

urlpatterns = [
    path("", ballot_list, name="list"),
    path("new/", ballot_new, name="new"),
    path("<id:pk>/", ballot_detail, name="detail"),
    path("<id:pk>/open/", ballot_open, name="open"),
    path("<id:pk>/close/", ballot_close, name="close"),
]
