"""The shared template filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vanguard.core.templatetags.vanguard import plain


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("2.50"), "2.5"),
        (Decimal("4.00"), "4"),
        (Decimal("100.00"), "100"),
        (Decimal("0.75"), "0.75"),
        (Decimal("0"), "0"),
        (Decimal("1E+2"), "100"),
        (7, 7),
        (None, None),
    ],
)
def test_plain_drops_trailing_zeros_only(value, shown):
    assert plain(value) == shown
