"""Members in these tests were born in 1965 and joined at 25, so any date a test says they went away is after
they joined (the factory's random joining date can otherwise fall after it, which the services rightly refuse)."""

from __future__ import annotations

import datetime

import pytest

from vanguard.members.factories import MemberFactory

BORN = datetime.date(1965, 3, 1)


@pytest.fixture(autouse=True)
def long_standing_members(monkeypatch):
    drawn = MemberFactory._fields.__func__

    def fields(cls, overrides: dict) -> dict:
        return drawn(cls, overrides if "birth_date" in overrides else {**overrides, "birth_date": BORN})

    monkeypatch.setattr(MemberFactory, "_fields", classmethod(fields))
