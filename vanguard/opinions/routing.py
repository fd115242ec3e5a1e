"""Suggesting the organisation responsible for a problem from how similar problems were routed before.

(Placeholder interface, replaced by the text classifier: the most frequent receiver in the subtree's history.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from vanguard.core import tree
from vanguard.opinions.models import Problem


@dataclass(frozen=True)
class Suggestion:
    organisation_id: int
    confidence: float  # 0..1


def suggest(problem: Problem, *, limit: int = 3) -> list[Suggestion]:
    """Up to `limit` organisations, best first, learnt from forwarded problems of `problem.org_path`'s subtree."""
    history = (
        Problem.objects.filter(tree.subtree_q("org_path", problem.org_path), responsible__isnull=False)
        .exclude(pk=problem.pk)
        .values("responsible")
        .annotate(n=Count("pk"))
        .order_by("-n", "responsible")
    )
    rows = list(history[:limit])
    total = sum(r["n"] for r in rows) or 1
    return [Suggestion(r["responsible"], r["n"] / total) for r in rows]
