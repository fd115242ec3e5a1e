"""Rectification jobs, run by vanguard.core.jobs: the daily escalation of overdue items (and remedies)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.core import jobs
from vanguard.core.models import Job

ESCALATE = "rectification.escalate"


@jobs.register(ESCALATE, title=gettext_lazy("Escalate overdue rectification items"))
def escalate_job(job: Job, progress) -> dict:
    """Params: {"as_of": "YYYY-MM-DD"} optionally. Result: {"items": n, "remedies": n, "message": str}."""
    from vanguard.rectification.services import items, remedies

    as_of = (job.params or {}).get("as_of")
    try:
        today = datetime.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise jobs.JobFailed(_("The date of this job is not valid.")) from None
    counted = {"items": items.escalate_overdue(today=today), "remedies": remedies.escalate_overdue(today=today)}
    counted["message"] = _("%(items)d overdue items and %(remedies)d overdue remedies escalated.") % counted
    return counted
