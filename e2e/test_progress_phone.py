"""The progress dashboard in a browser: ECharts (our static copy) draws both charts under the Content-Security-Policy,
and on a 390 px phone the page does not scroll sideways; screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.test_csp import Violations, sign_in
from vanguard.campaigns.tests.test_dashboard import late  # noqa: F401  (fixture)
from vanguard.campaigns.tests.test_services import template  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_draws_its_charts_and_fits_a_phone(live_server, browser, city, late, shot):  # noqa: F811
    for who, viewport in (("office", {"width": 1280, "height": 900}), ("sec_a", {"width": 390, "height": 844})):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
        page: Page = context.new_page()
        violations = Violations(page)
        sign_in(page, live_server.url, who)
        page.goto(f"{live_server.url}/campaigns/{late.pk}/progress/")
        expect(page.get_by_test_id("progress-table")).to_be_visible()
        for chart in ("#progress-timeline", "#progress-phases"):
            expect(page.locator(f"{chart} canvas")).to_have_count(1)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"{who}: {width} px wide"
        violations.check()
        shot(page, f"progress-{who}")
        context.close()
