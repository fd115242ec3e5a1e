"""Progress at a glance (issue 17 §7): a campaign's figures for any organisation in the user's scope, per child
subtree, with a drill-down, a timeline of the batches' phases and charts; the printable export as a job."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.campaigns import dashboard, selectors
from vanguard.campaigns.models import Campaign, Unit
from vanguard.core import jobs, tree
from vanguard.core.converters import parse_id
from vanguard.core.models import Job, JobStatus
from vanguard.core.views import get_scoped, scoped_view
from vanguard.orgs.models import Organisation
from vanguard.rosters import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_KIND = "campaigns.progress_export"


def _campaign_and_organisation(request: HttpRequest, pk: int) -> tuple[Campaign, Organisation]:
    """The campaign, and the organisation named by `?organisation=` (else the user's highest one in the campaign):
    404 for one outside the campaign or the user's scope, as for one that does not exist."""
    campaign = get_scoped(request, selectors.campaigns_for(request.user).select_related("organisation"), pk)
    raw = request.GET.get("organisation", "")
    if raw:
        try:
            organisation_id = parse_id(raw)
        except ValueError:
            raise Http404 from None
        organisation = get_object_or_404(Organisation, pk=organisation_id)
        if not dashboard.may_see(request.user, campaign, organisation):
            raise Http404
        return campaign, organisation
    top = dashboard.top_organisations(request.user, campaign).first()
    if top is None:
        raise Http404
    return campaign, top


@scoped_view(Campaign)
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, organisation = _campaign_and_organisation(request, pk)
    today = timezone.localdate()
    figures = selectors.progress(campaign, organisation, today=today)
    # The way back up: the organisation's ancestors inside the campaign that the user may open.
    above = [p for p in tree.ancestor_paths(organisation.path) if tree.is_within(p, campaign.org_path)]
    crumbs = [
        o for o in Organisation.objects.filter(path__in=above).order_by("path")
        if dashboard.may_see(request.user, campaign, o)
    ]  # fmt: skip
    own_unit = Unit.objects.filter(campaign=campaign, organisation=organisation).values_list("pk", flat=True).first()
    others = list(dashboard.top_organisations(request.user, campaign).exclude(pk=organisation.pk)[:50])
    context = {
        "campaign": campaign,
        "organisation": organisation,
        "progress": figures,
        "headers": dashboard.headers(figures),
        "rows": dashboard.rows(figures),
        "chart": dashboard.chart_data(figures, today),
        "crumbs": crumbs,
        "own_unit_url": dashboard.unit_url(own_unit) if own_unit else "",
        "other_tops": others if not crumbs else [],
        "may_export": jobs.may_start(request.user, organisation),
        "today": today,
    }
    return render(request, "campaigns/dashboard/progress.html", context)


@require_POST
@scoped_view(Campaign)
def progress_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the printable export of the table shown for `?organisation=`; its page is the job's."""
    campaign, organisation = _campaign_and_organisation(request, pk)
    if not jobs.may_start(request.user, organisation):
        raise Http404
    job = jobs.start(kind=EXPORT_KIND, params={"campaign": campaign.pk}, user=request.user, organisation=organisation)
    return redirect("core:job", pk=job.pk)


@scoped_view(Job)
def progress_download(request: HttpRequest, pk: int) -> FileResponse:
    """The workbook of a finished export, to whoever may have a job's files (core.jobs.may_download)."""
    queryset = Job.objects.filter(kind=EXPORT_KIND, status=JobStatus.SUCCEEDED).select_related("organisation")
    job = get_scoped(request, queryset, pk)
    if not jobs.may_download(request.user, job):
        raise Http404
    name = str((job.result or {}).get("file", ""))
    location = files.directory("outputs") / name
    if not name or "/" in name or not location.exists():
        raise Http404
    return FileResponse(
        location.open("rb"), as_attachment=True, filename=f"{job.organisation.name}-progress.xlsx", content_type=XLSX
    )


urlpatterns = [
    path("<id:pk>/progress/", progress, name="progress"),
    path("<id:pk>/progress/export/", progress_export, name="progress_export"),
    path("progress-exports/<id:pk>/download/", progress_download, name="progress_download"),
]
