"""The pages work under the Content-Security-Policy: Chromium reports no violation anywhere.

A violation (an inline script, style or handler the policy refuses, a resource from
elsewhere) shows as a console error and a `securitypolicyviolation` event; the
journey collects both while it uses the behaviours that once were inline code: the
tree's toggles, the "Choose" buttons of the organisation search, htmx polling,
Swagger UI.  It ends with the lockout page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from vanguard.core.models import Job

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Playwright's init scripts run outside the page's policy; this one records the page's own violations.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


class Violations:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def check(self) -> None:
        events = self.page.evaluate("window.__violations || []")
        assert not events and not self.console, f"CSP violations on {self.page.url}: {events} {self.console}"


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()


def test_pages_keep_to_the_content_security_policy(live_server, page: Page, city, shot):
    url = live_server.url
    violations = Violations(page)

    sign_in(page, url, city.office.username)
    expect(page).to_have_url(f"{url}/orgs/")
    violations.check()

    # The tree's toggle (app.js) opens and closes a node whose children htmx loads.
    page.wait_for_load_state()
    toggle = page.get_by_test_id(f"toggle-{city.root.pk}")
    toggle.click()
    children = page.locator(f"#children-{city.root.pk}")
    expect(children.get_by_role("link", name=city.district_a.name, exact=True)).to_be_visible()
    expect(toggle).to_have_text("▾")
    toggle.click()
    expect(children).to_be_hidden()
    expect(toggle).to_have_text("▸")
    violations.check()

    # "Choose" beside a search result fills the form field (app.js), on the move form.
    page.goto(f"{url}/orgs/{city.branch_a.pk}/move/")
    page.locator('input[type="search"][name="q"]').fill(city.committee_a.code or city.committee_a.name)
    choose = page.locator("#pick-results button[data-pick-field]").first
    expect(choose).to_be_visible()
    choose.click()
    expect(page.locator("#id_new_parent")).to_have_value(choose.get_attribute("data-pick-value"))
    violations.check()

    for path in (
        f"/orgs/{city.district_a.pk}/",
        "/members/",
        f"/members/{city.member_a.pk}/",
        "/members/transfers/",
        "/accounts/lockouts/",
    ):
        page.goto(f"{url}{path}")
        expect(page.locator("h1")).to_be_visible()
        violations.check()

    # htmx polls a running job's progress in place.
    job = Job.objects.create(
        kind="members.import", created_by=city.office, organisation=city.root, status="running", total=10, done=3
    )
    polls: list[str] = []
    page.on("request", lambda request: "/progress/" in request.url and polls.append(request.url))
    page.goto(f"{url}/jobs/{job.pk}/")
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-status", "running")
    page.wait_for_timeout(2500)
    assert polls, "htmx did not poll the job's progress"
    violations.check()

    # Swagger UI renders the API from our static files and its start-up script file.
    page.goto(f"{url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".opblock-tag").first).to_be_visible()
    shot(page, "api-docs")
    violations.check()


def test_the_lockout_page_under_the_policy(live_server, page: Page, city, shot):
    url = live_server.url
    violations = Violations(page)
    for attempt in range(5):
        sign_in(page, url, city.secretary_a.username, f"wrong-{attempt}")
    sign_in(page, url, city.secretary_a.username)
    expect(page.get_by_test_id("locked-out")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    shot(page, "locked-out")
    violations.check()
