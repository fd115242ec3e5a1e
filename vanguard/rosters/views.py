"""Pages for rosters: upload a file for a dry run, commit it, download problems and exports."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from vanguard.accounts.scoping import Action
from vanguard.core import jobs
from vanguard.core.models import Job, JobStatus
from vanguard.core.views import get_scoped, scoped_view
from vanguard.orgs.models import Organisation
from vanguard.rosters import files
from vanguard.rosters.forms import ExportForm, UploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@scoped_view(Organisation)
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: upload; a background dry run checks every row and nothing is written."""
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        params = {"what": form.cleaned_data["what"], "upload": files.save_upload(upload), "file_name": upload.name}
        job = jobs.start(kind="rosters.check", params=params, user=request.user, organisation=organisation)
        return redirect("core:job", pk=job.pk)
    return render(request, "rosters/upload.html", {"form": form, "organisation": organisation})


@require_POST
@scoped_view(Job)
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: the user read the dry run and commits the same file: all rows or none."""
    check = get_scoped(request, Job.objects.filter(kind="rosters.check"), pk, Action.CHANGE)
    if not jobs.may_download(request.user, check):
        raise Http404  # the import job would be the committer's, and with it the uploaded file its problems carry
    result = check.result or {}
    if check.status != JobStatus.SUCCEEDED or result.get("report", {}).get("problem_count", 1):
        raise Http404
    job = jobs.start(kind="rosters.import", params=check.params, user=request.user, organisation=check.organisation)
    return redirect("core:job", pk=job.pk)


@scoped_view(Job)
def problems(request: HttpRequest, pk: int) -> FileResponse:
    """The uploaded roster with its bad cells marked: fix it and upload it again."""
    job = _downloadable(request, Job.objects.filter(kind__in=["rosters.check", "rosters.import"]), pk)
    name = (job.result or {}).get("problems_file")
    if not name:
        raise Http404
    stem = job.params.get("file_name", "roster").rsplit(".", 1)[0]
    return _send(files.directory("outputs") / name, f"{stem}-problems.xlsx")


@require_POST
@scoped_view(Organisation)
def export(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        raise Http404
    job = jobs.start(
        kind="rosters.export", params={"what": form.cleaned_data["what"]}, user=request.user, organisation=organisation
    )
    return redirect("core:job", pk=job.pk)


@scoped_view(Job)
def download(request: HttpRequest, pk: int) -> FileResponse:
    job = _downloadable(request, Job.objects.filter(kind="rosters.export", status=JobStatus.SUCCEEDED), pk)
    return _send(files.directory("outputs") / job.result["file"], f"{job.organisation.name}-{job.result['what']}.xlsx")


def _downloadable(request: HttpRequest, queryset, pk: int) -> Job:
    """The job if the user may have its files (core.jobs.may_download); 404 otherwise, as for a job out of scope."""
    job = get_scoped(request, queryset.select_related("organisation"), pk)
    if not jobs.may_download(request.user, job):
        raise Http404
    return job


def _send(path, filename: str) -> FileResponse:
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)
