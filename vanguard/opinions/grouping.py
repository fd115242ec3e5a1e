"""Proposing groups of opinions that are about the same thing (意见汇总): staff accept, split, merge or move them.

The steps, each a well-kept library's (jieba, scikit-learn, scipy), none hand-written:

1. `text.normalise` (one script, one width) and exact duplicates collapsed by fingerprint, so a
   complaint pasted a thousand times is segmented and clustered once, with weight 1000;
2. TF-IDF over jieba's words (sublinear, words in at least two texts), reduced by TruncatedSVD to a
   few hundred dense dimensions and L2-normalised, so Euclidean distance there is cosine distance;
3. clustering in two stages: MiniBatchKMeans over-segments into many small, tight clusters (linear in
   the number of texts, so 100 000 opinions fit in seconds), then AgglomerativeClustering (average
   linkage, cosine) merges those centroids until they are further apart than `MERGE_DISTANCE`. The
   number of groups thus comes from the data, not from a k given in advance; agglomerative clustering
   alone would need the n² distance matrix (80 GB for 100 000 texts);
4. inside each group, near-duplicates (character 2–3-gram cosine ≥ `NEAR_DUPLICATE`) are counted;
5. per group: keywords = the heaviest TF-IDF words of its centroid, title = its most central opinion.

Deterministic: input sorted by id, fixed random_state, no parallel reductions whose order varies.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from vanguard.opinions import text as textmod

# Cosine distance under which two over-segmented clusters are one topic (tuned on a held-apart seed of
# the synthetic labelled set, see BENCHMARKS.md "opinions-text"); lower splits more. 0.85 favours groups of
# one topic: merging two proposals is quicker for staff than splitting one.
MERGE_DISTANCE = 0.85
NEAR_DUPLICATE = 0.9
SVD_COMPONENTS = 200
# Power iterations of the randomised SVD: 3 instead of scikit-learn's 5 cost a third of the time, same groups
# within noise on the labelled set (BENCHMARKS.md "opinions-text").
SVD_ITERATIONS = 3
# How many small clusters k-means makes before merging: enough that no two topics share one.
MAX_FINE_CLUSTERS = 500
FINE_BATCH = 4096
# Up to this many distinct texts, agglomerative clustering runs on the texts themselves (n² distances: 72 MB).
DIRECT_MAX = 3000
# Below this many distinct texts a second process costs more than it saves.
PARALLEL_MIN = 20_000
KEYWORDS = 5
TITLE_LENGTH = 40
RANDOM_STATE = 0

Progress = Callable[[int, int], None]


@dataclass
class ProposedGroup:
    title: str
    keywords: list[str]
    opinion_ids: list[int]
    duplicates: int = 0  # opinions that repeat another of the group word for word or nearly
    _order: int = field(default=0, repr=False, compare=False)


def _noop(done: int, total: int) -> None:
    pass


def _title(raw: str) -> str:
    title = " ".join(raw.split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def _segment_range(texts: list[str], start: int, stop: int) -> list[list[str]]:
    return [textmod.tokens_of_normalised(t) for t in texts[start:stop]]


def _segment(texts: list[str], report: Callable[[int], None]) -> list[list[str]]:
    """jieba's words of every text; on two cores for big inputs, the second half in a forked child.

    Segmenting is the longest step (pure Python inside jieba, one core per process), so a forked child
    segments the second half and sends it back pickled through a pipe. Only a single-threaded process
    forks (a lock held by another thread at the fork would stay locked in the child for ever, see
    rosters.parallel); the child touches neither the database nor anything of the parent's, and leaves
    with os._exit. Anywhere else, one process does it all.
    """
    n = len(texts)
    if n < PARALLEL_MIN or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or threading.active_count() != 1:
        words = []
        step = max(1, n // 20)
        for start in range(0, n, step):
            words += _segment_range(texts, start, start + step)
            report(len(words))
        return words
    textmod.tokens_of_normalised("")  # load jieba's dictionary before the fork, once for both
    half = n // 2
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(_segment_range(texts, half, n), out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        words = []
        step = max(1, half // 10)
        for start in range(0, half, step):
            words += _segment_range(texts, start, min(half, start + step))
            report(len(words))
        with os.fdopen(read_end, "rb") as received:
            rest = pickle.load(received)
    finally:
        _, status = os.waitpid(pid, 0)
    if status != 0 or len(rest) != n - half:
        raise RuntimeError("segmenting in the child process failed")
    return words + rest


def _fine_then_merge(vectors: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group, block) labels for the rows of `vectors` (unit rows): k-means over-segments, agglomeration merges.

    The block is the small k-means cluster a row fell in (the group itself when there are few rows):
    near-duplicates are looked for within blocks, which keeps that step linear.
    """
    n = vectors.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int), np.zeros(1, dtype=int)
    fine_made = n > DIRECT_MAX
    if not fine_made:
        fine = np.arange(n)
        centroids = vectors
    else:
        kmeans = MiniBatchKMeans(
            n_clusters=MAX_FINE_CLUSTERS,
            random_state=RANDOM_STATE,
            batch_size=FINE_BATCH,
            n_init=1,
            max_no_improvement=5,
            init_size=3 * MAX_FINE_CLUSTERS,
        )
        fine = kmeans.fit_predict(vectors, sample_weight=weights)
        used = np.unique(fine)
        remap = np.full(MAX_FINE_CLUSTERS, -1)
        remap[used] = np.arange(len(used))
        fine = remap[fine]
        centroids = normalize(kmeans.cluster_centers_[used])
    merge = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=MERGE_DISTANCE
    )
    coarse = merge.fit_predict(centroids) if len(centroids) > 1 else np.zeros(1, dtype=int)
    groups = coarse[fine]
    return groups, (fine if fine_made else groups)


def _near_duplicates(texts: list[str], weights: np.ndarray) -> int:
    """How many opinions in this group repeat another (exact copies by weight, near copies by cosine)."""
    exact = int(weights.sum()) - len(texts)
    if len(texts) < 2:
        return exact
    hasher = HashingVectorizer(analyzer="char", ngram_range=(2, 3), n_features=2**18, alternate_sign=False)
    x = hasher.transform(texts)  # L2-normalised rows
    near = 0
    # Blocks of rows against the whole group keep memory at block × group, whatever the group's size.
    rows, cols = [], []
    for start in range(0, len(texts), 2000):
        sims = (x[start : start + 2000] @ x.T).tocoo()
        keep = sims.data >= NEAR_DUPLICATE
        rows.append(sims.row[keep] + start)
        cols.append(sims.col[keep])
    from scipy.sparse import coo_matrix

    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(len(texts), len(texts)))
    components, _ = connected_components(graph, directed=False)
    near = len(texts) - components
    return exact + near


def propose(items: Iterable[tuple[int, str]], *, progress: Progress | None = None) -> list[ProposedGroup]:
    """Groups of `items` ((id, text) pairs) about one topic each, the biggest first."""
    progress = progress or _noop
    items = sorted(items, key=lambda item: item[0])
    total = len(items)
    progress(0, total)
    if not items:
        return []

    # 1. one script, exact duplicates collapsed
    uniques: dict[str, int] = {}  # bare normalised text -> index among uniques
    unique_text: list[str] = []  # normalised
    unique_raw: list[str] = []
    members: list[list[int]] = []
    for opinion_id, raw in items:
        normal = textmod.normalise(raw)
        key = textmod.bare(normal) or normal  # "？？？" and "🙂" are both empty when bare, yet not one text
        index = uniques.get(key)
        if index is None:
            index = uniques[key] = len(unique_text)
            unique_text.append(normal)
            unique_raw.append(raw)
            members.append([])
        members[index].append(opinion_id)
    weights = np.array([len(m) for m in members], dtype=float)
    done = total // 10
    progress(done, total)

    # 2. words, TF-IDF, reduced
    words = _segment(unique_text, lambda i: progress(done + (total * 5 // 10) * i // len(unique_text), total))
    done = total * 6 // 10
    progress(done, total)

    labels = np.full(len(unique_text), -1)
    blocks = np.full(len(unique_text), -1)
    has_words = np.array([bool(w) for w in words])
    tfidf = None
    if has_words.sum() >= 1:
        worded = np.flatnonzero(has_words)
        vectoriser = TfidfVectorizer(
            analyzer=lambda ws: ws, sublinear_tf=True, min_df=2 if len(worded) >= 50 else 1, dtype=np.float32
        )
        try:
            tfidf = vectoriser.fit_transform([words[i] for i in worded])
        except ValueError:  # no word in two texts: fall back to every word
            vectoriser.set_params(min_df=1)
            tfidf = vectoriser.fit_transform([words[i] for i in worded])
        vocabulary = vectoriser.get_feature_names_out()
        components = min(SVD_COMPONENTS, tfidf.shape[1] - 1, len(worded) - 1)
        if components >= 2:
            dense = TruncatedSVD(
                n_components=components, n_iter=SVD_ITERATIONS, random_state=RANDOM_STATE
            ).fit_transform(tfidf)
        else:
            dense = tfidf.toarray()
        dense = normalize(dense)
        # rows with no known word (all of their words rare) stay apart rather than join a random cluster
        empty = np.asarray(tfidf.sum(axis=1)).ravel() == 0
        progress(total * 7 // 10, total)
        if (~empty).any():
            sub = np.flatnonzero(~empty)
            labels[worded[sub]], blocks[worded[sub]] = _fine_then_merge(dense[sub], weights[worded[sub]])
    progress(total * 9 // 10, total)

    # texts without words (only punctuation, emoji, stop words) are each a group of their own
    next_label = labels.max() + 1
    for i in np.flatnonzero(labels < 0):
        labels[i] = next_label
        next_label += 1

    groups: list[ProposedGroup] = []
    word_rows = {u: r for r, u in enumerate(np.flatnonzero(has_words))} if tfidf is not None else {}
    # rows of each label, in one sort rather than one scan of all rows per group
    by_label = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[by_label])) + 1
    for idx in np.split(by_label, bounds):
        ids = sorted(i for u in idx for i in members[u])
        rows = [word_rows[u] for u in idx if u in word_rows]
        keywords: list[str] = []
        central = idx[int(np.argmax(weights[idx]))]
        if rows:
            block = tfidf[rows]
            worded_idx = [u for u in idx if u in word_rows]
            # weighted by copies: a complaint sent a hundred times weighs on the keywords a hundred times
            centroid = np.asarray(block.T @ weights[worded_idx]).ravel()
            order = np.argsort(-centroid, kind="stable")[:KEYWORDS]
            keywords = [str(vocabulary[j]) for j in order if centroid[j] > 0]
            scores = np.asarray(block @ centroid).ravel()
            central = worded_idx[int(np.argmax(scores))]
        groups.append(
            ProposedGroup(
                title=_title(unique_raw[central]),
                keywords=keywords,
                opinion_ids=ids,
                duplicates=sum(
                    _near_duplicates(
                        [textmod.bare(unique_text[u]) for u in idx[blocks[idx] == b]], weights[idx[blocks[idx] == b]]
                    )
                    for b in np.unique(blocks[idx])
                ),
                _order=ids[0],
            )
        )
    groups.sort(key=lambda g: (-len(g.opinion_ids), g._order))
    progress(total, total)
    return groups
