"""Template filters for import reports, which are stored as JSON and worded when shown."""

from __future__ import annotations

from django import template

from vanguard.rosters.columns import MEMBER_COLUMN_SPECS, ORGANISATION_COLUMN_SPECS
from vanguard.rosters.services.report import word

register = template.Library()


@register.filter
def column_label(key: str, what: str = "members") -> str:
    """A column's label in the reader's language ('name' → 姓名); the key itself if it names no column."""
    specs = ORGANISATION_COLUMN_SPECS if what == "organisations" else MEMBER_COLUMN_SPECS
    return next((str(label) for k, label, *_rest in specs if k == key), key)


@register.filter
def problem_message(problem: dict) -> str:
    """A stored problem or warning in the reader's language (report.Problem.worded, on its JSON)."""
    code = problem.get("code")
    return word(code, problem.get("params")) if code else problem.get("message", "")
