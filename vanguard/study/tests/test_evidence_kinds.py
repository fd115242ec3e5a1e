"""Study's evidence kinds, recorded through campaigns.services.record_step: counted from the records, never typed."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vanguard.campaigns import evidence, services
from vanguard.campaigns.forms import evidence_forms
from vanguard.campaigns.models import Unit
from vanguard.campaigns.tests.factories import launched_with_evidence_step
from vanguard.meetings.models import MeetingKind
from vanguard.members.factories import MemberFactory
from vanguard.study import services as study_services
from vanguard.study.models import Activity

KINDS = ["study_sessions", "study_credits"]


@pytest.fixture
def running(city):
    return launched_with_evidence_step(city, KINDS)


def forms_for(step, unit):
    data = {f"e{i}-attach": "on" for i in range(len(KINDS))}
    return [form for _i, _spec, form in evidence_forms(step, unit, data)]


def test_refused_while_nothing_is_recorded(running, city):
    campaign, step = running
    unit = Unit.objects.select_related("campaign", "phase", "organisation").get(
        campaign=campaign, organisation=city.district_a
    )
    for form in forms_for(step, unit):
        assert not form.is_valid() and form.errors.as_data()["__all__"][0].code == "not_yet"


def test_counted_when_the_step_is_recorded(running, city):
    campaign, step = running
    phase = study_services.current_phase(campaign, city.branch_a)
    study_services.set_rules(
        campaign=campaign,
        actor=city.office,
        rules=[{"activity": Activity.STUDY, "credits": 2}],
        requirements=[{"phase": phase, "credits": 2}],
    )
    other = MemberFactory(organisation=city.branch_a, name="王丙")
    session = study_services.schedule_session(
        campaign=campaign,
        organisation=city.branch_a,
        actor=city.branch_secretary_a,
        kind=MeetingKind.STUDY,
        title="学习",
        held_on=timezone.localdate() - datetime.timedelta(days=0),
    )
    study_services.record_attendance(
        session=session, actor=city.branch_secretary_a, rows=[(city.member_a, True, ""), (other, False, "病假")]
    )
    unit = Unit.objects.select_related("campaign", "phase", "organisation").get(
        campaign=campaign, organisation=city.district_a
    )
    forms = forms_for(step, unit)
    assert all(form.is_valid() for form in forms), [form.errors for form in forms]
    inputs = [services.EvidenceInput(i, {**form.cleaned_data, "sessions": 99}) for i, form in enumerate(forms)]
    record = services.record_step(unit=unit, step=step, actor=city.secretary_a, evidence_inputs=inputs)
    stored = {e.kind: e.data for e in record.evidence.all()}
    assert stored["study_sessions"] == {"sessions": 1, "attendance_rate": 50.0}
    assert stored["study_credits"] == {"phase": phase.key, "members": 2, "complete": 1, "recorded": 2}
    line = evidence.get("study_credits").describe(record.evidence.get(kind="study_credits"))
    assert "1" in line and "2" in line
