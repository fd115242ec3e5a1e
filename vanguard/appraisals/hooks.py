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


# --- links on the screening page ---------------------------------------------------------------------------------
#
# `register_entry_links(provider)`: `provider(request, screening, entries) -> {entry pk: html}` for the flagged
# entries shown on a screening's page (the rectification app links each to its remedy, or offers to open one).
# Until one is registered, the page says remedies are decided in rectification.

EntryLinks = Callable[[Any, Any, list], dict]

_entry_links: list[EntryLinks] = []


def register_entry_links(provider: EntryLinks) -> EntryLinks:
    if provider not in _entry_links:
        _entry_links.append(provider)
    return provider


def entry_links(request, screening, entries: list) -> dict:
    """{entry pk: [html, …]} from every registered provider, for the flagged ones of `entries` shown.

    Providers are asked even when none is flagged, so the page's queries stay the same whatever is flagged.
    """
    flagged = [entry for entry in entries if entry.flagged]
    found: dict = {}
    for provider in list(_entry_links):
        for pk, html in provider(request, screening, flagged).items():
            found.setdefault(pk, []).append(html)
    return found
