"""Object ids in URLs and query strings: whole numbers the database can hold.

Every primary key is a signed 64-bit integer (PostgreSQL bigint, SQLite
INTEGER). Django's `<int:…>` converter accepts any run of digits, and a number
past 2**63 - 1 reaches the database driver and fails there (OverflowError on
SQLite), so a typed-in URL became a server error. Every urls.py uses `<id:pk>`
from here instead, and the API's lookups and filters check with `parse_id`.
"""

from __future__ import annotations

from django.urls import register_converter

ID_MAX = 2**63 - 1


def parse_id(value: object) -> int:
    """The id written in `value` (decimal digits, 1 to ID_MAX); ValueError for anything else."""
    text = str(value)
    # isdecimal() would let Arabic-Indic or full-width digits through to int(); ids are ASCII.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(ID_MAX)):
        raise ValueError(f"not an id: {text!r}")
    number = int(text)
    if not 1 <= number <= ID_MAX:
        raise ValueError(f"not an id: {text!r}")
    return number


class IdConverter:
    """`<id:pk>`: an id the database could hold; anything else does not match, so the page is a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        return parse_id(value)  # a ValueError here makes Django try the next pattern, then 404

    def to_url(self, value: int | str) -> str:
        return str(parse_id(value))


register_converter(IdConverter, "id")
