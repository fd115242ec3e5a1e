"""Suggesting the organisation responsible for a problem from how similar problems were routed before.

A text classifier per subtree: every problem of `problem.org_path`'s subtree that was forwarded is one
example, its title, summary and opinions' text (through `text.tokens`: one script, jieba's words) the
input and the organisation it went to the label. TF-IDF and a multinomial logistic regression, whose
predicted probability is the confidence shown to staff (it is a probability over the organisations seen
before, not a promise: staff decide). With too little history, or a single organisation ever chosen,
the suggestion is the most frequent receiver, with its share as confidence.

Fitting takes from milliseconds to a few seconds, so the fitted model is kept per subtree root, keyed
by how many problems were forwarded, the newest of them and the last forwarding: any new forwarding
(or one sent back and forwarded elsewhere) makes a new key, and a page that opens problems in a row
fits once.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from vanguard.core import tree
from vanguard.opinions import text as textmod
from vanguard.opinions.models import Opinion, Problem

# Below this many forwarded problems a classifier learns noise: suggest by frequency.
MIN_HISTORY = 6
# Text of a problem used for learning: its title and summary, then its opinions up to this length.
MAX_TEXT = 4000
CACHE_SIZE = 32


@dataclass(frozen=True)
class Suggestion:
    organisation_id: int
    confidence: float  # 0..1


class Model:
    """Ranks receivers for a text: a classifier, or the frequencies when there is too little to learn."""

    def __init__(self, texts: Sequence[str], labels: Sequence[int]):
        counts = Counter(labels)
        total = sum(counts.values()) or 1
        # ties broken by id so the order never depends on the history's order
        self.frequent = [(label, n / total) for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        self.classifier = None
        if len(counts) >= 2 and len(labels) >= MIN_HISTORY:
            self.vectoriser = TfidfVectorizer(analyzer=textmod.tokens, sublinear_tf=True)
            features = self.vectoriser.fit_transform(texts)
            if features.shape[1]:
                self.classifier = LogisticRegression(C=10.0, max_iter=2000).fit(features, list(labels))

    def rank(self, text: str, limit: int) -> list[tuple[int, float]]:
        if self.classifier is None:
            return self.frequent[:limit]
        probabilities = self.classifier.predict_proba(self.vectoriser.transform([text]))[0]
        order = np.lexsort((self.classifier.classes_, -probabilities))[:limit]
        return [(int(self.classifier.classes_[i]), float(probabilities[i])) for i in order]


def train(texts: Sequence[str], labels: Sequence[int]) -> Model:
    """A model from examples (the benchmark trains on the labelled set with this, the pages on the history)."""
    return Model(texts, labels)


_cache: OrderedDict[tuple, Model] = OrderedDict()
_lock = threading.Lock()


def _problem_texts(problems: list[dict]) -> list[str]:
    texts = {p["pk"]: [p["title"], p["summary"]] for p in problems}
    lengths = {pk: sum(len(t) for t in parts) for pk, parts in texts.items()}
    rows = Opinion.objects.filter(problem__in=list(texts)).order_by("problem", "pk").values_list("problem", "text")
    for problem_id, opinion_text in rows.iterator(chunk_size=2000):
        if lengths[problem_id] < MAX_TEXT:
            texts[problem_id].append(opinion_text)
            lengths[problem_id] += len(opinion_text)
    return ["\n".join(parts)[:MAX_TEXT] for parts in texts.values()]


def model_for(root_path: str) -> Model:
    """The fitted model of the subtree at `root_path`, from the cache while its history is unchanged."""
    forwarded = Problem.objects.filter(tree.subtree_q("org_path", root_path), responsible__isnull=False)
    state = forwarded.aggregate(n=Count("pk"), newest=Max("pk"), last=Max("forwarded_at"))
    key = (root_path, state["n"], state["newest"], state["last"])
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    problems = list(forwarded.order_by("pk").values("pk", "title", "summary", "responsible"))
    model = train(_problem_texts(problems), [p["responsible"] for p in problems])
    with _lock:
        for old in [k for k in _cache if k[0] == root_path]:  # an older history of this subtree is never asked again
            del _cache[old]
        _cache[key] = model
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def suggest(problem: Problem, *, limit: int = 3) -> list[Suggestion]:
    """Up to `limit` organisations, best first, learnt from forwarded problems of `problem.org_path`'s subtree."""
    model = model_for(problem.org_path)
    if model.classifier is None and problem.responsible_id is not None:
        # the frequencies include this problem's own forwarding: leave it out, as the classifier's text does not
        history = Problem.objects.filter(tree.subtree_q("org_path", problem.org_path), responsible__isnull=False)
        rows = (
            history.exclude(pk=problem.pk).values("responsible").annotate(n=Count("pk")).order_by("-n", "responsible")
        )
        total = sum(r["n"] for r in rows) or 1
        return [Suggestion(r["responsible"], r["n"] / total) for r in rows[:limit]]
    parts = [problem.title, problem.summary]
    if problem.pk:
        parts += list(problem.opinions.order_by("pk").values_list("text", flat=True)[:50])
    text = "\n".join(p for p in parts if p)[:MAX_TEXT]
    return [Suggestion(organisation, confidence) for organisation, confidence in model.rank(text, limit)]
