"""What apps built on meetings tell it (they sit above it in the layering, so meetings cannot import them)."""

from __future__ import annotations

from collections.abc import Callable

_kind_locks: list[Callable] = []


def register_kind_lock(reason: Callable) -> None:
    """`reason(meeting) -> str`: why the meeting's kind may not change ("" when it may), e.g. study's sessions,
    whose kind decides the credits their attendance earns."""
    if reason not in _kind_locks:
        _kind_locks.append(reason)


def kind_lock(meeting) -> str:
    for reason in _kind_locks:
        found = reason(meeting)
        if found:
            return found
    return ""
