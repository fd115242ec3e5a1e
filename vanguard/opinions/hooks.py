"""Where apps above opinions add to a problem's page, so that opinions never imports them.

`register_problem_sections(provider)`: `provider(request, problem)` returns `orgs.hooks.PageSection`s
(template and context; `problem` is added), shown on the problem's page above its history —
rectification shows the items raised from the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from vanguard.orgs.hooks import PageSection

_problem_sections: list[Callable[[HttpRequest, Any], Iterable[PageSection]]] = []


def register_problem_sections(provider: Callable[[HttpRequest, Any], Iterable[PageSection]]) -> None:
    if provider not in _problem_sections:  # ready() may run twice in some test set-ups
        _problem_sections.append(provider)


def problem_sections(request: HttpRequest, problem) -> list[SafeString]:
    return [
        render_to_string(section.template, {"problem": problem, **section.context}, request=request)
        for provider in _problem_sections
        for section in provider(request, problem)
    ]
