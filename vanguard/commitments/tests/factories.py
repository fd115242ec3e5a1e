"""Commitments for tests, as the services would leave them."""

from __future__ import annotations

import datetime

from vanguard.commitments.models import Audience, Commitment, Status, Template, TemplateFor, Version

TEN = [f"第{n}项承诺" for n in range(1, 11)]


def make_template(campaign, *, name: str = "十项承诺", meant_for: str = TemplateFor.LEADERS, items=None) -> Template:
    return Template.objects.create(campaign=campaign, name=name, meant_for=meant_for, items=list(items or TEN))


def make_commitment(campaign, member, *, text: str = "带头学习", status: str = Status.DRAFT, **fields) -> Commitment:
    if status != Status.DRAFT:
        today = datetime.date.today()
        fields.setdefault("audience", Audience.PUBLIC)
        fields.setdefault("published_from", today)
        fields.setdefault("published_until", today + datetime.timedelta(days=30))
    commitment = Commitment.objects.create(
        campaign=campaign,
        member=member,
        organisation=member.organisation,
        org_path=member.org_path,
        text=text,
        status=status,
        **fields,
    )
    Version.objects.create(commitment=commitment, number=1, text=text)
    return commitment
