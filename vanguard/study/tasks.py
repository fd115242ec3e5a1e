"""Study's background job: every member's standing recomputed after the credit rules change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vanguard.campaigns.models import Campaign
from vanguard.core import jobs, tree
from vanguard.members.models import Member
from vanguard.study import credits


@jobs.register("study.recompute", title=_("Recompute study credits"))
def recompute(job, progress) -> dict:
    campaign = Campaign.objects.get(pk=job.params["campaign"])
    total = Member.objects.filter(tree.subtree_q("org_path", campaign.org_path)).count()
    progress(0, total, _("Recomputing"))
    written = credits.recompute(campaign=campaign, progress=lambda done: progress(min(done, total), total))
    progress(total, total, _("Done."))
    return {"message": str(_("%(n)d standings recomputed.") % {"n": written}), "standings": written}
