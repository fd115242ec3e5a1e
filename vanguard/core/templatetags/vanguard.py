"""Template filters shared by every app."""

from django import template

from vanguard.core import jobs

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's display name, or a dash when the actor is unknown (e.g. deleted)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.filter
def may_download(job, user) -> bool:
    """`{% if job|may_download:user %}`: offer a job's generated files only to whom core.jobs.may_download allows."""
    return jobs.may_download(user, job)
