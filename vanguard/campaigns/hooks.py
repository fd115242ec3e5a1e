"""Where apps above campaigns add to a campaign unit's page, so that campaigns never imports them.

`register_unit_sections(provider)`: `provider(request, unit)` returns
`orgs.hooks.PageSection`s (template and context; `unit` is added), shown on the
unit's page under its facts — appraisals shows the remedial work (整改补课)
a look-back rating ordered for the unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from vanguard.orgs.hooks import PageSection

_unit_sections: list[Callable[[HttpRequest, Any], Iterable[PageSection]]] = []


def register_unit_sections(provider: Callable[[HttpRequest, Any], Iterable[PageSection]]) -> None:
    if provider not in _unit_sections:  # ready() may run twice in some test set-ups
        _unit_sections.append(provider)


def unit_sections(request: HttpRequest, unit) -> list[SafeString]:
    """The registered sections of `unit`'s page, rendered, in registration order."""
    return [
        render_to_string(section.template, {"unit": unit, **section.context}, request=request)
        for provider in _unit_sections
        for section in provider(request, unit)
    ]
