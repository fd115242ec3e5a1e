"""Pages of self-analyses (党性分析材料): the branch's list, one self-analysis, a member's own, and their forms.

Who may open what is decided in `analysis` (readable, may_manage, may_write,
may_comment); a self-analysis outside it is a 404, never a "forbidden" that
would say it exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vanguard.accounts.scoping import Action, can_at_path, restrict, scope_roots
from vanguard.appraisals import analysis
from vanguard.appraisals.analysis_forms import (
    CampaignVersionForm,
    CommentForm,
    HelperForm,
    PublishForm,
    RatingBallotForm,
    VersionForm,
)
from vanguard.appraisals.models import AnalysisStatus, Comment, SelfAnalysis, Version
from vanguard.ballots.models import Ballot, Kind
from vanguard.campaigns.models import Campaign
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

PAGE_SIZE = 50


def _readable(request: HttpRequest, pk) -> SelfAnalysis:
    return get_object_or_404(analysis.readable(request.user), pk=pk)


def _to_detail(analysis_or_version, *_args) -> str:
    target = getattr(analysis_or_version, "analysis_id", None) or analysis_or_version.pk
    return reverse("appraisals:analysis_detail", args=[target])


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The self-analyses in the user's scope, by status; a member without a role goes to their own."""
    roots = scope_roots(request.user, Action.VIEW)
    if roots is not None and not roots:
        return redirect("appraisals:analysis_mine")
    queryset = restrict(SelfAnalysis.objects.all(), request.user, Action.VIEW)
    status = request.GET.get("status")
    if status in AnalysisStatus.values:
        queryset = queryset.filter(status=status)
    queryset = queryset.select_related("member", "organisation", "campaign").order_by("org_path", "member__name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "statuses": AnalysisStatus.choices, "status": status}
    return render(request, "appraisals/analysis/index.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A member's own self-analyses, the first version of a new one, and what is published for them to read."""
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    own = list(
        SelfAnalysis.objects.filter(member=member)
        .select_related("campaign", "organisation", "helper")
        .annotate(version_count=Count("versions"))
        .order_by("-pk")
    )
    form = CampaignVersionForm(request.POST or None, request.FILES or None, organisation=member.organisation)
    form.fields["campaign"].queryset = form.fields["campaign"].queryset.exclude(pk__in=[a.campaign_id for a in own])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = apply_service(
            form,
            lambda: analysis.write_version(
                campaign=data["campaign"], member=member, actor=request.user, text=data["text"], file=data["file"]
            ),
        )
        if version is not None:
            messages.success(request, _("Version %(number)d is saved.") % {"number": version.number})
            return redirect(_to_detail(version))
    to_read = (
        SelfAnalysis.objects.filter(analysis.audience_q(request.user))
        .exclude(member=member)
        .select_related("member", "organisation")
        .order_by("published_until", "pk")[:PAGE_SIZE]
    )
    context = {"own": own, "form": form if form.fields["campaign"].queryset.exists() else None, "to_read": to_read}
    return render(request, "appraisals/analysis/mine.html", context, status=400 if form.errors else 200)


def _branch(request: HttpRequest, pk, action: Action = Action.VIEW) -> Organisation:
    """The branch, to whoever's role covers it (a member's own branch is no list of their fellows' self-analyses)."""
    organisation = get_scoped(request, Organisation, pk)
    if not can_at_path(request.user, action, organisation.path):
        raise Http404
    return organisation


def _campaign_of(request: HttpRequest, organisation: Organisation) -> tuple[Campaign | None, list[Campaign]]:
    campaigns = list(analysis.branch_campaigns(organisation))
    wanted = request.GET.get("campaign") or request.POST.get("campaign")
    chosen = next((c for c in campaigns if str(c.pk) == str(wanted)), campaigns[0] if campaigns else None)
    return chosen, campaigns


@scoped_view(Organisation)
def branch(request: HttpRequest, pk: int) -> HttpResponse:
    """The branch's members with their self-analysis in a campaign: status, version, publication and rating."""
    organisation = _branch(request, pk)
    campaign, campaigns = _campaign_of(request, organisation)
    rows = []
    if campaign is not None:
        analyses = {
            a.member_id: a
            for a in SelfAnalysis.objects.filter(campaign=campaign, organisation=organisation)
            .select_related("helper")
            .annotate(version_count=Count("versions"))
        }
        members = Member.objects.filter(organisation=organisation).order_by("name", "pk").only("pk", "name")
        rows = [(member, analyses.get(member.pk)) for member in members]
    may_change = can_at_path(request.user, Action.CHANGE, organisation.path)
    ballots = (
        Ballot.objects.filter(campaign=campaign, organisation=organisation, kind=Kind.SATISFACTION).order_by("-pk")[:10]
        if campaign is not None
        else []
    )
    context = {
        "organisation": organisation,
        "campaign": campaign,
        "campaigns": campaigns,
        "rows": rows,
        "may_change": may_change,
        "ballots": ballots,
        "public_code": analysis.public_code(campaign, organisation) if campaign and may_change else None,
        "rating_form": RatingBallotForm(organisation=organisation, initial={"campaign": campaign.pk})
        if may_change and campaign
        else None,
    }
    return render(request, "appraisals/analysis/branch.html", context)


@scoped_view(Organisation)
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The branch's satisfaction ballot on its published self-analyses (opened and counted in ballots' pages)."""
    organisation = _branch(request, pk, Action.CHANGE)
    form = RatingBallotForm(request.POST, organisation=organisation)
    if form.is_valid():
        data = form.cleaned_data
        ballot = apply_service(
            form,
            lambda: analysis.create_rating_ballot(
                campaign=data["campaign"],
                organisation=organisation,
                actor=request.user,
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                constituencies=data["constituencies"],
            ),
        )
        if ballot is not None:
            messages.success(
                request,
                _("The ballot “%(title)s” is created with %(count)d questions; open it and issue its codes.")
                % {"title": ballot.title, "count": len(ballot.questions)},
            )
            return redirect(_branch_url(organisation, ballot.campaign_id))
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect(_branch_url(organisation, request.POST.get("campaign")))


def _branch_url(organisation: Organisation, campaign_id) -> str:
    url = reverse("appraisals:analysis_branch", args=[organisation.pk])
    return f"{url}?campaign={campaign_id}" if str(campaign_id or "").isdigit() else url


@scoped_view(SelfAnalysis)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One self-analysis: its versions with their ratings (a reader in the audience sees the published one only),
    comments (to the branch and the member), and the forms of whoever may act."""
    item = _readable(request, pk)
    user = request.user
    is_own = getattr(user, "member_id", None) == item.member_id
    full = is_own or can_at_path(user, Action.VIEW, item.org_path)
    comments = Comment.objects.select_related("author").order_by("created_at", "pk")
    versions = item.versions.select_related("written_by", "rated_by_ballot").order_by("-number")
    if analysis.sees_comments(user, item):
        versions = versions.prefetch_related(Prefetch("comments", queryset=comments))
    versions = list(versions if full else versions[:1])
    may_manage = analysis.may_manage(user, item)
    context = {
        "item": item,
        "versions": versions,
        "full": full,
        "is_own": is_own,
        "sees_comments": analysis.sees_comments(user, item),
        "published": analysis.is_published(item),
        "comment_form": CommentForm() if analysis.may_comment(user, item) else None,
        "may_write": analysis.may_write(user, item),
        "publish_form": PublishForm() if may_manage and item.status != AnalysisStatus.ACCEPTED else None,
        "helper_form": HelperForm(analysis=item, initial={"helper": item.helper_id})
        if may_manage and item.status == AnalysisStatus.REWRITE
        else None,
    }
    return render(request, "appraisals/analysis/detail.html", context)


@scoped_view(SelfAnalysis)
def write(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version, by the member or (from paper) the branch; earlier versions stay."""
    item = _readable(request, pk)
    if not analysis.may_write(request.user, item):
        raise Http404
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        version = apply_service(
            form,
            lambda: analysis.write_version(
                campaign=item.campaign,
                member=item.member,
                actor=request.user,
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            ),
        )
        if version is not None:
            messages.success(request, _("Version %(number)d is saved.") % {"number": version.number})
            return redirect(_to_detail(version))
    current = analysis.current_version(item)
    if request.method == "GET" and current is not None:
        form.initial = {"text": current.text}
    context = {"item": item, "form": form}
    return render(request, "appraisals/analysis/write.html", context, status=400 if form.errors else 200)


@scoped_view(Member)
def enter(request: HttpRequest, pk: int) -> HttpResponse:
    """The branch enters a member's self-analysis written on paper (a new version if one exists)."""
    member = get_scoped(request, Member, pk, Action.CHANGE)
    form = CampaignVersionForm(request.POST or None, request.FILES or None, organisation=member.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = apply_service(
            form,
            lambda: analysis.write_version(
                campaign=data["campaign"], member=member, actor=request.user, text=data["text"], file=data["file"]
            ),
        )
        if version is not None:
            messages.success(request, _("Version %(number)d is saved.") % {"number": version.number})
            return redirect(_to_detail(version))
    context = {"member": member, "form": form}
    return render(request, "appraisals/analysis/enter.html", context, status=400 if form.errors else 200)


@scoped_view(SelfAnalysis)
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """公示: the window and the audience of the current version."""

    def service(item: SelfAnalysis, data: dict) -> SelfAnalysis:
        return analysis.publish(analysis=item, actor=request.user, **data)

    return form_action(
        request,
        queryset=SelfAnalysis,
        pk=pk,
        action=Action.CHANGE,
        form_class=PublishForm,
        service=service,
        success_url=_to_detail,
        success_message=_("Published."),
        template="appraisals/analysis/publish.html",
        context=lambda item: {"item": item},
    )


@scoped_view(SelfAnalysis)
def helper(request: HttpRequest, pk: int) -> HttpResponse:
    """重点帮助: who helps the member rewrite."""

    def service(item: SelfAnalysis, data: dict) -> SelfAnalysis:
        return analysis.assign_helper(analysis=item, actor=request.user, helper=data["helper"])

    return form_action(
        request,
        queryset=SelfAnalysis,
        pk=pk,
        action=Action.CHANGE,
        form_class=HelperForm,
        form_kwargs=lambda item: {"analysis": item},
        service=service,
        success_url=_to_detail,
        success_message=_("The helper is recorded."),
        template="appraisals/analysis/helper.html",
        context=lambda item: {"item": item},
    )


@scoped_view(SelfAnalysis)
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    item = _readable(request, pk)
    if not analysis.may_comment(request.user, item):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            analysis.add_comment(analysis=item, text=form.cleaned_data["text"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your comment is sent to the branch."))
    else:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    return redirect(_to_detail(item))


@scoped_view(SelfAnalysis)
def download(request: HttpRequest, pk: int) -> FileResponse:
    """A version's file (?version=N), to whoever may read that version; never from a public media URL."""
    item = _readable(request, pk)
    full = getattr(request.user, "member_id", None) == item.member_id or can_at_path(
        request.user, Action.VIEW, item.org_path
    )
    versions = item.versions.order_by("-number")
    if not full:
        versions = versions[:1]
    version = next((v for v in versions if str(v.number) == request.GET.get("version")), None)
    if version is None or not version.file:
        raise Http404
    return _send(version)


def _send(version: Version) -> FileResponse:
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=version.file.name.rsplit("/", 1)[-1])


urlpatterns = [
    path("analyses/", index, name="analysis_list"),
    path("analyses/mine/", mine, name="analysis_mine"),
    path("analyses/branch/<id:pk>/", branch, name="analysis_branch"),
    path("analyses/branch/<id:pk>/rate/", rate, name="analysis_rate"),
    path("analyses/member/<id:pk>/enter/", enter, name="analysis_enter"),
    path("analyses/<id:pk>/", detail, name="analysis_detail"),
    path("analyses/<id:pk>/write/", write, name="analysis_write"),
    path("analyses/<id:pk>/publish/", publish, name="analysis_publish"),
    path("analyses/<id:pk>/helper/", helper, name="analysis_helper"),
    path("analyses/<id:pk>/comment/", comment, name="analysis_comment"),
    path("analyses/<id:pk>/file/", download, name="analysis_file"),
]
