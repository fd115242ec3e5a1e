"""Timing helpers: repeated runs summarised as median and p95, and per-query SQL timing of a page."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client


@dataclass
class Timings:
    """Milliseconds of repeated runs of one thing."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        # Nearest rank: with 20-odd samples this is the second-slowest, never an interpolation.
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def time_ms(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def compare(calls: list[Callable[[], object]], repeat: int, warmup: int) -> tuple[list[Timings], list[object]]:
    """Time equivalent calls in turn, rotating who goes first, so drifting load or cache state hits all alike.

    Returns the Timings of each call and the result of its last run, for the caller to check they agree.
    """
    for _ in range(warmup):
        for call in calls:
            call()
    samples: list[list[float]] = [[] for _ in calls]
    results: list[object] = [None] * len(calls)
    for i in range(repeat):
        for k in range(len(calls)):
            which = (i + k) % len(calls)
            elapsed, results[which] = time_ms(calls[which])
            samples[which].append(elapsed)
    return [Timings(s) for s in samples], results


@dataclass
class PageRun:
    wall_ms: float
    queries: list[tuple[str, float]] = field(default_factory=list)  # (sql, ms) in the order issued

    @property
    def sql_ms(self) -> float:
        return sum(ms for _, ms in self.queries)


def render_page(client: Client, url: str) -> PageRun:
    """GET `url` once, timing every SQL statement the request issues (session, user and the view's own)."""
    run = PageRun(wall_ms=0.0)

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            run.queries.append((sql, (time.perf_counter() - start) * 1000))

    start = time.perf_counter()
    with connection.execute_wrapper(timed):
        response = client.get(url)
    run.wall_ms = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")
    return run


@dataclass
class PageTimings:
    runs: list[PageRun]

    @property
    def sql(self) -> Timings:
        return Timings([run.sql_ms for run in self.runs])

    @property
    def wall(self) -> Timings:
        return Timings([run.wall_ms for run in self.runs])

    @property
    def query_count(self) -> int:
        return len(self.runs[-1].queries)

    def per_query_median(self) -> list[tuple[str, float]]:
        """Each statement of the page with its median time over the runs (statements are the same every run)."""
        count = self.query_count
        runs = [run for run in self.runs if len(run.queries) == count]
        return [(runs[0].queries[i][0], statistics.median(run.queries[i][1] for run in runs)) for i in range(count)]


def time_page(client: Client, url: str, repeat: int, warmup: int) -> PageTimings:
    for _ in range(warmup):
        render_page(client, url)
    return PageTimings([render_page(client, url) for _ in range(repeat)])


def allowed_host() -> str:
    """A host name the settings accept, for Django's test client (its default "testserver" is refused)."""
    from django.conf import settings

    return next((host for host in settings.ALLOWED_HOSTS if host != "*" and not host.startswith(".")), "localhost")
