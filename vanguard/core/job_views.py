"""Pages of background jobs: the user's recent jobs, and one job's live progress and result (polled by htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from vanguard.core import jobs
from vanguard.core.models import Job
from vanguard.core.views import get_scoped, scoped_view


def _describe(job: Job) -> dict:
    kind = jobs.kind_of(job.kind)
    return {
        "job": job,
        "title": kind.title if kind else job.kind,
        "result_template": kind.result_template if kind else jobs.DEFAULT_RESULT_TEMPLATE,
        "result": job.result,
    }


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
    return render(request, "core/jobs/detail.html", _describe(job))


@scoped_view(Job)
@require_safe
@never_cache
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment htmx polls every second; once the job has finished it renders without the poll."""
    job = get_scoped(request, Job, pk)
    return render(request, "core/jobs/_progress.html", _describe(job))
