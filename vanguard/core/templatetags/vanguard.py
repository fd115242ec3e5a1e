"""Template filters shared by every app."""

from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's display name, or a dash when the actor is unknown (e.g. deleted)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username
