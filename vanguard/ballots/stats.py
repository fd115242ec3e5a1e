"""Statistics of results: proportions with Wilson intervals; whether an interval can tell a rate from a threshold.

Written here rather than taken from statsmodels: the Wilson score interval is a
closed formula of a few lines, and statsmodels would bring scipy, pandas and
patsy to every server for it.  The tests check these figures against
statsmodels' `proportion_confint(method="wilson")` on the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The two-sided 95% normal quantile, as statsmodels computes it (scipy.stats.norm.isf(0.025)).
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """`hits` out of `total`, as a share with its 95% Wilson interval; shares are 0–1, `None` when total is 0."""

    hits: int
    total: int

    @property
    def share(self) -> float | None:
        return self.hits / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.hits, self.total)

    @property
    def percent(self) -> float | None:
        return None if self.share is None else 100 * self.share

    def straddles(self, threshold_percent: float) -> bool:
        """The interval contains the threshold: this sample cannot tell the rate from it."""
        interval = self.interval
        return interval is not None and interval[0] * 100 <= threshold_percent <= interval[1] * 100


def wilson(hits: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for hits/total, or None for no observations."""
    if total <= 0:
        return None
    if not 0 <= hits <= total:
        raise ValueError(f"{hits} hits out of {total}")
    p = hits / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    # At 0 or all hits the bound is exactly 0 or 1; the formula leaves rounding noise (5.6e-17) there.
    low = 0.0 if hits == 0 else max(0.0, centre - half)
    high = 1.0 if hits == total else min(1.0, centre + half)
    return low, high
