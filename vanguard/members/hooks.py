"""Where apps above members plug into the member list, so that members never names them.

- `member_changed`: a signal sent inside the transaction once a member moved to another organisation (a
  transfer's receipt) or their category changed; `member` is the saved row. Study recomputes the member's
  standings with it, so they count in the member's new branch and by their new category.

- `register_list_actions(provider)`: buttons above the member list's results, such as rosters' "export
  these results".  `provider(request, organisation, filters)` returns rendered HTML snippets (or none):
  `organisation` is the subtree the list shows (the one picked, else the user's one root), `filters` the
  list's other filters as plain strings.  Called only when the list shows rows under valid filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.safestring import SafeString

member_changed = Signal()

_list_actions: list[Callable[[HttpRequest, Any, dict[str, str]], Iterable[SafeString]]] = []


def register_list_actions(provider: Callable[[HttpRequest, Any, dict[str, str]], Iterable[SafeString]]) -> None:
    if provider not in _list_actions:  # ready() may run twice in some test set-ups
        _list_actions.append(provider)


def list_actions(request: HttpRequest, organisation, filters: dict[str, str]) -> list[SafeString]:
    """The registered actions for the list's current results, in registration order."""
    return [html for provider in _list_actions for html in provider(request, organisation, filters)]


# Sections of a member's page from apps above (rectification: the member's register lines and cases).
# `provider(request, member)` returns rendered HTML snippets; each decides itself who may see it.
_member_sections: list[Callable[[HttpRequest, Any], Iterable[SafeString]]] = []


def register_member_sections(provider: Callable[[HttpRequest, Any], Iterable[SafeString]]) -> None:
    if provider not in _member_sections:
        _member_sections.append(provider)


def member_sections(request: HttpRequest, member) -> list[SafeString]:
    return [html for provider in _member_sections for html in provider(request, member)]
