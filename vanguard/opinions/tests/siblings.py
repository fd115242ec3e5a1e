"""Opinions objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from vanguard.opinions import services
from vanguard.opinions.models import (
    IntakePage,
    MonitoringBody,
    MonitoringLevel,
    Opinion,
    Problem,
    ProblemStatus,
    ProgressNote,
)
from vanguard.opinions.tests.factories import problem_in_state


def sibling_objects(city) -> dict:
    page = services.open_page(organisation=city.branch_b, actor=None, title="乙一支部意见箱")
    problem = problem_in_state(city.district_b, city.branch_b, ProblemStatus.REPLIED, texts=("乙区的意见",))
    opinion = problem.opinions.first()
    evidence = SimpleUploadedFile("乙区整改.txt", "乙区的整改".encode(), content_type="text/plain")
    note = services.add_progress(problem=problem, actor=None, text="乙区的整改", file=evidence)
    office = services.designate_body(organisation=city.district_b, actor=None, level=MonitoringLevel.OFFICE)
    return {
        MonitoringBody: office,
        IntakePage: page,
        Problem: problem,
        Opinion: opinion,
        ProgressNote: note,
    }
