"""Rectification objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.rectification.models import (
    Case,
    Institution,
    ItemNote,
    RectificationItem,
    RectificationPlan,
    Registration,
    Remedy,
    RemedyNote,
)
from vanguard.rectification.tests.factories import make_case, make_institution, make_item, make_plan, make_remedy


def sibling_objects(city) -> dict:
    plan = make_plan(city.branch_b, title="乙一支部整改方案")
    item = make_item(plan, title="乙一支部的整改事项")
    note = ItemNote.objects.create(item=item, text="乙一支部的进展")
    case = make_case(city.member_b)
    registration = Registration.objects.create(
        member=city.member_b, organisation=city.branch_b, org_path=city.branch_b.path, year=case.year, case=case
    )
    from vanguard.rectification.events import REGISTER_OPENED
    from vanguard.rectification.workflows import REGISTRATION_SEAL

    REGISTRATION_SEAL.record(registration, event=REGISTER_OPENED, organisation=city.branch_b.pk)
    return {
        RectificationPlan: plan,
        RectificationItem: item,
        ItemNote: note,
        Institution: make_institution(city.branch_b, title="乙一支部的制度"),
        Case: case,
        Registration: registration,
        Remedy: (remedy := make_remedy(city.branch_b)),
        RemedyNote: RemedyNote.objects.create(remedy=remedy, text="乙一支部的整顿进展"),
    }
