"""Where the apps above orgs plug into the organisation tree, so that orgs never imports them.

Dependencies point one way (STYLE.md): members, rosters and the campaign apps
build on orgs, never the reverse.  What orgs must know of them it learns from
what they register here in their `AppConfig.ready()`:

- `register_path_copy(Member, "org_path", recorded_as="members_moved")`: a model
  that copies its organisation's tree path.  Moving a subtree rewrites every
  registered copy with one set-based UPDATE, and the reorganisation records how
  many rows moved in the `Reorganisation` field named by `recorded_as`.
- `subtree_moved`: a signal sent inside the move's transaction once every path
  is rewritten, for whatever an app keeps per subtree (members' tallies).
- `register_subtree_figures("members_by_category", counts)`: counts over a
  whole subtree by code (`counts(organisation) -> {code: n}`), served with the
  organisation counts of the API.
- `register_page_sections(provider)`: parts of the organisation page, action
  buttons or cards of figures: `provider(request, organisation)` returns
  `PageSection`s.  A later app (campaigns, opinions) adds its progress to the
  page the same way.
- `register_own_organisations(query)`: organisations a user may see because
  they hold a record of their own there (a member their branch);
  `query(user) -> Q | None` over organisations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class PathCopy:
    model: type[models.Model]
    field: str
    recorded_as: str = ""


_path_copies: list[PathCopy] = []
_subtree_figures: dict[str, Callable[[Any], dict[str, int]]] = {}
_page_sections: list[Callable[[HttpRequest, Any], Iterable[PageSection]]] = []
_own_organisations: list[Callable[[Any], Q | None]] = []

# Sent by orgs.services.move_organisation with `organisation` (the moved node,
# already under its new parent), `old_path`, `new_path` and `new_parent`.
subtree_moved = Signal()


def register_path_copy(model: type[models.Model], field: str, *, recorded_as: str = "") -> None:
    """`model.field` holds a copy of its organisation's tree path and must follow moves of the subtree."""
    copy = PathCopy(model, field, recorded_as)
    if copy not in _path_copies:  # ready() may run twice in some test set-ups
        _path_copies.append(copy)


def path_copies() -> list[PathCopy]:
    return list(_path_copies)


def register_subtree_figures(name: str, counts: Callable[[Any], dict[str, int]]) -> None:
    """Counts over the subtree below an organisation, by code, under `name` in the API's counts."""
    _subtree_figures[name] = counts


def subtree_figure_names() -> list[str]:
    return list(_subtree_figures)


def subtree_figures(organisation) -> dict[str, dict[str, int]]:
    """Every registered set of subtree figures for `organisation`, by name."""
    return {name: counts(organisation) for name, counts in _subtree_figures.items()}


Place = Literal["actions", "figures"]


@dataclass(frozen=True)
class PageSection:
    """A part of the organisation page: `template` rendered with `context` (plus `organisation`) at `place`.

    `actions` go in the row of buttons at the top; `figures` are cards in the
    grid of the subtree's counts.
    """

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    place: Place = "figures"


def register_page_sections(provider: Callable[[HttpRequest, Any], Iterable[PageSection]]) -> None:
    if provider not in _page_sections:
        _page_sections.append(provider)


def page_sections(request: HttpRequest, organisation) -> dict[str, list[SafeString]]:
    """The registered sections of `organisation`'s page, rendered, by place, in registration order."""
    rendered: dict[str, list[SafeString]] = {"actions": [], "figures": []}
    for provider in _page_sections:
        for section in provider(request, organisation):
            context = {"organisation": organisation, **section.context}
            rendered[section.place].append(render_to_string(section.template, context, request=request))
    return rendered


def register_own_organisations(query: Callable[[Any], Q | None]) -> None:
    if query not in _own_organisations:
        _own_organisations.append(query)


def own_organisations_q(user) -> Q | None:
    """Organisations `user` may see through records of their own, or None when they hold none."""
    found = [q for q in (query(user) for query in _own_organisations) if q is not None]
    if not found:
        return None
    combined = found[0]
    for q in found[1:]:
        combined |= q
    return combined
