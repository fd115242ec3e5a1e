"""Chinese text helpers: Traditional and Simplified script are the same words (DOMAIN: 黨/党)."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    return _to_simplified().convert(text)


def to_traditional(text: str) -> str:
    return _to_traditional().convert(text)


def search_variants(text: str) -> list[str]:
    """The query as typed plus its Simplified and Traditional forms, without repeats."""
    text = text.strip()
    variants = [text, to_simplified(text), to_traditional(text)]
    return list(dict.fromkeys(v for v in variants if v))
