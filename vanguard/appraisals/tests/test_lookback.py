"""回头看: a satisfaction question per unit; remedial work (整改补课) when most raters are dissatisfied."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from vanguard.appraisals import lookback
from vanguard.appraisals.campaign_rules import update_rules
from vanguard.appraisals.models import RemedialOrder
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Ballot, Constituency, Kind, Medium, QuestionKind, Satisfaction, Subject
from vanguard.campaigns.tests.factories import make_campaign, unit_of
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db

S, BS, D = Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED


@pytest.mark.parametrize(
    ("dissatisfied", "valid", "expected"),
    [(5, 10, False), (6, 10, True), (2, 4, False), (3, 5, True), (0, 0, False), (1, 1, True), (0, 3, False)],
)
def test_remedial_rule_at_the_boundary(dissatisfied, valid, expected):
    assert lookback.needs_remedial(dissatisfied, valid, remedial_share=Decimal("0.5")) is expected


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


def start(city, campaign, organisation=None, reach="children", actor=None, **kw):
    today = timezone.localdate()
    return lookback.start_lookback(
        organisation=organisation or city.committee_a,
        campaign=campaign,
        actor=actor or city.secretary_a,
        reach=reach,
        constituencies=kw.pop("constituencies", [Constituency.REPRESENTATIVES, Constituency.PUBLIC]),
        opens_on=today,
        closes_on=today + datetime.timedelta(days=5),
        **kw,
    )


def test_a_question_per_unit_reached(city, campaign):
    ballot = start(city, campaign)
    assert ballot.kind == Kind.LOOKBACK and ballot.campaign == campaign
    units = [unit_of(campaign, org) for org in (city.committee_a, city.branch_a, city.branch_a2)]
    assert [q["subject_id"] for q in ballot.questions] == [u.pk for u in units]
    assert all(q["kind"] == QuestionKind.SATISFACTION and q["subject"] == Subject.UNIT for q in ballot.questions)
    assert [q["label"] for q in start(city, campaign, reach="self").questions] == [city.committee_a.name]
    subtree = start(city, campaign, organisation=city.district_a, reach="subtree")
    assert len(subtree.questions) == 4  # the district, the committee, its two branches
    with pytest.raises(ValidationError) as refused:
        start(city, campaign, organisation=city.district_b, reach="self")
    assert refused.value.code == "forbidden"


def rate(ballot, papers: list[tuple[str, dict]], actor=None):
    """papers: (constituency, answers) pairs; opens, casts each on its own code, closes."""
    ballot = ballot_services.open_ballot(ballot=ballot, actor=actor)
    for constituency, answers in papers:
        [code] = ballot_services.issue_tokens(
            ballot=ballot, actor=actor, count=1, medium=Medium.KIOSK, constituency=constituency
        )
        ballot_services.cast(ballot=ballot, code=code, answers=answers)
    return ballot_services.close_ballot(ballot=ballot, actor=actor)


def test_remedial_work_when_most_raters_are_dissatisfied(city, campaign):
    ballot = start(city, campaign)
    key = {q["label"]: q["key"] for q in ballot.questions}
    committee, one, two = key[city.committee_a.name], key[city.branch_a.name], key[city.branch_a2.name]
    R, P = Constituency.REPRESENTATIVES, Constituency.PUBLIC
    papers = [
        # 甲一支部: 3 of 5 dissatisfied, across both constituencies together -> remedial.
        (R, {one: D, two: D, committee: S}),
        (P, {one: D, two: D, committee: BS}),
        (P, {one: D, two: S, committee: D}),
        (R, {one: S, two: S}),
        (R, {one: BS}),  # 甲二支部: exactly half of 4 -> not remedial; the committee: 1 of 3
    ]
    ballot = rate(ballot, papers, actor=city.secretary_a)
    order = RemedialOrder.objects.get()
    assert order.unit == unit_of(campaign, city.branch_a) and order.ballot == ballot
    assert order.dissatisfied_share == Decimal("0.6000") and order.org_path == city.branch_a.path
    assert order.ordered_on == timezone.localdate() and order.done_on is None
    assert AuditEntry.objects.filter(event="appraisals.remedial.ordered").count() == 1
    # Applying the rule again orders nothing twice.
    assert lookback.order_remedial_work(ballot=ballot, actor=None) == []
    assert RemedialOrder.objects.count() == 1


def test_the_campaigns_remedial_share_decides(city, campaign):
    update_rules(campaign=campaign, actor=city.office, values={"remedial_share": "0.3"})
    ballot = start(city, campaign, reach="self")
    [question] = ballot.questions
    rate(ballot, [(Constituency.REPRESENTATIVES, {question["key"]: v}) for v in (D, S, BS)])  # a third > 0.3
    assert RemedialOrder.objects.get().unit == unit_of(campaign, city.committee_a)


def test_the_unit_page_and_the_organisation_page_show_it(client, city, campaign):
    ballot = start(city, campaign, reach="self", organisation=city.branch_a, actor=city.branch_secretary_a)
    [question] = ballot.questions
    rate(ballot, [(Constituency.REPRESENTATIVES, {question["key"]: D})])
    assert client.login(username=city.branch_secretary_a.username, password=PASSWORD)
    org_page = client.get(reverse("orgs:detail", kwargs={"pk": city.branch_a.pk})).content.decode()
    assert 'data-testid="remedial-card"' in org_page and 'data-testid="lookback-start"' in org_page
    unit_page = client.get(reverse("campaigns:unit", kwargs={"pk": unit_of(campaign, city.branch_a).pk}))
    assert 'data-testid="remedial-marker"' in unit_page.content.decode()
    quiet = client.get(reverse("orgs:detail", kwargs={"pk": city.branch_a2.pk}))
    assert quiet.status_code == 404 or 'data-testid="remedial-card"' not in quiet.content.decode()
    detail = client.get(reverse("appraisals:lookback", kwargs={"pk": ballot.pk})).content.decode()
    assert 'data-remedial="1"' in detail
    listing = client.get(reverse("appraisals:lookback_list")).content.decode()
    assert city.branch_a.name in listing and ballot.title in listing


def test_start_page(client, city, campaign):
    assert client.login(username=city.secretary_a.username, password=PASSWORD)
    url = reverse("appraisals:lookback_start", kwargs={"pk": city.committee_a.pk})
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    data = {
        "campaign": campaign.pk,
        "reach": "children",
        "constituencies": [Constituency.REPRESENTATIVES],
        "title": "",
        "opens_on": today,
        "closes_on": today + datetime.timedelta(days=3),
    }
    response = client.post(url, data)
    ballot = Ballot.objects.get(kind=Kind.LOOKBACK)
    assert response.status_code == 302
    assert response["Location"] == reverse("appraisals:lookback", kwargs={"pk": ballot.pk})
    assert ballot.constituencies == [Constituency.REPRESENTATIVES] and len(ballot.questions) == 3
    # A campaign the organisation is no unit of is not offered, and not taken.
    other = make_campaign(city.district_b, name="乙区活动")
    refused = client.post(url, {**data, "campaign": other.pk})
    assert refused.status_code == 200 and Ballot.objects.filter(kind=Kind.LOOKBACK).count() == 1


def test_pages_outside_scope_are_404(client, city, campaign):
    ballot = start(city, campaign)
    assert client.login(username=city.secretary_b.username, password=PASSWORD)
    assert client.get(reverse("appraisals:lookback", kwargs={"pk": ballot.pk})).status_code == 404
    assert client.post(reverse("appraisals:lookback_decide", kwargs={"pk": ballot.pk})).status_code == 404
    assert client.get(reverse("appraisals:lookback_start", kwargs={"pk": city.committee_a.pk})).status_code == 404
    assert ballot.title not in client.get(reverse("appraisals:lookback_list")).content.decode()
    # A supervisor reads it and may not start one.
    assert client.login(username=city.supervisor_a.username, password=PASSWORD)
    assert client.get(reverse("appraisals:lookback", kwargs={"pk": ballot.pk})).status_code == 200
    assert client.get(reverse("appraisals:lookback_start", kwargs={"pk": city.committee_a.pk})).status_code == 404


def test_remedial_work_is_confirmed_by_the_holder_of_the_lookback(client, city, campaign):
    ballot = start(city, campaign, reach="children")  # held by the street committee
    key = next(q["key"] for q in ballot.questions if q["label"] == city.branch_a.name)
    rate(ballot, [(Constituency.REPRESENTATIVES, {key: D})])
    order = RemedialOrder.objects.get()
    url = reverse("appraisals:remedial_done", kwargs={"pk": order.pk})
    # The branch itself may not close its own order: refused with a message, nothing written.
    assert client.login(username=city.branch_secretary_a.username, password=PASSWORD)
    unit_url = reverse("campaigns:unit", kwargs={"pk": unit_of(campaign, city.branch_a).pk})
    refused = client.post(url)
    assert refused.status_code == 302 and refused["Location"] == unit_url  # the look-back is held above the branch
    assert reverse("appraisals:lookback", args=[ballot.pk]) not in client.get(unit_url).content.decode()
    order.refresh_from_db()
    assert order.done_on is None
    # Outside the scope: 404.
    assert client.login(username=city.secretary_b.username, password=PASSWORD)
    assert client.post(url).status_code == 404
    assert client.login(username=city.secretary_a.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("appraisals:lookback", args=[ballot.pk])
    order.refresh_from_db()
    assert order.done_on == timezone.localdate()
    assert AuditEntry.objects.filter(event="appraisals.remedial.done").count() == 1
    with pytest.raises(ValidationError) as refused:
        lookback.complete_remedial_work(order=order, actor=city.secretary_a)
    assert refused.value.code == "done"
    # Done work no longer marks the unit.
    assert client.login(username=city.branch_secretary_a.username, password=PASSWORD)
    unit_page = client.get(reverse("campaigns:unit", kwargs={"pk": unit_of(campaign, city.branch_a).pk}))
    assert 'data-testid="remedial-marker"' not in unit_page.content.decode()
