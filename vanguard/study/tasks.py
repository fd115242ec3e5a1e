"""Study's background job: the campaign's figures recounted after its credit rules change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vanguard.campaigns.models import Campaign
from vanguard.core import jobs
from vanguard.study import tallies


@jobs.register("study.recount", title=_("Recount study figures"))
def recount(job, progress) -> dict:
    campaign = Campaign.objects.get(pk=job.params["campaign"])
    progress(0, 1, _("Recounting"))
    # Every standing of the campaign valued once under the new rules (a city in well under a job's lease:
    # BENCHMARKS.md, study-standings).
    rows = tallies.recount_credits(campaign)
    progress(1, 1, _("Done."))
    return {"message": str(_("Study figures recounted under the new rules.")), "tallies": rows}
