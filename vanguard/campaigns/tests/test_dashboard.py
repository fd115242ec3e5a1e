"""The progress dashboard: numbers of a state built through the services, drill-down, scoping, charts' data."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.campaigns import services
from vanguard.campaigns.models import GroupMember, SupervisionGroup
from vanguard.campaigns.tests.test_services import new_campaign, record, template, unit_of  # noqa: F401  (fixture)


@pytest.fixture
def late(city, template, today):  # noqa: F811
    """Batch one began ten days ago: 动员大会 (due on day 7) is late wherever it is not recorded.

    district A: 甲一支部 did both study steps and was accepted (now in 分析评议), 甲二支部 recorded 动员大会;
    district B: 乙一支部 did both and asked, and was returned with reasons.
    """
    campaign = new_campaign(city, template, today - datetime.timedelta(days=10))
    first = campaign.batches.get(key="first")
    services.assign_batches(campaign=campaign, overrides={city.root.pk: first.pk}, actor=city.office)
    services.launch(campaign=campaign, actor=city.office)
    for key in ("mobilise", "branch-study"):
        record(unit_of(campaign, city.branch_a), key, city.branch_secretary_a)
        record(unit_of(campaign, city.branch_b), key, city.secretary_b)
    record(unit_of(campaign, city.branch_a2), "mobilise", city.secretary_a)
    services.ask_acceptance(unit=unit_of(campaign, city.branch_a), actor=city.branch_secretary_a)
    services.decide_acceptance(unit=unit_of(campaign, city.branch_a), actor=city.secretary_a, accept=True)
    services.ask_acceptance(unit=unit_of(campaign, city.branch_b), actor=city.secretary_b)
    services.decide_acceptance(unit=unit_of(campaign, city.branch_b), actor=city.office, accept=False, reasons="不全")
    return campaign


def cells(html: str, testid: str) -> dict[str, str]:
    """The cells of one table row, by their data-testid."""
    row = re.search(rf'<tr[^>]*data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert row, testid
    return {
        name: re.sub(r"<[^>]+>", "", value).strip()
        for name, value in re.findall(r'<td[^>]*data-testid="([^"]+)"[^>]*>(.*?)</td>', row.group(1), re.DOTALL)
    }


def page(client, campaign, organisation=None):
    url = reverse("campaigns:progress", args=[campaign.pk])
    return client.get(url, {"organisation": organisation.pk} if organisation else {})


def test_the_office_sees_each_district_and_the_whole(client, city, late):
    client.force_login(city.office)
    response = page(client, late)
    assert response.status_code == 200
    html = response.content.decode()
    # 甲区委's subtree: the district, 甲街道党工委 and 甲二支部 in 学习动员, 甲一支部 in 分析评议; one phase accepted;
    # required steps: 3 units x 2 in study + 1 in appraisal = 7, done 1 (甲二支部's 动员大会); late 动员大会: 2.
    assert cells(html, f"progress-row-{city.district_a.pk}") == {
        "units": "4", "phase-1": "3", "phase-2": "1", "phase-3": "0", "not-started": "0", "done-percent": "14.3",
        "overdue": "2", "awaiting": "0", "returned": "0", "accepted": "1", "finished": "0",
    }  # fmt: skip
    # 乙区委: the district late with 动员大会; 乙一支部 returned with both steps done.
    assert cells(html, f"progress-row-{city.district_b.pk}") == {
        "units": "2", "phase-1": "2", "phase-2": "0", "phase-3": "0", "not-started": "0", "done-percent": "50.0",
        "overdue": "1", "awaiting": "0", "returned": "1", "accepted": "0", "finished": "0",
    }  # fmt: skip
    total = cells(html, "progress-total")
    assert (total["units"], total["overdue"], total["phase-1"], total["returned"]) == ("7", "4", "6", "1")
    # Each district links to its own drill-down; the export is offered.
    assert f"?organisation={city.district_a.pk}" in html and 'data-testid="progress-export"' in html


def test_drill_down_to_the_branches_and_their_unit_pages(client, city, late):
    client.force_login(city.secretary_a)
    top = page(client, late)  # the district secretary starts at the district, not at the city
    assert top.context["organisation"] == city.district_a
    assert f"?organisation={city.committee_a.pk}" in top.content.decode()
    assert "乙区委" not in top.content.decode()
    response = page(client, late, city.committee_a)
    html = response.content.decode()
    assert response.status_code == 200
    for branch in (city.branch_a, city.branch_a2):  # single units: their rows open the unit's page
        assert reverse("campaigns:unit", args=[unit_of(late, branch).pk]) in html
    assert cells(html, f"progress-row-{city.branch_a.pk}")["phase-2"] == "1"
    assert cells(html, f"progress-row-{city.branch_a2.pk}")["done-percent"] == "50.0"
    assert [o.pk for o in response.context["crumbs"]] == [city.district_a.pk]  # the city is not theirs to open


def test_a_sibling_district_gets_404(client, city, late):
    client.force_login(city.secretary_b)
    assert page(client, late).context["organisation"] == city.district_b
    for organisation in (city.district_a, city.committee_a, city.root):
        assert page(client, late, organisation).status_code == 404
    url = reverse("campaigns:progress", args=[late.pk])
    for bad in ("abc", "0", "99999999999999999999", str(10**12)):
        assert client.get(url, {"organisation": bad}).status_code == 404
    export = reverse("campaigns:progress_export", args=[late.pk])
    assert client.post(f"{export}?organisation={city.district_a.pk}").status_code == 404
    client.force_login(city.member_user_a)  # a member sees no dashboard
    assert page(client, late).status_code == 404


def test_a_supervisor_sees_the_assigned_units(client, city, late):
    inspector = make_user("inspector", Role.MEMBER, city.root)
    group = SupervisionGroup.objects.create(
        campaign=late, name="第一督导组", sent_by=city.root, org_path=city.root.path
    )
    group.units.add(unit_of(late, city.committee_a))
    GroupMember.objects.create(group=group, user=inspector)
    client.force_login(inspector)
    response = page(client, late)
    assert response.status_code == 200 and response.context["organisation"] == city.committee_a
    assert page(client, late, city.district_a).status_code == 404
    assert page(client, late, city.branch_b).status_code == 404


def test_the_charts_data_and_scripts_come_from_our_files(client, city, late, today):
    client.force_login(city.office)
    html = page(client, late).content.decode()
    data = json.loads(re.search(r'<script id="progress-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["today"] == today.isoformat()
    assert data["batches"] == ["第一批", "第二批", "第三批"]
    study = next(s for s in data["series"] if s["name"] == "学习动员")
    assert dict(zip(data["children"], study["data"], strict=True)) == {"甲区委": 3, "乙区委": 2}
    first = [w for w in data["windows"] if w["batch"] == 0]
    assert first[0]["start"] == (today - datetime.timedelta(days=10)).isoformat()
    for src in re.findall(r'<script src="/static/([^"]+)"', html):
        assert finders.find(src), src
    assert "vanguard/vendor/echarts.min.js" in html and "campaigns/progress.js" in html


def test_the_page_costs_a_fixed_number_of_queries(client, city, late, django_assert_max_num_queries):
    client.force_login(city.office)
    page(client, late)
    with django_assert_max_num_queries(30):
        assert page(client, late).status_code == 200
