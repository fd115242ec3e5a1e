"""The figures of a subtree over a period, the orgs hook, and the evidence kinds computed from them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from vanguard.campaigns import services as campaign_services
from vanguard.campaigns.forms import evidence_forms
from vanguard.campaigns.models import Unit
from vanguard.campaigns.tests.factories import launched_with_evidence_step
from vanguard.exemplars import figures
from vanguard.exemplars.models import AudienceKind, ClassKind, Outcome
from vanguard.exemplars.tests import factories
from vanguard.members.factories import MemberFactory
from vanguard.orgs import selectors as org_selectors

TODAY = datetime.date.today()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def records(city):
    """District A: two examples (a member, an organisation), a group with two talks, a key-staff class of two and
    a skills class of three (two laid-off members, one re-employed; a person not on the roll). District B: one of
    each, which A's figures must never count."""
    laid_off = [MemberFactory(organisation=city.branch_a2, category="laid_off") for _ in range(2)]
    factories.example(city.member_a, selected_by=city.district_a, on=ago(40), publicised_on=ago(30))
    factories.example(organisation=city.branch_a2, selected_by=city.district_a, on=ago(5))
    group = factories.group(city.district_a, on=ago(60))
    factories.talk(group, city.member_a, at=city.branch_a, on=ago(50), size=80, kind=AudienceKind.VILLAGERS)
    factories.talk(group, city.member_a, at=city.district_a, on=ago(3), size=200, kind=AudienceKind.CADRES)
    key = factories.training_class(city.committee_a, on=ago(45), hours=24)
    factories.trainee(key, city.member_a, hours_attended=24, completed=True)
    factories.trainee(key, name="社区骨干", hours_attended=12)
    skills = factories.training_class(city.district_a, kind=ClassKind.SKILLS, on=ago(4), hours=40)
    factories.trainee(skills, laid_off[0], laid_off=True, outcome=Outcome.RE_EMPLOYED, outcome_on=ago(1))
    factories.trainee(skills, laid_off[1], laid_off=True, outcome=Outcome.NOT_YET, outcome_on=ago(1))
    factories.trainee(skills, name="居民 王某", laid_off=True, outcome=Outcome.RE_EMPLOYED, outcome_on=ago(1))
    factories.example(city.member_b, selected_by=city.district_b)
    other = factories.group(city.district_b)
    factories.talk(other, city.member_b, at=city.branch_b)
    factories.trainee(factories.training_class(city.district_b), city.member_b)
    return city


def test_the_district_counts_its_subtree(records):
    city = records
    f = figures.compute(organisation=city.district_a, user=city.secretary_a)
    assert f.examples == {"member": 1, "organisation": 1} and f.publicised == 1
    assert (f.groups, f.lecturers, f.talk_total, f.audience_total) == (1, 1, 2, 280)
    assert f.talks[AudienceKind.VILLAGERS] == 1 and f.audience[AudienceKind.CADRES] == 200
    key, skills = f.training[ClassKind.KEY_STAFF], f.training[ClassKind.SKILLS]
    assert (key.classes, key.trained, key.members, key.completed, key.hours) == (1, 2, 1, 1, 36.0)
    # Laid-off members trained and re-employed count members on the roll; the resident is among the trained.
    assert (skills.classes, skills.trained, skills.laid_off_members, skills.re_employed) == (1, 3, 2, 1)
    # By unit: what the district holds itself, then its committee (the branches' rows are under it).
    rows = {row.name: (row.examples, row.talks, row.audience, row.classes, row.trained) for row in f.children}
    assert rows == {"甲区委": (0, 1, 200, 1, 3), "甲街道党工委": (2, 1, 80, 1, 2)}


def test_a_period_and_a_smaller_subtree(records):
    city = records
    f = figures.compute(organisation=city.district_a, user=city.secretary_a, start=ago(10), end=TODAY)
    assert f.examples == {"member": 0, "organisation": 1} and f.groups == 0 and f.talk_total == 1
    assert f.training[ClassKind.KEY_STAFF].classes == 0 and f.training[ClassKind.SKILLS].trained == 3
    f = figures.compute(organisation=city.branch_a, user=city.branch_secretary_a)
    assert (f.example_total, f.talk_total, f.audience_total) == (1, 1, 80)
    assert sum(line.classes for line in f.training.values()) == 0  # the committee's class is not the branch's
    city_wide = figures.compute(organisation=city.root, user=None)
    assert city_wide.example_total == 3 and city_wide.training[ClassKind.KEY_STAFF].classes == 2


def test_refused_outside_the_users_scope(records):
    with pytest.raises(PermissionDenied):
        figures.compute(organisation=records.district_a, user=records.secretary_b)


def test_served_with_the_organisation_counts(records):
    counts = org_selectors.subtree_figures(records.district_a)["exemplars"]
    assert counts["examples_members"] == 1 and counts["talks"] == 2 and counts["audience"] == 280
    assert (counts["key_staff_classes"], counts["key_staff_trained"]) == (1, 2)
    assert (counts["skills_classes"], counts["laid_off_members_trained"], counts["re_employed"]) == (1, 2, 1)


KINDS = ["key_staff_training", "typical_examples"]


def test_evidence_kinds_refused_while_none_then_counted(city):
    campaign, step = launched_with_evidence_step(city, KINDS)
    unit = Unit.objects.select_related("campaign", "phase", "organisation").get(
        campaign=campaign, organisation=city.district_a
    )
    data = {f"e{i}-attach": "on" for i in range(len(KINDS))}
    forms = [form for _i, _spec, form in evidence_forms(step, unit, data)]
    assert [form.errors.as_data()["__all__"][0].code for form in forms if not form.is_valid()] == ["not_yet"] * 2

    training = factories.training_class(city.branch_a)
    factories.trainee(training, city.member_a, completed=True)
    factories.example(city.member_a)
    forms = [form for _i, _spec, form in evidence_forms(step, unit, data)]
    assert all(form.is_valid() for form in forms), [form.errors for form in forms]
    inputs = [campaign_services.EvidenceInput(i, {**form.cleaned_data, "classes": 99}) for i, form in enumerate(forms)]
    record = campaign_services.record_step(unit=unit, step=step, actor=city.secretary_a, evidence_inputs=inputs)
    stored = {e.kind: e.data for e in record.evidence.all()}
    assert stored["key_staff_training"] == {"classes": 1, "trained": 1, "completed": 1}
    assert stored["typical_examples"] == {"examples": 1, "publicised": 0, "talks": 0, "audience": 0}
