"""Opinion text: grouping and routing quality on the labelled set, and grouping 100,000 opinions (issue 18).

    .venv/bin/python bench/opinions_quality.py [--rows 100000] [--no-write]

Quality (vanguard/opinions/data/labelled.csv, synthetic: read its README):
* grouping.propose against the true groups (adjusted Rand index, homogeneity, completeness), beside
  (a) grouping exact duplicates only (same text.fingerprint) and (b) plain TF-IDF over jieba's words +
  k-means told the true number of groups;
* routing.train on a stratified 75% (one example per opinion), top-1 and top-3 accuracy on the other
  25%, beside always suggesting the most frequent departments.
Speed: grouping.propose over `--rows` opinions made by the same generator with another seed, in a child
process (so its peak resident memory is the grouping's, plus the interpreter and libraries, measured
before), wall and CPU time; with the quality of that run against its true groups.

Writes the section `opinions-text` of BENCHMARKS.md.
"""

# ruff: noqa: E501 (the Markdown rows of the report are one line each)

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECTION = "opinions-text"
LABELLED = ROOT / "vanguard" / "opinions" / "data" / "labelled.csv"
TARGET_SECONDS = 60.0
SPEED_SEED = 7


def _setup() -> None:
    import django

    # routing imports the models; no database is used, so the test settings need no secrets
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.test_settings")
    django.setup()


def scores(truth: list[str], predicted: list[int]) -> dict:
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    homogeneity, completeness, _ = homogeneity_completeness_v_measure(truth, predicted)
    return {
        "ari": adjusted_rand_score(truth, predicted),
        "homogeneity": homogeneity,
        "completeness": completeness,
        "groups": len(set(predicted)),
    }


def labels_of(groups, n: int) -> list[int]:
    labels = [0] * n
    for number, group in enumerate(groups):
        for opinion_id in group.opinion_ids:
            labels[opinion_id] = number
    return labels


def grouping_quality(rows: list[dict]) -> dict:
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    from vanguard.opinions import grouping, text

    truth = [r["group"] for r in rows]
    started = time.perf_counter()
    ours = labels_of(grouping.propose(list(enumerate(r["text"] for r in rows))), len(rows))
    ours_seconds = time.perf_counter() - started
    fingerprints: dict[str, int] = {}
    exact = [fingerprints.setdefault(text.fingerprint(r["text"]), len(fingerprints)) for r in rows]
    k = len(set(truth))
    features = TfidfVectorizer(analyzer=text.tokens).fit_transform([r["text"] for r in rows])
    kmeans = KMeans(n_clusters=k, random_state=0, n_init=10).fit_predict(features)
    return {
        "propose": {**scores(truth, ours), "seconds": ours_seconds},
        "exact": scores(truth, exact),
        "kmeans": scores(truth, [int(x) for x in np.asarray(kmeans)]),
        "true_groups": k,
    }


def routing_quality(rows: list[dict]) -> dict:
    from collections import Counter

    from sklearn.model_selection import train_test_split

    from vanguard.opinions import routing

    departments = sorted({r["department"] for r in rows})
    number = {d: i for i, d in enumerate(departments)}
    texts = [r["text"] for r in rows]
    labels = [number[r["department"]] for r in rows]
    train_x, test_x, train_y, test_y = train_test_split(texts, labels, test_size=0.25, random_state=0, stratify=labels)
    started = time.perf_counter()
    model = routing.train(train_x, train_y)
    fit_seconds = time.perf_counter() - started
    ranked = [[label for label, _ in model.rank(t, 3)] for t in test_x]
    frequent = [label for label, _ in Counter(train_y).most_common(3)]
    n = len(test_y)
    return {
        "departments": len(departments),
        "train": len(train_y),
        "test": n,
        "top1": sum(r[0] == y for r, y in zip(ranked, test_y, strict=True)) / n,
        "top3": sum(y in r for r, y in zip(ranked, test_y, strict=True)) / n,
        "frequent_top1": sum(y == frequent[0] for y in test_y) / n,
        "frequent_top3": sum(y in frequent for y in test_y) / n,
        "fit_seconds": fit_seconds,
    }


def speed_child(count: int) -> None:
    """Runs in a child process: generate, group, print the figures as JSON."""
    from vanguard.opinions import grouping, text
    from vanguard.opinions.data.make_labelled import generate

    rows = generate(count, SPEED_SEED)
    items = list(enumerate(r["text"] for r in rows))
    started = time.perf_counter()
    text.tokens("预热")  # jieba's dictionary, loaded once per worker process
    jieba_seconds = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu = time.process_time()
    started = time.perf_counter()
    groups = grouping.propose(items)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    figures = scores([r["group"] for r in rows], labels_of(groups, len(rows)))
    print(
        json.dumps(
            {
                "rows": count,
                "distinct": len({text.fingerprint(t) for _, t in items}),
                "wall": wall,
                "cpu": cpu,
                "jieba_seconds": jieba_seconds,
                "rss_before_mib": rss_before / 1024,
                "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                **figures,
            }
        )
    )


def speed(count: int) -> dict:
    from bench.report import load_average

    before = load_average()
    out = subprocess.run(
        [sys.executable, __file__, "--speed-child", str(count)], check=True, capture_output=True, text=True
    ).stdout
    return {**json.loads(out.strip().splitlines()[-1]), "load_before": before, "load_after": load_average()}


def render(grouping_figures: dict, routing_figures: dict, speed_figures: dict, command: str) -> str:
    from bench.report import _cpuinfo, _ram_gib

    cpu, cores = _cpuinfo()
    g, r, s = grouping_figures, routing_figures, speed_figures
    verdict = "met" if s["wall"] <= TARGET_SECONDS else "**not met**"

    def row(name, f):
        return f"| {name} | {f['groups']} | {f['ari']:.3f} | {f['homogeneity']:.3f} | {f['completeness']:.3f} |"

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""
## Opinion text: grouping and routing quality, grouping 100,000 opinions

Run {now} with `{command}` on {cpu}, {cores} logical cores, {_ram_gib() or 0:.1f} GiB
(a machine shared with other work: load average {s["load_before"]} before the speed run, {s["load_after"]} after).

**The labelled set is synthetic** (`vanguard/opinions/data/labelled.csv`, written by `make_labelled.py`: 70 topics
of 14 departments, ~27% Traditional script, ~12% exact or edited copies). Its vocabulary is small and its topics
cleaner than real intake, so these figures compare methods on one set; they do not predict scores on real
opinions. See `vanguard/opinions/data/README.md` for how it was made and its limits.

### Grouping ({len(rows_cache)} opinions, {g["true_groups"]} true groups)

| Method | Groups | Adjusted Rand | Homogeneity | Completeness |
|---|---:|---:|---:|---:|
{row("`grouping.propose` (number of groups from the data)", g["propose"])}
{row("(a) exact duplicates only (`text.fingerprint`)", g["exact"])}
{row(f"(b) TF-IDF over jieba words + k-means, told the true k = {g['true_groups']}", g["kmeans"])}

`propose`: `text.normalise` (OpenCC t2s, NFKC), exact duplicates collapsed and weighted, TF-IDF over jieba's words
(no HMM, stop words out), TruncatedSVD to 200 dimensions (3 power iterations), L2-normalised; MiniBatchKMeans over-segments into
`MAX_FINE_CLUSTERS` (500) small clusters when there are more than `DIRECT_MAX` (3,000) distinct texts, and AgglomerativeClustering
(average linkage, cosine, `MERGE_DISTANCE` = 0.85) merges them, so the number of groups comes from the data and
the step stays linear in the number of texts (agglomerative clustering alone needs the n² distance matrix, ~80 GB
at 100,000). Near-duplicates (character 2–3-gram cosine ≥ 0.9) are counted within each small cluster.
`MERGE_DISTANCE` was chosen on a set generated with another seed (99), not on this file. It favours homogeneous
groups (merging two proposals is one action for staff; splitting one means reading it): it proposes more groups
than there are topics. Baseline (b) is given the true number of groups, which `propose` is not.

### Routing suggestion (held-out 25%: {r["test"]} of {r["train"] + r["test"]} opinions, {r["departments"]} departments)

| Method | Top-1 | Top-3 |
|---|---:|---:|
| `routing.train` (TF-IDF over jieba words + logistic regression), fitted in {r["fit_seconds"]:.1f} s | {r["top1"]:.1%} | {r["top3"]:.1%} |
| Always the most frequent departments of the training part | {r["frequent_top1"]:.1%} | {r["frequent_top3"]:.1%} |

Split stratified by department, `random_state=0`; one example per opinion (the pages learn from forwarded
problems: title, summary and their opinions' text). Edited copies may sit on both sides of the split, which
flatters the classifier a little. More than that, every topic here belongs to one department and is written from
four phrasings that recur in both parts, so a high score says the classifier learns phrasings and ignores the
openings, places and closings around them; on real history, where one kind of complaint goes to different units
and wording varies without end, expect far lower figures, and measure them from `Problem.suggested` against
`Problem.responsible` once staff forward real problems.

### Speed: grouping {s["rows"]:,} opinions (target ≤ {TARGET_SECONDS:.0f} s): {verdict}

| | |
|---|---:|
| Opinions (distinct after normalising) | {s["rows"]:,} ({s["distinct"]:,}) |
| `grouping.propose` wall time | {s["wall"]:.1f} s |
| CPU time of the process, all its threads (the forked child that segments half the texts not counted) | {s["cpu"]:.1f} s |
| Peak resident memory of the process (the forked child shares its pages until it writes) | {s["rss_peak_mib"]:.0f} MiB (of which {s["rss_before_mib"]:.0f} MiB before grouping: interpreter, Django-free imports, jieba's dictionary) |
| Loading jieba's dictionary (once per worker, not counted above) | {s["jieba_seconds"]:.1f} s |
| Groups proposed; adjusted Rand / homogeneity / completeness | {s["groups"]}; {s["ari"]:.3f} / {s["homogeneity"]:.3f} / {s["completeness"]:.3f} |

The {s["rows"]:,} opinions are made by the same generator with seed {SPEED_SEED} (new compositions of the same
phrasings), so they are as repetitive as the labelled set; real text has a larger vocabulary, which makes the
TF-IDF matrix wider but leaves SVD and clustering (fixed 200 dimensions) about as fast.
"""


rows_cache: list[dict] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--speed-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.speed_child:
        speed_child(args.speed_child)
        return
    _setup()
    with LABELLED.open(encoding="utf-8") as handle:
        rows_cache.extend(csv.DictReader(handle))
    grouping_figures = grouping_quality(rows_cache)
    print("grouping", json.dumps(grouping_figures), flush=True)
    routing_figures = routing_quality(rows_cache)
    print("routing", json.dumps(routing_figures), flush=True)
    speed_figures = speed(args.rows)
    print("speed", json.dumps(speed_figures), flush=True)
    command = ".venv/bin/python bench/opinions_quality.py" + (f" --rows {args.rows}" if args.rows != 100_000 else "")
    body = render(grouping_figures, routing_figures, speed_figures, command)
    if args.no_write:
        print(body)
    else:
        from bench.report import write_section

        write_section(ROOT / "BENCHMARKS.md", SECTION, body)


if __name__ == "__main__":
    main()
