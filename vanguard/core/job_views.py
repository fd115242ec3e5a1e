"""Pages of background jobs: the user's recent jobs, one job's live progress and result (polled by htmx), a retry."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from vanguard.core import jobs
from vanguard.core.models import Job, JobStatus
from vanguard.core.views import get_scoped, scoped_view


def _describe(job: Job, user=None) -> dict:
    kind = jobs.kind_of(job.kind)
    return {
        "job": job,
        "title": kind.title if kind else job.kind,
        "result_template": kind.result_template if kind else jobs.DEFAULT_RESULT_TEMPLATE,
        "result": job.result,
        "max_attempts": jobs.max_attempts(),
        "may_retry": _may_retry(job, user, kind),
    }


def _may_retry(job: Job, user, kind) -> bool:
    return kind is not None and user is not None and job.status == JobStatus.FAILED and job.created_by_id == user.pk


@login_required
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    rows = [_describe(job) for job in jobs.recent_jobs(request.user)]
    return render(request, "core/jobs/list.html", {"rows": rows})


# never_cache: a reload or a poll must show the row as it is now.
@scoped_view(Job)
@require_safe
@never_cache
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_scoped(request, Job.objects.select_related("organisation", "created_by"), pk)
    return render(request, "core/jobs/detail.html", _describe(job, request.user))


@scoped_view(Job)
@require_safe
@never_cache
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment htmx polls every second; once the job has finished it renders without the poll."""
    job = get_scoped(request, Job, pk)
    return render(request, "core/jobs/_progress.html", _describe(job, request.user))


@require_POST
@scoped_view(Job)
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """The retry button of a failed job: the same job started again, as a new job; only for whoever started it."""
    job = get_scoped(request, Job.objects.select_related("organisation"), pk)
    if not _may_retry(job, request.user, jobs.kind_of(job.kind)):
        raise Http404
    return redirect("core:job", pk=jobs.retry(job=job, user=request.user).pk)
