"""Screening pages: who sees which runs and entries, running one, the chart and export, the assessment pages."""

from __future__ import annotations

import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PASSWORD
from vanguard.appraisals import screening as logic
from vanguard.appraisals.models import Screening, UpperAssessment
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core.spreadsheets import open_sheets
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


@pytest.fixture
def city_run(city, campaign):
    """A city-wide screening of branches: 甲一 40 and 乙一 40 tie at the bottom, 甲二 90."""
    for organisation, score in ((city.branch_a, 40), (city.branch_a2, 90), (city.branch_b, 40)):
        UpperAssessment.objects.create(
            campaign=campaign,
            organisation=organisation,
            org_path=organisation.path,
            score=score,
            assessed_on=campaign.starts_on,
        )
    return logic.run_screening(campaign=campaign, organisation=city.root, level=Kind.BRANCH, actor=city.office)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_office_runs_a_screening_from_the_campaign_page(client, city, campaign):
    login(client, city.office)
    url = reverse("appraisals:screening_list", args=[campaign.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"organisation": city.district_a.pk, "level": Kind.BRANCH})
    run = Screening.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appraisals:screening_detail", args=[run.pk])
    assert (run.organisation, run.level, run.run_by) == (city.district_a, Kind.BRANCH, city.office)
    assert run.entries.count() == 2
    assert f'data-testid="run-{run.pk}"' in client.get(url).content.decode()


def test_a_supervisor_may_not_run_one(client, city, campaign):
    login(client, city.supervisor_a)
    url = reverse("appraisals:screening_list", args=[campaign.pk])
    assert 'data-testid="run-form"' not in client.get(url).content.decode()
    assert client.post(url, {"organisation": city.district_a.pk, "level": Kind.BRANCH}).status_code == 404
    assert not Screening.objects.exists()


def test_a_secretary_may_not_run_one_over_another_district(client, city, campaign):
    login(client, city.secretary_a)
    url = reverse("appraisals:screening_list", args=[campaign.pk])
    response = client.post(url, {"organisation": city.district_b.pk, "level": Kind.BRANCH})
    assert response.status_code == 400
    assert not Screening.objects.exists()


def test_results_show_the_flags_their_criteria_the_tie_and_the_chart(client, city, city_run):
    login(client, city.office)
    response = client.get(reverse("appraisals:screening_detail", args=[city_run.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="tie-note"' in html  # 5% of 3 takes one, but two share the lowest score
    for organisation in (city.branch_a, city.branch_b):
        row = re.search(rf'data-testid="entry-{organisation.pk}".*?</tr>', html, re.S).group(0)
        assert 'data-testid="flag"' in row and "1 / 3" in row
        assert logic.describe({"criterion": "tied_at_cut", "value": 40.0, "cut": 1, "flagged": 2}) in row
    row = re.search(rf'data-testid="entry-{city.branch_a2.pk}".*?</tr>', html, re.S).group(0)
    assert 'data-testid="flag"' not in row and "3 / 3" in row
    data = json.loads(re.search(r'<script id="screening-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["composites"] == [40.0, 40.0, 90.0] and data["flagged"] == [True, True, False]
    assert "<script>" not in html  # no inline script: the chart is drawn by a static file


def test_a_district_sees_the_city_run_but_only_its_own_entries(client, city, city_run):
    login(client, city.secretary_a)
    html = client.get(reverse("appraisals:screening_detail", args=[city_run.pk])).content.decode()
    assert city.branch_a.name in html and city.branch_a2.name in html
    assert city.branch_b.name not in html
    book = client.get(reverse("appraisals:screening_export", args=[city_run.pk]))
    assert book["Content-Type"].startswith("application/vnd.openxmlformats")
    names = _workbook_names(book.content)
    assert names == {city.branch_a.name, city.branch_a2.name}


def test_runs_of_other_subtrees_are_404(client, city, campaign):
    run_a = logic.run_screening(campaign=campaign, organisation=city.district_a, level=Kind.BRANCH, actor=city.office)
    login(client, city.secretary_b)
    for name in ("appraisals:screening_detail", "appraisals:screening_export"):
        assert client.get(reverse(name, args=[run_a.pk])).status_code == 404
    listing = client.get(reverse("appraisals:screening_list", args=[campaign.pk])).content.decode()
    assert f'data-testid="run-{run_a.pk}"' not in listing
    # A branch's secretary sees the district run, with their own branch alone.
    client.logout()
    login(client, city.branch_secretary_a)
    html = client.get(reverse("appraisals:screening_detail", args=[run_a.pk])).content.decode()
    assert city.branch_a.name in html and city.branch_a2.name not in html


def test_export_holds_the_criteria_in_words(client, city, city_run):
    login(client, city.office)
    content = client.get(reverse("appraisals:screening_export", args=[city_run.pk])).content
    rows = _workbook_rows(content)
    flagged = [row for row in rows if row[1] == city.branch_a.code]
    assert flagged and "\n" in flagged[0][8]
    assert logic.describe({"criterion": "rank", "value": 1, "of": 3}) in flagged[0][8]


def _workbook_rows(content: bytes) -> list[list]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "book.xlsx"
        path.write_bytes(content)
        sheet = next(iter(open_sheets(path)))
        return [row.cells for row in sheet.rows]


def _workbook_names(content: bytes) -> set[str]:
    return {row[2] for row in _workbook_rows(content)[4:]}


# --- the assessment pages ------------------------------------------------------------------------------------------


def test_the_district_assesses_a_branch_by_its_form(client, city, campaign):
    login(client, city.secretary_a)
    listing = reverse("appraisals:screening_assessments", args=[campaign.pk])
    html = client.get(listing).content.decode()  # starts at the district: its committee is listed
    assert f'data-testid="child-{city.committee_a.pk}"' in html
    html = client.get(listing, {"under": city.committee_a.pk}).content.decode()
    assert f'data-testid="child-{city.branch_a.pk}"' in html
    url = reverse("appraisals:screening_assess", args=[campaign.pk]) + f"?organisation={city.branch_a.pk}"
    assert client.post(url, {"score": "101", "note": ""}).status_code == 400
    response = client.post(url, {"score": "72.5", "note": "组织生活不正常"})
    assert response.status_code == 302
    found = UpperAssessment.objects.get()
    assert (found.organisation, found.score, found.note) == (city.branch_a, Decimal("72.5"), "组织生活不正常")


def test_no_one_assesses_their_own_organisation_or_another_district(client, city, campaign):
    url = reverse("appraisals:screening_assess", args=[campaign.pk])
    login(client, city.branch_secretary_a)
    assert client.get(url, {"organisation": city.branch_a.pk}).status_code == 404
    client.logout()
    login(client, city.secretary_a)
    for organisation in (city.district_a, city.branch_b):
        assert client.get(url, {"organisation": organisation.pk}).status_code == 404
        assert client.post(f"{url}?organisation={organisation.pk}", {"score": "50"}).status_code == 404
    assert (
        client.get(
            reverse("appraisals:screening_assessments", args=[campaign.pk]), {"under": city.district_b.pk}
        ).status_code
        == 404
    )
    assert not UpperAssessment.objects.exists()


def test_upload_page_lists_the_problems_then_records(client, city, campaign, tmp_path):
    login(client, city.secretary_a)
    url = reverse("appraisals:screening_upload", args=[campaign.pk])

    def upload(rows):
        path = tmp_path / "scores.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ["组织代码", "得分", "备注"])
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, row)
        book.close()
        with path.open("rb") as handle:
            return client.post(url, {"file": handle})

    response = upload([(city.branch_a.code, 80, ""), (city.branch_b.code, 70, "")])
    assert response.status_code == 400
    problems = re.search(r'data-testid="problems".*?</table>', response.content.decode(), re.S).group(0)
    assert '<td class="num">3</td>' in problems and '<td class="num">2</td>' not in problems
    assert not UpperAssessment.objects.exists()
    response = upload([(city.branch_a.code, 80, ""), (city.branch_a2.code, 70, "")])
    assert response.status_code == 302
    assert UpperAssessment.objects.count() == 2


def test_template_lists_the_organisations_below_with_their_scores(client, city, campaign):
    UpperAssessment.objects.create(
        campaign=campaign,
        organisation=city.branch_a,
        org_path=city.branch_a.path,
        score=66,
        assessed_on=campaign.starts_on,
    )
    login(client, city.secretary_a)
    response = client.get(reverse("appraisals:screening_template", args=[campaign.pk]), {"under": city.district_a.pk})
    rows = _workbook_rows(response.content)
    assert rows[0][:3] == ["组织代码", "组织名称", "得分"]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {city.committee_a.code, city.branch_a.code, city.branch_a2.code}
    assert by_code[city.branch_a.code][2] == 66


def test_results_page_queries_do_not_grow_with_the_entries(client, city, campaign):
    login(client, city.office)

    def queries(run) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("appraisals:screening_detail", args=[run.pk])).status_code == 200
        return len(captured)

    small = logic.run_screening(campaign=campaign, organisation=city.district_a, level=Kind.BRANCH, actor=city.office)
    for n in range(8):
        branch = OrganisationFactory(name=f"甲{n}新支部", parent=city.committee_a)
        UpperAssessment.objects.create(
            campaign=campaign, organisation=branch, org_path=branch.path, score=50 + n, assessed_on=campaign.starts_on
        )
    large = logic.run_screening(campaign=campaign, organisation=city.district_a, level=Kind.BRANCH, actor=city.office)
    assert large.entries.count() == small.entries.count() + 8
    assert queries(large) == queries(small)
