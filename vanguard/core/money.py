"""Money kept in whole fen (分): exact on every database, summed and compared without floating point."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Whole fen shown as yuan with two decimals and thousands separators: 1234567 → "12,345.67"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"
