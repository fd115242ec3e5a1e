"""The opinions' evidence kinds, recorded through campaigns.services.record_step: counted, never typed."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from vanguard.campaigns import evidence, services
from vanguard.campaigns.forms import evidence_forms
from vanguard.campaigns.models import CampaignTemplate, Evidence, Unit, Window
from vanguard.campaigns.tests.test_services import DEFINITION
from vanguard.opinions.models import Opinion, ProblemStatus
from vanguard.opinions.tests.factories import opinions, problem_in_state

pytestmark = pytest.mark.django_db

EVIDENCE = [
    {"kind": "opinion_count", "minimum": 4},
    {"kind": "five_tables", "figure": "rectified", "within": "campaign", "optional": True},
]


@pytest.fixture
def running(city):
    definition = copy.deepcopy(DEFINITION)
    definition["phases"][0]["steps"].append(
        {"key": "collect", "name": "征求意见", "by": "unit", "required": False, "evidence": EVIDENCE}
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
    return services.launch(campaign=campaign, actor=city.office)


def unit_and_step(campaign, organisation):
    unit = Unit.objects.select_related("campaign", "phase", "batch").get(campaign=campaign, organisation=organisation)
    return unit, campaign.phases.get(key="study").steps.get(key="collect")


def filled(step, unit):
    pieces = evidence_forms(step, unit, {"e0-attach": "on", "e1-attach": "on"})
    return [(i, form) for i, _spec, form in pieces]


def test_the_kinds_are_registered_and_refuse_bad_options():
    assert {"opinion_count", "five_tables"} <= set(evidence.keys())
    assert evidence.option_problems({"kind": "opinion_count", "minimum": 3, "within": "phase"}) == []
    assert evidence.option_problems({"kind": "five_tables", "figure": "rated_satisfied", "within": "campaign"}) == []
    for bad in ({"minimum": -1}, {"minimum": "3"}, {"minimum": True}, {"minimum": 2.5}, {"within": "year"}):
        assert evidence.option_problems({"kind": "opinion_count", **bad}), bad
    for bad in ({"figure": "reply_rate"}, {"figure": "nothing"}, {"within": 3}):
        assert evidence.option_problems({"kind": "five_tables", **bad}), bad
    # An option of the other kind is unknown here.
    assert evidence.option_problems({"kind": "five_tables", "minimum": 3})[0][0] == "minimum"


def test_too_few_opinions_refuse_the_step(running, city):
    unit, step = unit_and_step(running, city.district_a)
    today = timezone.localdate()
    opinions(city.branch_a, ["一", "二", "三"], received_on=today)
    opinions(city.branch_b, ["乙", "乙", "乙"], received_on=today)  # district B's never count for A
    forms = filled(step, unit)
    assert not forms[0][1].is_valid()
    assert forms[0][1].errors.as_data()["__all__"][0].code == "too_few"
    # Nor can a caller get past the form with a figure of its own: save counts again.
    forged = {"within": "phase", "minimum": 4, "opinions": 99}
    with pytest.raises(ValidationError) as caught:
        services.record_step(
            unit=unit, step=step, actor=city.secretary_a, evidence_inputs=[services.EvidenceInput(0, forged)]
        )
    assert caught.value.code == "too_few"
    assert not Evidence.objects.exists()


def test_the_counts_are_stored_when_the_step_is_recorded(running, city):
    unit, step = unit_and_step(running, city.district_a)
    today = timezone.localdate()
    opinions(city.branch_a, ["一", "二"], received_on=today)
    problem = problem_in_state(city.branch_a, city.branch_a, ProblemStatus.RECTIFIED)
    Opinion.objects.filter(problem=problem).update(received_on=today)  # inside the campaign and its phase
    opinions(city.branch_a, ["太早"], received_on=running.starts_on - datetime.timedelta(days=1))  # before both
    forms = filled(step, unit)
    assert all(form.is_valid() for _i, form in forms), [form.errors for _i, form in forms]
    assert "4" in str(forms[0][1].fields["attach"].label)  # shown before it is recorded
    record = services.record_step(
        unit=unit,
        step=step,
        actor=city.secretary_a,
        evidence_inputs=[services.EvidenceInput(i, form.cleaned_data) for i, form in forms],
    )
    count, snapshot = record.evidence.order_by("pk")
    window = Window.objects.get(batch=unit.batch, phase=unit.phase)
    assert count.kind == "opinion_count"
    assert count.data["opinions"] == 4 and count.data["minimum"] == 4
    assert count.data["start"] == window.starts_on.isoformat() and count.data["end"] == window.ends_on.isoformat()
    assert count.data["by_channel"] == {"forum": 4}
    assert snapshot.kind == "five_tables" and snapshot.data["within"] == "campaign"
    assert snapshot.data["start"] == running.starts_on.isoformat()
    figures = snapshot.data["figures"]
    assert (figures["opinions"], figures["problems"], figures["forwarded"], figures["rectified"]) == (4, 1, 1, 1)
    assert figures["rated"] == 0 and figures["satisfaction_rate"] is None
    described = evidence.get("opinion_count").describe(count)
    assert described == gettext("%(n)s opinions collected (%(start)s – %(end)s)") % {
        "n": 4,
        "start": count.data["start"],
        "end": count.data["end"],
    }
    assert "1" in evidence.get("five_tables").describe(snapshot)


def test_a_figure_still_zero_refuses_the_snapshot(running, city):
    unit, step = unit_and_step(running, city.district_a)
    opinions(city.branch_a, ["一", "二", "三", "四"], received_on=timezone.localdate())
    count, snapshot = filled(step, unit)
    assert count[1].is_valid()
    assert not snapshot[1].is_valid() and snapshot[1].errors.as_data()["__all__"][0].code == "too_few"
