"""Where later apps plug into appraisals, so that appraisals never imports them.

- `register_unqualified_handler(fn)`: `fn(result, actor)` is called once for
  every peer-appraisal result of 不合格 (an `AppraisalResult`), in the
  transaction that records it.  The rectification app registers case opening
  here (DOMAIN §5.3); a handler that opens a case sets `result.case_opened`.
  Until one is registered, the results page lists the cases still to open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UnqualifiedHandler = Callable[[Any, Any], None]

_unqualified_handlers: list[UnqualifiedHandler] = []


def register_unqualified_handler(fn: UnqualifiedHandler) -> UnqualifiedHandler:
    if fn not in _unqualified_handlers:  # ready() may run twice in some test set-ups
        _unqualified_handlers.append(fn)
    return fn


def unregister_unqualified_handler(fn: UnqualifiedHandler) -> None:
    if fn in _unqualified_handlers:
        _unqualified_handlers.remove(fn)


def unqualified_handlers() -> list[UnqualifiedHandler]:
    return list(_unqualified_handlers)


def result_unqualified(result, actor) -> None:
    """Hand one 不合格 result to every registered handler, in registration order."""
    for handler in list(_unqualified_handlers):
        handler(result, actor)


# --- links beside rows of appraisals' pages -----------------------------------------------------------------------
#
# `provider(request, owner, rows) -> {row pk: html}`, asked for the rows a later app may act on. Providers are asked
# even when no row qualifies, so a page's queries stay the same whatever its rows hold.
#
# - `register_entry_links`: the flagged entries on a screening's page (owner: the screening). The rectification app
#   links each to its remedy, or offers to open one; until one is registered the page says remedies are decided in
#   rectification.
# - `register_result_links`: the 不合格 results on a peer appraisal's page (owner: the ballot). The rectification app
#   links each to its case, for those who may see cases.

RowLinks = Callable[[Any, Any, list], dict]


class RowLinkProviders:
    def __init__(self) -> None:
        self._providers: list[RowLinks] = []

    def register(self, provider: RowLinks) -> RowLinks:
        if provider not in self._providers:  # ready() may run twice in some test set-ups
            self._providers.append(provider)
        return provider

    def links(self, request, owner, rows: list) -> dict:
        """{row pk: [html, …]} from every registered provider."""
        found: dict = {}
        for provider in list(self._providers):
            for pk, html in provider(request, owner, rows).items():
                found.setdefault(pk, []).append(html)
        return found


_entry_links = RowLinkProviders()
_result_links = RowLinkProviders()


def register_entry_links(provider: RowLinks) -> RowLinks:
    return _entry_links.register(provider)


def entry_links(request, screening, entries: list) -> dict:
    """{entry pk: [html, …]} for the flagged ones of `entries` shown."""
    return _entry_links.links(request, screening, [entry for entry in entries if entry.flagged])


def register_result_links(provider: RowLinks) -> RowLinks:
    return _result_links.register(provider)


def result_links(request, ballot, results: list) -> dict:
    """{result pk: [html, …]} for the results shown (the view passes the 不合格 ones)."""
    return _result_links.links(request, ballot, results)
