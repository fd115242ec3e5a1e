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
