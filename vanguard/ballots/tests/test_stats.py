"""Wilson intervals against statsmodels' proportion_confint(method="wilson") on the same numbers (values kept here)."""

import pytest

from vanguard.ballots.stats import Proportion, wilson

# statsmodels 0.14: proportion_confint(hits, total, alpha=0.05, method="wilson"), rounded to 12 places.
STATSMODELS = [
    ((0, 10), (0.0, 0.277532799863)),
    ((10, 10), (0.722467200137, 1.0)),
    ((7, 10), (0.396778147461, 0.892208732594)),
    ((70, 100), (0.604151453667, 0.781051147051)),
    ((63, 90), (0.598734894752, 0.784890855023)),
    ((1, 1), (0.206549314377, 1.0)),
    ((5, 200), (0.010724719652, 0.057178340407)),
    ((512, 730), (0.667186825892, 0.733444668099)),
    ((7000, 10000), (0.690942913246, 0.708903487405)),
    ((35, 50), (0.562496495355, 0.808964464991)),
]


@pytest.mark.parametrize(("counts", "expected"), STATSMODELS)
def test_wilson_matches_statsmodels(counts, expected):
    low, high = wilson(*counts)
    assert low == pytest.approx(expected[0], abs=1e-9)
    assert high == pytest.approx(expected[1], abs=1e-9)


def test_no_observations_has_no_interval():
    assert wilson(0, 0) is None
    assert wilson(0, 25)[0] == 0.0 and wilson(25, 25)[1] == 1.0
    assert Proportion(0, 0).share is None
    assert not Proportion(0, 0).straddles(70)


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        wilson(11, 10)


def test_straddles_the_threshold():
    # 63 of 90 = 70% exactly, interval 59.9–78.5: cannot tell from 70.
    assert Proportion(63, 90).straddles(70)
    # 7000 of 10000: 69.1–70.9 still contains 70; 7200 of 10000 does not.
    assert Proportion(7000, 10000).straddles(70)
    assert not Proportion(7200, 10000).straddles(70)
    # 5 of 200 (2.5%) is clearly below 70.
    assert not Proportion(5, 200).straddles(70)
