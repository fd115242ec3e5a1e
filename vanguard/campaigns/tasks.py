"""Campaign jobs, run by vanguard.core.jobs: the printable progress export and the daily reminders."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns import dashboard, selectors, workbooks
from vanguard.campaigns.models import Campaign
from vanguard.core import jobs
from vanguard.core.models import Job
from vanguard.rosters import files


@jobs.register(
    "campaigns.progress_export",
    title=gettext_lazy("Export a campaign's progress"),
    result_template="campaigns/dashboard/_export_result.html",
)
def progress_export(job: Job, progress) -> dict:
    """The progress table of `job.organisation` and its children, as the creator may still see it."""
    campaign = Campaign.objects.filter(pk=job.params.get("campaign")).select_related("organisation").first()
    user = job.created_by
    if campaign is None or user is None or not dashboard.may_see(user, campaign, job.organisation):
        raise jobs.JobFailed(_("This campaign or organisation is no longer within your organisations."))
    progress(0, 1)
    today = timezone.localdate()
    figures = selectors.progress(campaign, job.organisation, today=today)
    out = files.output_path(job.pk, "progress")
    count = workbooks.write_progress(progress=figures, path=out, today=today)
    progress(1, 1)
    return {"file": out.name, "count": count, "campaign": campaign.pk}


@jobs.register("campaigns.reminders", title=gettext_lazy("Send reminders of overdue steps"))
def send_reminders_job(job: Job, progress) -> dict:
    from vanguard.campaigns.reminders import send_reminders

    progress(0, 1)
    count = send_reminders()
    progress(1, 1)
    return {"count": count}
