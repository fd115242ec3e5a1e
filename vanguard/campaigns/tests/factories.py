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


def launched_with_evidence_step(city, kinds: Sequence[str], *, step_key: str = "prove"):
    """The test definition launched over the city (one batch), its first phase ending with a step `step_key`
    that takes each of `kinds` as optional evidence: for testing later apps' evidence kinds through
    campaigns.services.record_step. Returns (campaign, step)."""
    import copy

    from django.utils import timezone

    from vanguard.campaigns import services
    from vanguard.campaigns.tests.test_services import DEFINITION as SERVICE_DEFINITION

    definition = copy.deepcopy(SERVICE_DEFINITION)
    first_phase = definition["phases"][0]
    first_phase["steps"].append(
        {
            "key": step_key,
            "name": step_key,
            "by": "unit",
            "required": False,
            "evidence": [{"kind": kind, "optional": True} for kind in kinds],
        }
    )
    template = CampaignTemplate.objects.create(key="t", name="t", definition=definition, source="", digest="x")
    campaign = services.create_campaign(
        template=template,
        organisation=city.root,
        name="先进性教育",
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        actor=city.office,
    )
    first = campaign.batches.get(key="first")
    services.assign_batches(campaign=campaign, overrides={city.root.pk: first.pk}, actor=city.office)
    campaign = services.launch(campaign=campaign, actor=city.office)
    return campaign, campaign.phases.get(key=first_phase["key"]).steps.get(key=step_key)
