"""`selectors.progress` (read from the tallies) agrees with a naive recount of units and their records in Python,
after random sequences of recordings and phase decisions, on random days: the check of the overdue arithmetic."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError

from conftest import make_user
from vanguard.campaigns import selectors, services
from vanguard.campaigns.models import Step, StepRecord, Unit, UnitState
from vanguard.campaigns.tests.test_services import new_campaign, template  # noqa: F401  (fixture)
from vanguard.core import tree


def naive(campaign, organisation, today: datetime.date) -> dict:
    """The figures of `organisation`'s subtree, unit by unit, from the rows themselves."""
    windows = selectors.windows_of(campaign)
    by_batch = defaultdict(list)
    for (batch_id, phase_id), window in windows.items():
        by_batch[batch_id].append((window.starts_on, phase_id))
    position = {}  # (batch, phase) -> phases before it in the batch
    for batch_id, items in by_batch.items():
        for i, (_start, phase_id) in enumerate(sorted(items)):
            position[(batch_id, phase_id)] = i
    starts = {batch_id: min(items)[0] for batch_id, items in by_batch.items()}
    steps = list(Step.objects.filter(phase__campaign=campaign, required=True))
    recorded = set(StepRecord.objects.filter(unit__campaign=campaign).values_list("unit_id", "step_id"))
    out = defaultdict(int)
    out["by_phase"] = defaultdict(int)
    for unit in Unit.objects.filter(campaign=campaign).filter(tree.subtree_q("org_path", organisation.path)):
        out["units"] += 1
        passed = position.get((unit.batch_id, unit.phase_id), 0)
        if unit.state == UnitState.FINISHED:
            out["finished"] += 1
            out["accepted"] += passed + 1
            continue
        out["accepted"] += passed
        if starts[unit.batch_id] > today:
            out["not_started"] += 1
        else:
            out["by_phase"][unit.phase_id] += 1
        out["awaiting"] += unit.state == UnitState.AWAITING
        out["returned"] += unit.state == UnitState.RETURNED
        for step in steps:
            if step.phase_id != unit.phase_id or unit.unit_class not in step.unit_classes:
                continue
            out["required_total"] += 1
            done = (unit.pk, step.pk) in recorded
            out["required_done"] += done
            window = windows.get((unit.batch_id, step.phase_id))
            if not done and window is not None and selectors.due_from(window, step) < today:
                out["overdue"] += 1
    out["by_phase"] = dict(out["by_phase"])
    return dict(out)


def figures(f: selectors.Figures) -> dict:
    keys = ("units", "finished", "accepted", "not_started", "awaiting", "returned", "required_total", "required_done")
    out = {key: getattr(f, key) for key in keys + ("overdue",) if getattr(f, key)}
    by_phase = {k: v for k, v in f.by_phase.items() if v}
    if by_phase:
        out["by_phase"] = by_phase
    return out


def operate(rng: random.Random, campaign, actor) -> None:
    """One random thing a unit or its acceptor does; a refused one changes nothing (services are atomic)."""
    unit = rng.choice(list(Unit.objects.filter(campaign=campaign).select_related("campaign", "phase", "batch")))
    choice = rng.random()
    try:
        if unit.state == UnitState.AWAITING:
            accept = choice < 0.7
            services.decide_acceptance(unit=unit, actor=actor, accept=accept, reasons="" if accept else "不全")
        elif choice < 0.25:
            services.ask_acceptance(unit=unit, actor=actor)
        elif choice < 0.4:
            services.complete_phase(unit=unit, actor=actor)
        else:
            step = rng.choice(list(unit.phase.steps.all()))
            services.record_step(unit=unit, step=step, actor=actor)
    except ValidationError:
        pass


@pytest.mark.parametrize("seed", range(4))
def test_progress_agrees_with_a_naive_recount(city, template, today, seed):  # noqa: F811
    rng = random.Random(seed)
    # Started between today and 250 days ago: batch two (180 days later) has begun in some runs, not in others.
    campaign = new_campaign(city, template, today - datetime.timedelta(days=rng.randrange(0, 250)))
    services.launch(campaign=campaign, actor=city.office)
    actor = make_user("root", is_superuser=True)
    days = [campaign.starts_on + datetime.timedelta(days=d) for d in (-1, 0, 6, 7, 30, 44, 45, 60, 80, 181, 190, 400)]
    for round_ in range(6):
        for _ in range(25):
            operate(rng, campaign, actor)
        for day in [today, *rng.sample(days, 4)]:
            for organisation in (city.root, city.district_a, city.committee_a):
                progress = selectors.progress(campaign, organisation, today=day)
                assert figures(progress.total) == {k: v for k, v in naive(campaign, organisation, day).items() if v}, (
                    seed,
                    round_,
                    day,
                    organisation.name,
                )
                for child in progress.children:
                    expected = {k: v for k, v in naive(campaign, child.organisation, day).items() if v}
                    assert figures(child) == expected, (seed, round_, day, child.organisation.name)
