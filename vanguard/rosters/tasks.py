"""Roster jobs: checking and importing uploads, exporting subtrees; run by vanguard.core.jobs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vanguard.core import jobs
from vanguard.core.models import Job
from vanguard.rosters import files, workbooks
from vanguard.rosters.services import import_members, import_organisations

IMPORTERS = {"members": import_members, "organisations": import_organisations}
RESULT_TEMPLATE = "rosters/_import_result.html"


def _import(job: Job, progress, *, commit: bool) -> dict:
    params = job.params
    importer = IMPORTERS[params["what"]]
    source = files.upload_path(params["upload"])
    report = importer(
        path=source,
        organisation=job.organisation,
        user=job.created_by,
        commit=commit,
        file_name=params["file_name"],
        progress=progress,
    )
    problems_file = ""
    if report.problems and report.header_row:
        out = files.output_path(job.pk, "problems")
        # Progress as it stands, again: each call renews the job's lease (core.jobs) through a long rewrite.
        workbooks.write_problem_workbook(
            report=report, source=source, path=out, keep_alive=lambda: progress(job.done, job.total)
        )
        problems_file = out.name
    return {"report": report.to_json(), "what": params["what"], "commit": commit, "problems_file": problems_file}


@jobs.register("rosters.check", title=_("Check a roster"), result_template=RESULT_TEMPLATE)
def check_roster(job: Job, progress) -> dict:
    """The dry run: counts, per-field changes and every problem; nothing is written."""
    return _import(job, progress, commit=False)


@jobs.register("rosters.import", title=_("Import a roster"), result_template=RESULT_TEMPLATE)
def import_roster(job: Job, progress) -> dict:
    """The commit: all rows or none (the service rolls back on any problem)."""
    return _import(job, progress, commit=True)


@jobs.register("rosters.export", title=_("Export a roster"), result_template="rosters/_export_result.html")
def export_roster(job: Job, progress) -> dict:
    what = job.params["what"]
    out = files.output_path(job.pk, what)
    if what == "members":
        count = workbooks.export_members(
            organisation=job.organisation,
            user=job.created_by,
            path=out,
            progress=progress,
            filters=job.params.get("filters"),
        )
    else:
        count = workbooks.export_organisations(organisation=job.organisation, user=job.created_by, path=out)
    result = {"what": what, "count": count, "file": out.name}
    if what == "members":
        result["masked"] = workbooks.masked_columns(organisation=job.organisation, user=job.created_by)
    return result
