"""Opinions objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.opinions import services
from vanguard.opinions.models import IntakePage, Opinion, Problem, ProblemStatus
from vanguard.opinions.tests.factories import problem_in_state


def sibling_objects(city) -> dict:
    page = services.open_page(organisation=city.branch_b, actor=None, title="乙一支部意见箱")
    problem = problem_in_state(city.district_b, city.branch_b, ProblemStatus.REPLIED, texts=("乙区的意见",))
    opinion = problem.opinions.first()
    return {
        IntakePage: page,
        Problem: problem,
        Opinion: opinion,
    }
