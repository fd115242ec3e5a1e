"""The sheets job's result page asks whether its PDF is still there for this user, and until when."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def sheet_file(job, user) -> dict:
    from vanguard.ballots import tasks

    mine = getattr(user, "pk", None) is not None and job.created_by_id == user.pk
    return {"mine": mine, "expires": tasks.expires_at(job) if mine and tasks.file_of(job) else None}
