"""Where other apps add to the member's own page (study/me/), so that study never names apps above it.

`register_own_sections(provider)`: `provider(request, member, campaign)` returns `OwnSection`s (or none) for the
member looking at their own page; `campaign` is the campaign the page shows, or None. Apps below study (appraisals,
rectification, commitments, exemplars) are asked through `vanguard.study.own_sections`, which registers them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass
class OwnSection:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50  # lower first: what is asked now comes before the record

    def render(self, request: HttpRequest) -> SafeString:
        return render_to_string(self.template, self.context, request=request)


Provider = Callable[[HttpRequest, Any, Any], Iterable[OwnSection]]
_providers: list[Provider] = []


def register_own_sections(provider: Provider) -> None:
    if provider not in _providers:  # ready() may run twice in some test set-ups
        _providers.append(provider)


def own_sections(request: HttpRequest, member, campaign) -> list[SafeString]:
    sections = [section for provider in list(_providers) for section in provider(request, member, campaign)]
    return [section.render(request) for section in sorted(sections, key=lambda s: s.order)]
