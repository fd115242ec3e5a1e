"""Weak-organisation screening in a browser: the results chart is drawn under the Content-Security-Policy, and the
screening pages fit a 390 px phone; screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.test_csp import Violations, sign_in
from vanguard.appraisals import screening
from vanguard.appraisals.models import UpperAssessment
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.orgs.models import Kind

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_screening_results_draw_their_chart_and_fit_a_phone(live_server, browser, city, shot):
    campaign = make_campaign(city.root)
    for organisation, score in ((city.branch_a, 40), (city.branch_a2, 90), (city.branch_b, 40)):
        UpperAssessment.objects.create(
            campaign=campaign, organisation=organisation, org_path=organisation.path, score=score,
            assessed_on=campaign.starts_on,
        )  # fmt: skip
    run = screening.run_screening(campaign=campaign, organisation=city.root, level=Kind.BRANCH, actor=city.office)
    for who, viewport in (("office", {"width": 1280, "height": 900}), ("sec_a", {"width": 390, "height": 844})):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
        page: Page = context.new_page()
        violations = Violations(page)
        sign_in(page, live_server.url, who)
        page.goto(f"{live_server.url}/appraisals/screenings/{run.pk}/")
        expect(page.get_by_test_id("entries")).to_be_visible()
        expect(page.locator("#screening-chart canvas")).to_have_count(1)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"{who}: {width} px wide"
        violations.check()
        shot(page, f"screening-{who}")
        for name in ("screening", "assessments"):
            page.goto(f"{live_server.url}/appraisals/campaigns/{campaign.pk}/{name}/")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, f"{who} on {name}: {width} px wide"
            violations.check()
            shot(page, f"screening-{name}-{who}")
        context.close()
