"""Study's background job: every member's standing recomputed after the credit rules change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vanguard.campaigns.models import Campaign
from vanguard.core import jobs
from vanguard.study import credits


@jobs.register("study.recompute", title=_("Recompute study credits"))
def recompute(job, progress) -> dict:
    campaign = Campaign.objects.get(pk=job.params["campaign"])
    progress(0, 1, _("Recomputing"))
    # One UPDATE of the standings from the counts they keep (a city in well under a job's lease: BENCHMARKS.md).
    written = credits.revalue(campaign=campaign)
    progress(1, 1, _("Done."))
    return {"message": str(_("%(n)d standings recomputed.") % {"n": written}), "standings": written}
