"""Pages of commitments at /commitments/ (object routes take `<id:pk>` only; other ids go in the query)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vanguard.accounts.scoping import Action, can_at_path, restrict, scope_roots
from vanguard.campaigns.models import Campaign, Unit
from vanguard.commitments import figures, figures_workbook, public_views, services
from vanguard.commitments.forms import MakeForm, PublishForm, RateForm, ReviseForm
from vanguard.commitments.models import Audience, Commitment, Status
from vanguard.core import tree
from vanguard.core.converters import parse_id
from vanguard.core.views import apply_service, scoped_view
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _id(raw: str) -> int | None:
    try:
        return parse_id(raw) if raw else None
    except ValueError:
        return None


def organisation_for(request: HttpRequest) -> Organisation:
    """`?organisation=` if the user may see it, else the user's highest organisation (or 404)."""
    pk = _id(request.GET.get("organisation", ""))
    if request.GET.get("organisation"):
        organisation = Organisation.objects.filter(pk=pk).first() if pk else None
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


def readable(user):
    """Commitments the user may open: those in their scope, and their own."""
    own = Q(member_id=getattr(user, "member_id", None)) if getattr(user, "member_id", None) else Q(pk__in=[])
    in_scope = restrict(Commitment.objects.all(), user, Action.VIEW).values("pk")
    return Commitment.objects.filter(Q(pk__in=in_scope) | own)


def campaigns_of_member(member):
    """Campaigns with a unit at or above the member's branch."""
    paths = [*tree.ancestor_paths(member.org_path), member.org_path]
    return Campaign.objects.filter(pk__in=Unit.objects.filter(org_path__in=paths).values("campaign_id")).order_by(
        "-starts_on", "-pk"
    )


@login_required
def commitment_list(request: HttpRequest) -> HttpResponse:
    """The subtree's commitments, or with no scope the user's own."""
    if request.GET.get("organisation") or scope_roots(request.user, Action.VIEW) != []:
        organisation = organisation_for(request)
        rows = Commitment.objects.filter(tree.subtree_q("org_path", organisation.path))
    else:
        organisation = None
        rows = readable(request.user)
    campaign_pk = _id(request.GET.get("campaign", ""))
    if campaign_pk:
        rows = rows.filter(campaign_id=campaign_pk)
    rows = rows.select_related("member", "organisation", "campaign").order_by("org_path", "member__name", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "commitments/list.html", {"organisation": organisation, "page": page})


@login_required
def commitment_new(request: HttpRequest) -> HttpResponse:
    """A member's own commitment, or (`?member=`) one recorded for a member by their branch's side."""
    member_pk = _id(request.GET.get("member", ""))
    if member_pk:
        member = get_object_or_404(Member, pk=member_pk)
        if not can_at_path(request.user, Action.CHANGE, member.org_path):
            raise Http404
    else:
        member = getattr(request.user, "member", None)
        if member is None:
            raise Http404
    campaigns = campaigns_of_member(member)
    campaign_pk = _id(request.GET.get("campaign", ""))
    campaign = campaigns.filter(pk=campaign_pk).first() if campaign_pk else campaigns.first()
    if campaign is None:
        raise Http404
    form = MakeForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        index = data["item_index"] - 1 if data.get("item_index") else None
        made = apply_service(
            form,
            lambda: services.make_commitment(
                actor=request.user,
                campaign=campaign,
                member=member,
                text=data["text"],
                template=data["template"],
                item_index=index,
            ),
        )
        if made is not None:
            messages.success(request, _("Commitment saved."))
            return redirect("commitments:detail", made.pk)
    context = {"form": form, "member": member, "campaign": campaign, "campaigns": campaigns}
    return render(request, "commitments/new.html", context)


def _detail_context(request: HttpRequest, commitment: Commitment) -> dict:
    user = request.user
    writes = getattr(user, "member_id", None) == commitment.member_id or can_at_path(
        user, Action.CHANGE, commitment.org_path
    )
    rates = can_at_path(user, Action.CHANGE, commitment.org_path)
    open_ = commitment.status != Status.RATED
    today = timezone.localdate()
    code = public_views.public_code(commitment.campaign, commitment.organisation)
    return {
        "commitment": commitment,
        "versions": commitment.versions.select_related("written_by").order_by("number"),
        "revise_form": ReviseForm(auto_id="id_revise_%s") if writes and open_ else None,
        "publish_form": PublishForm(
            auto_id="id_publish_%s",
            initial={
                "audience": commitment.audience or Audience.BRANCH,
                "published_from": commitment.published_from or today,
                "published_until": commitment.published_until or commitment.campaign.ends_on or today,
            },
        )
        if writes and open_
        else None,
        "rate_form": RateForm(auto_id="id_rate_%s") if rates and commitment.status == Status.PUBLISHED else None,
        "public_code": code if commitment.audience == Audience.PUBLIC and commitment.status != Status.DRAFT else "",
    }


@scoped_view(Commitment)
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(
        readable(request.user).select_related("member", "organisation", "campaign", "template"), pk=pk
    )
    return render(request, "commitments/detail.html", _detail_context(request, commitment))


def _act(request: HttpRequest, pk: int, form_class, call, message: str, prefix: str) -> HttpResponse:
    commitment = get_object_or_404(
        readable(request.user).select_related("member", "organisation", "campaign", "template"), pk=pk
    )
    form = form_class(request.POST, auto_id=f"id_{prefix}_%s")
    if form.is_valid() and apply_service(form, lambda: call(commitment, form.cleaned_data)) is not None:
        messages.success(request, message)
        return redirect("commitments:detail", commitment.pk)
    context = _detail_context(request, commitment)
    context[f"{prefix}_form"] = form
    return render(request, "commitments/detail.html", context, status=400)


@require_POST
@scoped_view(Commitment)
def commitment_revise(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ReviseForm,
        lambda c, d: services.revise(commitment=c, actor=request.user, text=d["text"]),
        _("A new version is kept."),
        "revise",
    )


@require_POST
@scoped_view(Commitment)
def commitment_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        PublishForm,
        lambda c, d: services.publish(commitment=c, actor=request.user, **d),
        _("Commitment published."),
        "publish",
    )


@require_POST
@scoped_view(Commitment)
def commitment_rate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        RateForm,
        lambda c, d: services.rate(commitment=c, actor=request.user, verdict=d["verdict"], note=d["note"]),
        _("Verdict recorded."),
        "rate",
    )


def _figures(request: HttpRequest):
    organisation = organisation_for(request)
    campaign_pk = _id(request.GET.get("campaign", ""))
    campaign = Campaign.objects.filter(pk=campaign_pk).first() if campaign_pk else None
    return organisation, campaign, figures.compute(organisation, campaign)


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    organisation, campaign, result = _figures(request)
    context = {
        "organisation": organisation,
        "campaign": campaign,
        "rows": figures_workbook.rows(result),
        "chart": figures_workbook.chart_data(result),
        "query": request.GET.urlencode(),
    }
    return render(request, "commitments/figures.html", context)


@login_required
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    organisation, campaign, result = _figures(request)
    response = HttpResponse(figures_workbook.workbook(organisation, result), content_type=XLSX)
    name = f"{organisation.name}-承诺统计-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"commitments.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def detail_url(commitment: Commitment) -> str:
    return reverse("commitments:detail", args=[commitment.pk])


urlpatterns = [
    path("", commitment_list, name="list"),
    path("new/", commitment_new, name="new"),
    path("<id:pk>/", commitment_detail, name="detail"),
    path("<id:pk>/revise/", commitment_revise, name="revise"),
    path("<id:pk>/publish/", commitment_publish, name="publish"),
    path("<id:pk>/rate/", commitment_rate, name="rate"),
    path("figures/", figures_page, name="figures"),
    path("figures/xlsx/", figures_xlsx, name="figures_xlsx"),
]
