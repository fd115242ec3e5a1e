"""Template filters shared by every app."""

from decimal import Decimal

from django import template
from django.apps import apps

from vanguard.core import audit, jobs, money

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's display name, or a dash when the actor is unknown (e.g. deleted)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.filter
def plain(value):
    """A decimal as people write it, without trailing zeros: 2.50 → 2.5, 4.00 → 4 (credits, hours)."""
    if not isinstance(value, Decimal):
        return value
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter(name="yuan")
def yuan_filter(fen):
    """Whole fen as yuan: {{ fund.balance_fen|yuan }} → 12,345.67."""
    return money.yuan(fen) if isinstance(fen, int) else fen


@register.filter
def may_download(job, user) -> bool:
    """`{% if job|may_download:user %}`: offer a job's generated files only to whom core.jobs.may_download allows."""
    return jobs.may_download(user, job)


@register.filter
def audit_event(entry) -> str:
    """The declared label of an audit entry's event, in the reader's language."""
    return str(audit.event_label(entry.event))


@register.filter
def audit_changes(entry) -> list[tuple[str, str, str]]:
    """(field label, before, after) of an audit entry, choice values shown by their labels."""
    try:
        model = apps.get_model(entry.object_type) if entry.object_type else None
    except LookupError:
        model = None
    rows = []
    for name, pair in (entry.changes or {}).items():
        before, after = (list(pair) + ["", ""])[:2] if isinstance(pair, list | tuple) else ("", pair)
        label, choices = name, {}
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except LookupError:
                field = None
            if field is not None:
                label = str(field.verbose_name)
                choices = {str(k): str(v) for k, v in field.flatchoices} if field.choices else {}
        rows.append((label, choices.get(str(before), str(before or "")), choices.get(str(after), str(after or ""))))
    return rows
