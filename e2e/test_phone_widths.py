"""Every page fits a phone: at 390 px no page scrolls sideways, for any demo role.

As each role (the campaign office, a district secretary, a branch secretary, a
supervisor, a member) the walk signs in on a 390 px wide screen and opens the
pages the top bar links to, the pages seeded for it (an organisation, a member,
a transfer, its jobs with their results, the import form, the lockouts page),
and then every link those pages hold, one level down. A page whose document
is wider than the screen fails the test; every page is saved as a full-page
screenshot in test-artifacts/phone/, so a reviewer can see each one.

One page per link shape is opened (``/members/7/``, ``/members/8/`` and
``/members/?status=full`` are the same template with other rows), which keeps
the walk inside a minute.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD
from vanguard.core import jobs
from vanguard.members.services import start_transfer
from vanguard.rosters import files
from vanguard.rosters.tests import make_fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "phone"
# Not pages of ours to lay out, or not pages at all: Django's admin, the API (but for its Swagger UI page),
# language switching, sign-out, file downloads.
DIGITS = re.compile(r"\d+")
API_DOCS = "/api/docs/"
SKIP = re.compile(r"^/(admin/|api/(?!docs/$)|i18n/)|/accounts/logout/|/download/|\.xlsx$")


@dataclass
class Walk:
    browser: Browser
    url: str
    seen_shapes: set[str] = field(default_factory=set)
    visited: list[str] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)

    def open(self, page: Page, path: str, role: str) -> list[str]:
        """Open `path`, check its width, save its picture; the same-site links on it."""
        response = page.goto(f"{self.url}{path}")
        page.wait_for_load_state()
        if path == API_DOCS:
            expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible()  # Swagger UI draws after load
        if response is not None and response.status >= 400:
            self.http_errors.append(f"{role} {path}: HTTP {response.status}")
        self.visited.append(f"{role} {path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        picture = ARTIFACTS / f"{role}-{len(self.visited):03d}-{slug(path)}.png"
        page.screenshot(path=picture, full_page=True)
        if width > PHONE["width"] + 1:
            self.too_wide.append(f"{role} {path}: {width} px wide ({picture.name})")
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        return [href for href in hrefs if href.startswith("/") or href.startswith("?")]

    def first_of_its_shape(self, role: str, path: str) -> bool:
        """Whether no page of this shape (its path with digits as N; a query only filters) was opened as `role`."""
        shape = f"{role} {DIGITS.sub('N', urlsplit(path).path)}"
        if shape in self.seen_shapes:
            return False
        self.seen_shapes.add(shape)
        return True


def slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")[:60] or "home"


def absolute(href: str, here: str) -> str:
    return f"{urlsplit(here).path}{href}" if href.startswith("?") else href


@pytest.fixture
def walk(browser, live_server) -> Iterator[Walk]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    yield Walk(browser=browser, url=live_server.url)


def seed(city, settings, tmp_path) -> dict[str, list[str]]:
    """A transfer, jobs with results for every role, a lockout: the pages each role is walked to first."""
    settings.DATA_DIR = tmp_path / "data"
    transfer = start_transfer(member=city.member_a, to_organisation=city.branch_b, actor=city.office, note="调往乙区")
    AccessAttempt.objects.create(
        username=city.secretary_b.username,
        ip_address="127.0.0.1",
        user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
    )

    def check(user, organisation, fixture: str) -> str:
        upload = SimpleUploadedFile(fixture, (make_fixtures.FIXTURES / fixture).read_bytes())
        params = {"what": "members", "upload": files.save_upload(upload), "file_name": upload.name}
        job = jobs.start(kind="rosters.check", params=params, user=user, organisation=organisation)
        return f"/jobs/{job.pk}/"

    def export(user, organisation) -> str:
        job = jobs.start(kind="rosters.export", params={"what": "members"}, user=user, organisation=organisation)
        return f"/jobs/{job.pk}/"

    member = f"/members/{city.member_a.pk}/"
    return {
        "office": [
            f"/orgs/{city.committee_a.pk}/",
            member,
            f"/members/transfers/{transfer.pk}/",
            f"/rosters/{city.committee_a.pk}/import/",
            check(city.office, city.committee_a, "roster-bad.xlsx"),
            export(city.office, city.root),
            "/accounts/lockouts/",
        ],
        "district": [
            f"/orgs/{city.district_a.pk}/",
            member,
            f"/members/transfers/{transfer.pk}/",
            f"/rosters/{city.committee_a.pk}/import/",
            check(city.secretary_a, city.committee_a, "roster-fixed.xlsx"),
            export(city.secretary_a, city.district_a),
        ],
        "branch": [f"/orgs/{city.branch_a.pk}/", member, export(city.branch_secretary_a, city.branch_a)],
        "supervisor": [f"/orgs/{city.district_a.pk}/", member, f"/members/transfers/{transfer.pk}/"],
        "member": [member],
    }


def test_every_page_fits_a_390px_screen(walk: Walk, city, settings, tmp_path):
    start = seed(city, settings, tmp_path)
    # role → (user, the language its browser asks for): English has the longest unbreakable words, so two
    # roles read it; Traditional script for one.
    roles = {
        "office": (city.office, "en-US"),
        "district": (city.secretary_a, "zh-CN"),
        "branch": (city.branch_secretary_a, "zh-TW"),
        "supervisor": (city.supervisor_a, "en-US"),
        "member": (city.member_user_a, "zh-CN"),
    }
    for role, (user, locale) in roles.items():
        context = walk.browser.new_context(locale=locale, timezone_id="Asia/Shanghai", viewport=PHONE)
        page = context.new_page()
        walk.open(page, "/accounts/login/", role)
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("header.topbar nav")).to_be_visible()
        landing = urlsplit(page.url).path
        nav = page.eval_on_selector_all("header.topbar nav a[href]", "links => links.map(a => a.getAttribute('href'))")
        opened: set[str] = set()
        below: list[str] = []
        for path in dict.fromkeys([landing, *nav, *start[role]]):
            # The seeded pages are opened even when one of their shape was: an import's dry run with problems
            # and an export's result are both /jobs/N/.
            if SKIP.search(path) or not walk.first_of_its_shape(role, path) and path not in start[role]:
                continue
            opened.add(path)
            below += [absolute(href, path) for href in walk.open(page, path, role)]
        for path in below:
            if SKIP.search(path) or path in opened or not walk.first_of_its_shape(role, path):
                continue
            walk.open(page, path, role)
        context.close()

    if walk.http_errors:
        # A link a user cannot follow is point 5 of issue 16, not a matter of width; say so without failing here.
        warnings.warn("links leading to an error page:\n" + "\n".join(walk.http_errors), stacklevel=1)
    assert not walk.too_wide, "pages wider than a 390 px phone:\n" + "\n".join(walk.too_wide)
    # The walk did reach the pages it is meant to cover, for every role.
    assert len(walk.visited) >= 40, walk.visited
    for role in roles:
        assert any(v.startswith(f"{role} /members/{city.member_a.pk}/") for v in walk.visited), role
    assert any(v.startswith("office /accounts/lockouts/") for v in walk.visited)


BUTTON_SHAPE = """element => {
  const style = getComputedStyle(element);
  return [style.fontSize, style.lineHeight, style.paddingTop, style.paddingLeft, style.borderTopWidth,
          style.borderTopLeftRadius, Math.round(element.getBoundingClientRect().height)].join(" ");
}"""


def test_export_buttons_look_like_the_other_buttons(live_server, page: Page, city):
    """The export buttons (a form's <button>) have the size and shape of the link buttons beside them."""
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", city.office.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header.topbar nav")).to_be_visible()
    page.goto(f"{url}/orgs/{city.district_a.pk}/")
    actions = page.locator("main .actions")
    link_shape = actions.locator("a.button").first.evaluate(BUTTON_SHAPE)
    exports = actions.locator('button[name="what"]')
    expect(exports).to_have_count(2)
    assert [exports.nth(i).evaluate(BUTTON_SHAPE) for i in range(2)] == [link_shape, link_shape]


def test_favicon(live_server, page: Page):
    """Browsers ask for /favicon.ico unasked: it leads to the icon, which the pages also link."""
    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.ok and response.body()[:4] == b"\x00\x00\x01\x00"
    page.goto(f"{live_server.url}/accounts/login/")
    for link in page.locator('link[rel="icon"]').all():
        assert page.request.get(f"{live_server.url}{link.get_attribute('href')}").ok
