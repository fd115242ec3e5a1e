"""Campaign rows built directly for tests: a campaign over an organisation's subtree with its units.

`make_campaign` writes Campaign, Phase, Batch, Window and Unit rows without the
launch service, so tests of supervision, notices and dashboards need not go
through batch assignment.  Every organisation of the subtree becomes a unit of
the one batch, in the first phase.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from vanguard.campaigns.models import (
    Acceptance,
    Batch,
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    Phase,
    Unit,
    UnitClass,
    Window,
)
from vanguard.core import tree
from vanguard.orgs.models import BRANCH_KINDS, Organisation

DEFINITION = {"key": "test", "name": "Test campaign", "description": "", "phases": [], "batches": []}
PHASES: Sequence[tuple[str, str, int]] = (
    ("study", Acceptance.SUPERVISION, 45),
    ("appraisal", Acceptance.PARENT, 30),
    ("rectification", Acceptance.NONE, 30),
)


def make_template(key: str = "test") -> CampaignTemplate:
    template, _ = CampaignTemplate.objects.get_or_create(
        key=key,
        defaults={"name": key, "definition": {**DEFINITION, "key": key}, "source": "", "digest": key},
    )
    return template


def make_campaign(
    organisation: Organisation,
    *,
    name: str = "先进性教育活动",
    status: str = CampaignStatus.RUNNING,
    is_pilot: bool = False,
    pilots: Iterable[Organisation] = (),
    starts_on: datetime.date | None = None,
    phases: Sequence[tuple[str, str, int]] = PHASES,
) -> Campaign:
    """A campaign over `organisation`'s subtree: one batch, `phases` in order, a unit per organisation."""
    starts_on = starts_on or datetime.date.today()
    campaign = Campaign.objects.create(
        template=make_template(),
        name=name,
        organisation=organisation,
        org_path=organisation.path,
        starts_on=starts_on,
        status=status,
        is_pilot=is_pilot,
        definition=DEFINITION,
    )
    made = [
        Phase.objects.create(campaign=campaign, key=key, name=key, order=order, days=days, acceptance=acceptance)
        for order, (key, acceptance, days) in enumerate(phases)
    ]
    batch = Batch.objects.create(
        campaign=campaign, key="only", name="only", order=0, starts_on=starts_on, is_default=True
    )
    day = starts_on
    for phase in made:
        Window.objects.create(
            batch=batch, phase=phase, starts_on=day, ends_on=day + datetime.timedelta(days=phase.days - 1)
        )
        day += datetime.timedelta(days=phase.days)
    pilot_pks = {org.pk for org in pilots}
    Unit.objects.bulk_create(
        Unit(
            campaign=campaign,
            organisation_id=pk,
            org_path=path,
            unit_class=UnitClass.BRANCH if kind in BRANCH_KINDS else UnitClass.COMMITTEE,
            batch=batch,
            is_pilot=pk in pilot_pks,
            phase=made[0],
        )
        for pk, path, kind in Organisation.objects.filter(tree.subtree_q("path", organisation.path)).values_list(
            "pk", "path", "kind"
        )
    )
    return campaign


def unit_of(campaign: Campaign, organisation: Organisation) -> Unit:
    return Unit.objects.get(campaign=campaign, organisation=organisation)
