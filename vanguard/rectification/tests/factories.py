"""Rectification objects for tests, written as the services would leave them (cases sealed in the trail)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.opinions.models import Category
from vanguard.rectification.events import CASE_OPENED
from vanguard.rectification.models import (
    Case,
    Cause,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    RectificationItem,
    RectificationPlan,
    Remedy,
)
from vanguard.rectification.workflows import CASE_SEAL


def make_plan(organisation, *, campaign=None, member=None, title: str = "整改方案", **fields) -> RectificationPlan:
    campaign = campaign or make_campaign(organisation)
    return RectificationPlan.objects.create(
        campaign=campaign,
        organisation=organisation,
        org_path=organisation.path,
        member=member,
        title=title,
        **fields,
    )


def make_item(
    plan: RectificationPlan,
    *,
    title: str = "整改事项",
    category: str = Category.DEADLINE,
    responsible=None,
    deadline: datetime.date | None = None,
    **fields,
) -> RectificationItem:
    """An item as it stands in the table; tallies are not touched (tests of figures rebuild them)."""
    responsible = responsible or plan.organisation
    if deadline is None and category != Category.EXPLAIN:
        deadline = timezone.localdate() + datetime.timedelta(days=30)
    return RectificationItem.objects.create(
        plan=plan,
        org_path=plan.org_path,
        responsible=responsible,
        responsible_path=responsible.path,
        title=title,
        category=category,
        deadline=deadline,
        **fields,
    )


def make_case(member, *, reason: str = "民主评议为不合格", campaign=None, **fields) -> Case:
    """An opened case with its sealed entry, as services.cases.open_case leaves it."""
    case = Case.objects.create(
        member=member,
        organisation=member.organisation,
        org_path=member.org_path,
        campaign=campaign,
        year=timezone.localdate().year,
        opened_reason=reason,
        **fields,
    )
    CASE_SEAL.record(case, event=CASE_OPENED, organisation=case.organisation_id, data={"reason": reason})
    return case


def make_institution(
    organisation, *, title: str = "首问负责制", kind: str = InstitutionKind.RULE, in_force: bool = True, **fields
) -> Institution:
    values = {
        "rule": "群众来办事，第一个接待的人负责到底。",
        "procedure": "登记、办理、答复、回访。",
        "standard": "当场答复或三日内答复。",
        "measures": "每月检查一次，结果公示。",
        **fields,
    }
    if in_force:
        values.setdefault("status", InstitutionStatus.IN_FORCE)
        values.setdefault("effective_from", timezone.localdate() - datetime.timedelta(days=10))
    return Institution.objects.create(
        organisation=organisation, org_path=organisation.path, kind=kind, title=title, **values
    )


def make_remedy(organisation, *, cause: str = Cause.WEAK_LEADERSHIP, **fields) -> Remedy:
    fields.setdefault("deadline", timezone.localdate() + datetime.timedelta(days=90))
    return Remedy.objects.create(organisation=organisation, org_path=organisation.path, cause=cause, **fields)
