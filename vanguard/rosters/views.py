"""Pages for rosters: upload a file for a dry run, commit it, download problems and exports."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from vanguard.accounts.scoping import Action, restrict
from vanguard.core import jobs
from vanguard.core.models import Job, JobStatus
from vanguard.core.views import form_action, get_scoped, scoped_view
from vanguard.members.filters import MemberFilter, export_filters
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.rosters import files
from vanguard.rosters.forms import ExportForm, UploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _to_job(_obj, job: Job) -> str:
    return reverse("core:job", args=[job.pk])


@scoped_view(Organisation)
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: upload; a background dry run checks every row and nothing is written."""

    def check(organisation: Organisation, data: dict) -> Job:
        upload = data["file"]
        params = {"what": data["what"], "upload": files.save_upload(upload), "file_name": upload.name}
        return jobs.start(kind="rosters.check", params=params, user=request.user, organisation=organisation)

    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=UploadForm,
        service=check,
        success_url=_to_job,
        template="rosters/upload.html",
        context=lambda organisation: {"organisation": organisation},
    )


@require_POST
@scoped_view(Job)
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: the user read the dry run and commits the same file: all rows or none."""
    return form_action(
        request,
        queryset=Job.objects.filter(kind="rosters.check"),
        pk=pk,
        form_class=None,
        service=lambda check, _data: _start_import(request, check),
        success_url=_to_job,
    )


def _start_import(request: HttpRequest, check: Job) -> Job:
    if not jobs.may_download(request.user, check):
        raise Http404  # the import job would be the committer's, and with it the uploaded file its problems carry
    result = check.result or {}
    if check.status != JobStatus.SUCCEEDED or result.get("report", {}).get("problem_count", 1):
        raise Http404
    return jobs.start(kind="rosters.import", params=check.params, user=request.user, organisation=check.organisation)


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
    """Posted from the organisation's page: a bad choice is a 404, as there is no form page to show it on."""
    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        action=Action.VIEW,
        form_class=ExportForm,
        service=lambda organisation, data: _start_export(request, organisation, data["what"]),
        success_url=_to_job,
    )


def _start_export(request: HttpRequest, organisation: Organisation, what: str) -> Job:
    """The export job; from the member list ("export these results") it carries the list's filters too."""
    if not jobs.may_start(request.user, organisation):
        raise Http404  # a member sees their branch, but could never open the job
    params: dict = {"what": what}
    filters = export_filters(request.POST) if what == "members" else {}
    if filters:
        queryset = restrict(Member.objects.none(), request.user)
        if not MemberFilter(filters, queryset=queryset, request=request).is_valid():
            raise Http404  # the list offers the button only under valid filters
        params["filters"] = filters
    return jobs.start(kind="rosters.export", params=params, user=request.user, organisation=organisation)


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
