"""A score sheet and a letter inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.targets.models import Letter, ScoreSheet
from vanguard.targets.tests import factories


def sibling_objects(city) -> dict:
    sheet = factories.sheet(city.secretary_b, city.district_b, name="乙区双百分")
    [letter] = factories.letters(city.secretary_b, city.district_b, [city.branch_b], sheet_=sheet)
    return {ScoreSheet: sheet, Letter: letter}
