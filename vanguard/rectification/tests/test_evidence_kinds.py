"""Rectification's evidence kinds, recorded through campaigns.services.record_step: counted, never typed."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.utils import timezone

from vanguard import campaigns
from vanguard.campaigns import evidence, services
from vanguard.campaigns.forms import evidence_forms
from vanguard.campaigns.models import Evidence, Unit
from vanguard.campaigns.tests.factories import launched_with_evidence_step
from vanguard.rectification import tallies
from vanguard.rectification.models import ItemStatus, PlanStatus, Timing
from vanguard.rectification.tests.factories import make_case, make_institution, make_item, make_plan

pytestmark = pytest.mark.django_db

KINDS = ["rectification_plan", "rectification_items", "institutions", "cases"]


@pytest.fixture
def running(city):
    campaign, _step = launched_with_evidence_step(city, KINDS, step_key="rectify")
    return campaign


def unit_and_step(campaign, organisation):
    unit = Unit.objects.select_related("campaign", "phase", "batch").get(campaign=campaign, organisation=organisation)
    return unit, campaign.phases.get(key="study").steps.get(key="rectify")


def forms_of(step, unit):
    data = {f"e{i}-attach": "on" for i in range(len(KINDS))}
    return [form for _i, _spec, form in evidence_forms(step, unit, data)]


def test_the_kinds_are_registered_and_the_xianjinxing_template_offers_them():
    assert set(KINDS) <= set(evidence.keys())
    for kind in KINDS:
        assert evidence.option_problems({"kind": kind}) == []
    offered = set()
    source = Path(campaigns.__file__).parent / "definitions" / "xianjinxing.yaml"
    definition = yaml.safe_load(source.read_text(encoding="utf-8"))
    phase = next(p for p in definition["phases"] if p["key"] == "rectification")
    for step in phase["steps"]:
        for spec in step.get("evidence", []):
            if spec["kind"] in KINDS:
                assert spec.get("optional") is True
                offered.add(spec["kind"])
    assert offered == set(KINDS)


def test_nothing_recorded_refuses_all_but_the_cases(running, city):
    unit, step = unit_and_step(running, city.district_a)
    plan_form, items_form, rules_form, cases_form = forms_of(step, unit)
    for form in (plan_form, items_form, rules_form):
        assert not form.is_valid()
        assert form.errors.as_data()["__all__"][0].code == "not_yet"
    assert cases_form.is_valid()  # no unqualified member is an answer too


def test_the_counts_are_stored_when_the_step_is_recorded(running, city):
    unit, step = unit_and_step(running, city.district_a)
    plan = make_plan(city.district_a, campaign=running, status=PlanStatus.PUBLISHED)
    for status, timing in ((ItemStatus.CLOSED, Timing.ON_TIME), (ItemStatus.OPEN, "")):
        tallies.item_added(make_item(plan, responsible=city.branch_a, status=status, timing=timing))
    tallies.item_added(
        make_item(plan, responsible=city.branch_a2, deadline=timezone.localdate() - datetime.timedelta(days=2))
    )
    make_institution(city.branch_a)
    make_institution(city.branch_b)  # district B's never count for A
    make_case(city.member_a)
    make_case(city.member_b)
    forms = forms_of(step, unit)
    assert all(form.is_valid() for form in forms), [form.errors for form in forms]
    # Forged figures do not get through: save counts again.
    inputs = [services.EvidenceInput(i, {**form.cleaned_data, "items": 99}) for i, form in enumerate(forms)]
    record = services.record_step(unit=unit, step=step, actor=city.secretary_a, evidence_inputs=inputs)
    stored = {e.kind: e.data for e in record.evidence.all()}
    assert stored["rectification_plan"] == {"plan": plan.pk, "title": plan.title, "published": True, "items": 3}
    assert stored["rectification_items"] == {"items": 3, "closed": 1, "overdue": 1, "on_time_rate": 100.0}
    assert stored["institutions"]["in_force"]["rule"] == 1
    assert (stored["cases"]["open"], stored["cases"]["closed"]) == (1, 0)
    described = evidence.get("rectification_items").describe(record.evidence.get(kind="rectification_items"))
    assert "3" in described and "100.0%" in described


def test_a_draft_plan_is_refused_at_save_too(running, city):
    unit, step = unit_and_step(running, city.district_a)
    plan = make_plan(city.district_a, campaign=running, status=PlanStatus.PUBLISHED)
    forms = forms_of(step, unit)
    assert forms[0].is_valid()
    plan.status = PlanStatus.DRAFT
    plan.save()
    with pytest.raises(ValidationError) as caught:
        services.record_step(
            unit=unit,
            step=step,
            actor=city.secretary_a,
            evidence_inputs=[services.EvidenceInput(0, forms[0].cleaned_data)],
        )
    assert caught.value.code == "not_yet"
    assert not Evidence.objects.exists()
