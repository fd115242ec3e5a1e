"""Grouping proposals: duplicates collapse, clearly different topics separate, the same input gives the same output."""

from __future__ import annotations

import random

from vanguard.opinions import grouping

LIGHTS = [
    "小区路灯坏了，晚上很黑",
    "我們小區的路燈壞了，晚上很黑",
    "小区路灯坏了，晚上很黑！",
    "小区路灯不亮好几天了，晚上很黑",
]
HOSPITAL = ["社区医院看病排队太久", "社區醫院看病排隊時間太長", "社区医院看病排队要等两个小时"]
SCHOOL = ["学校门口放学时车辆拥堵严重", "放学的时候学校门口车辆拥堵", "學校門口放學時車輛擁堵嚴重"]


def items(texts, start=1):
    return [(start + i, t) for i, t in enumerate(texts)]


def as_sets(groups):
    return sorted(sorted(g.opinion_ids) for g in groups)


def test_clearly_different_topics_separate_and_each_stays_together():
    rows = items(LIGHTS + HOSPITAL + SCHOOL)
    groups = grouping.propose(rows)
    assert as_sets(groups) == [[1, 2, 3, 4], [5, 6, 7], [8, 9, 10]]
    lights = groups[0]  # the biggest first
    assert lights.opinion_ids == [1, 2, 3, 4]
    assert "路灯" in lights.keywords and len(lights.keywords) <= grouping.KEYWORDS
    assert "路" in lights.title and len(lights.title) <= grouping.TITLE_LENGTH


def test_duplicates_are_counted_exact_across_scripts_and_near():
    groups = grouping.propose(
        items(["小区路灯坏了，晚上很黑"] * 3 + ["小區路燈壞了，晚上很黑。"] + ["小区路灯坏了晚上很黑啊"])
    )
    assert len(groups) == 1
    # four copies of one text (one in Traditional) and one near copy: four repeat another
    assert groups[0].duplicates == 4


def test_output_does_not_depend_on_input_order_and_reports_progress():
    rows = items(LIGHTS + HOSPITAL + SCHOOL + ["？？？", "🙂"])
    calls = []
    first = grouping.propose(rows, progress=lambda done, total: calls.append((done, total)))
    shuffled = rows[:]
    random.Random(4).shuffle(shuffled)
    assert grouping.propose(shuffled) == first
    assert calls[0] == (0, len(rows)) and calls[-1] == (len(rows), len(rows))
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:], strict=False))
    # texts without words are groups of their own, not thrown into a topic
    assert [11] in as_sets(first) and [12] in as_sets(first)


def test_no_items_no_groups():
    assert grouping.propose([]) == []


def test_segmenting_on_two_processes_gives_what_one_gives(monkeypatch):
    import os
    import threading

    from vanguard.opinions import text

    texts = [text.normalise(t) for t in LIGHTS + HOSPITAL + SCHOOL] * 3
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    monkeypatch.setattr(grouping, "PARALLEL_MIN", 2)
    seen = []
    both = grouping._segment(texts, seen.append)
    assert forks == ([1] if threading.active_count() == 1 and (os.cpu_count() or 1) >= 2 else [])
    monkeypatch.setattr(grouping, "PARALLEL_MIN", 10**9)
    assert both == grouping._segment(texts, seen.append) == [text.tokens_of_normalised(t) for t in texts]
    assert seen and max(seen) == len(texts)
