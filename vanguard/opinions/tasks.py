"""Opinions jobs, run by vanguard.core.jobs: proposing groups of an organisation's opinions.

The job only proposes: its result is the proposals, which staff review on a page and apply one by one
through services.group_opinions. Result format (the contract with that page):

    {"organisation": id, "count": n_opinions_read,
     "groups": [{"title": str, "keywords": [str], "opinions": [id, ...], "duplicates": n}, ...]}
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.core import jobs, tree
from vanguard.core.models import Job
from vanguard.opinions import grouping
from vanguard.opinions.models import Opinion

KIND = "opinions.grouping"


def _date(value) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise jobs.JobFailed(_("The date range of this job is not valid.")) from None


def opinions_to_group(organisation, params: dict):
    """(id, text) of the opinions of `organisation`'s subtree the job reads, as `params` filter them."""
    rows = Opinion.objects.filter(tree.subtree_q("org_path", organisation.path))
    if params.get("ungrouped_only", True):
        rows = rows.filter(problem__isnull=True)
    since, until = _date(params.get("date_from")), _date(params.get("date_to"))
    if since:
        rows = rows.filter(received_on__gte=since)
    if until:
        rows = rows.filter(received_on__lte=until)
    if params.get("campaign"):
        rows = rows.filter(campaign=params["campaign"])
    return rows.order_by("pk").values_list("pk", "text")


@jobs.register(KIND, title=gettext_lazy("Group opinions"))
def group_opinions_job(job: Job, progress) -> dict:
    organisation = job.organisation
    user = job.created_by
    if user is None or not jobs.may_start(user, organisation):
        raise jobs.JobFailed(_("This organisation is no longer within your organisations."))
    progress(0, 1, _("Grouping opinions"))
    items = list(opinions_to_group(organisation, job.params or {}).iterator(chunk_size=5000))
    groups = grouping.propose(items, progress=progress)
    return {
        "organisation": organisation.pk,
        "count": len(items),
        "groups": [
            {"title": g.title, "keywords": g.keywords, "opinions": g.opinion_ids, "duplicates": g.duplicates}
            for g in groups
        ],
    }


def start_grouping(
    *,
    organisation,
    actor,
    ungrouped_only: bool = True,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    campaign=None,
) -> Job:
    """Queue the grouping job of `organisation`'s subtree; only who may follow the job may start it."""
    if not jobs.may_start(actor, organisation):
        raise PermissionDenied
    params = {"organisation": organisation.pk, "ungrouped_only": bool(ungrouped_only)}
    if date_from:
        params["date_from"] = date_from.isoformat()
    if date_to:
        params["date_to"] = date_to.isoformat()
    if campaign is not None:
        params["campaign"] = getattr(campaign, "pk", campaign)
    return jobs.start(kind=KIND, params=params, user=actor, organisation=organisation)
