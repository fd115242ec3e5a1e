"""The `ballot` evidence kind: only closed ballots of the unit's subtree in the campaign; figures counted, not typed."""

from __future__ import annotations

import pytest

from vanguard.ballots import evidence_kinds, services
from vanguard.ballots.tests.factories import ballot, codes, vote
from vanguard.campaigns.evidence import get
from vanguard.campaigns.models import Evidence
from vanguard.campaigns.tests.factories import make_campaign, unit_of

pytestmark = pytest.mark.django_db


def closed_ballot(organisation, campaign, answers, **fields):
    b = ballot(organisation, campaign=campaign, **fields)
    for code, answer in zip(codes(b, len(answers)), answers, strict=True):
        vote(b, code, q1=answer)
    services.close_ballot(ballot=b, actor=None)
    b.refresh_from_db()
    return b


def test_the_form_offers_only_closed_ballots_of_the_unit_in_the_campaign(city):
    campaign = make_campaign(city.root)
    other_campaign = make_campaign(city.root, name="另一次活动")
    unit = unit_of(campaign, city.district_a)
    mine = closed_ballot(city.committee_a, campaign, ["satisfied", "dissatisfied"])
    ballot(city.district_a, campaign=campaign, title="还在进行")  # open
    closed_ballot(city.district_b, campaign, ["satisfied"], title="乙区")  # elsewhere
    closed_ballot(city.district_a, other_campaign, ["satisfied"], title="别的活动")
    form = evidence_kinds.BallotEvidenceForm(unit=unit, options={})
    assert list(form.fields["ballot"].queryset) == [mine]


def test_saving_counts_the_ballot(city):
    campaign = make_campaign(city.root)
    unit = unit_of(campaign, city.district_a)
    b = closed_ballot(city.district_a, campaign, ["satisfied", "basically_satisfied", "dissatisfied", "dissatisfied"])
    form = evidence_kinds.BallotEvidenceForm({"ballot": b.pk}, unit=unit, options={"minimum_cast": 4})
    assert form.is_valid(), form.errors
    evidence = Evidence()
    evidence_kinds.save_ballot(evidence, form.cleaned_data, unit=unit, actor=None)
    assert evidence.object_id == b.pk
    assert evidence.data["cast"] == 4 and evidence.data["rate"] == 50.0
    assert "50.0" in get("ballot").describe(evidence)


def test_a_minimum_and_bad_options_are_refused(city):
    campaign = make_campaign(city.root)
    unit = unit_of(campaign, city.district_a)
    b = closed_ballot(city.district_a, campaign, ["satisfied"])
    form = evidence_kinds.BallotEvidenceForm({"ballot": b.pk}, unit=unit, options={"minimum_cast": 5})
    assert not form.is_valid()
    assert (
        evidence_kinds.check_ballot({"ballot_kind": "poll", "minimum_cast": -1})
        and len(evidence_kinds.check_ballot({"ballot_kind": "poll", "minimum_cast": -1})) == 2
    )
    assert evidence_kinds.check_ballot({"ballot_kind": "lookback", "minimum_cast": 3}) == []
