"""Finding things in a real browser (issue #11, points 5-7).

- A member lands on their own record and is offered no export of their branch.
- A district secretary finds the receiving branch of another district by name and starts the transfer
  from the member list.
- The job list is in the menu; a bad filter shows its error and no rows.

Assertions use test ids, URLs and data, not the wording of UI strings (the catalogues are translated last).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from vanguard.members.models import Transfer
from vanguard.orgs.factories import OrganisationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, url: str, user) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_a_member_lands_on_their_own_page_and_is_offered_no_export(live_server, page: Page, city, shot):
    url = live_server.url
    sign_in(page, url, city.member_user_a)
    expect(page).to_have_url(f"{url}/study/me/")
    expect(page.locator("h1")).to_contain_text(city.member_a.name)
    page.locator(f'main a[href="/members/{city.member_a.pk}/"]').click()
    expect(page.locator("h1")).to_contain_text(city.member_a.name)
    shot(page, "member-lands-on-own-page")

    page.goto(f"{url}/orgs/{city.branch_a.pk}/")
    expect(page.locator("h1")).to_contain_text(city.branch_a.name)
    expect(page.locator('form[action$="/export/"]')).to_have_count(0)
    expect(page.locator(f'a[href$="/members/?organisation={city.branch_a.pk}"]')).to_have_count(0)
    expect(page.get_by_test_id("category-counts")).to_have_count(0)
    shot(page, "member-branch-page-without-export")

    # Their (empty) job list is one click away, and nothing in it leads to a 404.
    page.get_by_test_id("nav-jobs").click()
    expect(page).to_have_url(f"{url}/jobs/")


def test_a_secretary_finds_another_districts_branch_and_starts_the_transfer(live_server, page: Page, city, shot):
    url = live_server.url
    receiving = OrganisationFactory(name="石油路街道第一支部", parent=city.district_b, code="500103888001")
    sign_in(page, url, city.secretary_a)

    # From the member list, the row's own transfer action.
    page.goto(f"{url}/members/")
    page.get_by_test_id(f"transfer-{city.member_a.pk}").click()
    expect(page).to_have_url(f"{url}/members/{city.member_a.pk}/transfer/")
    page.wait_for_load_state()

    # The city's directory: found by name although it lies in district B, shown with its code and parent only.
    page.locator("#org-directory").fill("石油路")
    results = page.get_by_test_id("directory-results")
    expect(results).to_contain_text(receiving.name)
    expect(results).to_contain_text(receiving.code)
    expect(results).to_contain_text(city.district_b.name)
    expect(results.locator("a")).to_have_count(0)
    shot(page, "transfer-directory-search")
    results.locator(f'button[data-pick-value="{receiving.code}"]').click()
    expect(page.locator("#id_to_organisation")).to_have_value(receiving.code)
    page.locator("main form button.primary[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/members/transfers/\d+/$"))
    shot(page, "transfer-started")
    transfer = Transfer.objects.get(member=city.member_a)
    assert transfer.to_organisation_id == receiving.pk and transfer.from_organisation_id == city.branch_a.pk


def test_jobs_are_in_the_menu_and_a_bad_filter_shows_no_rows(live_server, page: Page, city, shot):
    url = live_server.url
    sign_in(page, url, city.secretary_a)

    page.get_by_test_id("nav-jobs").click()
    expect(page).to_have_url(f"{url}/jobs/")

    page.goto(f"{url}/members/")
    table = page.get_by_test_id("member-table")
    expect(table.get_by_role("link", name=city.member_a.name, exact=True)).to_be_visible()

    for query in ("category=bogus", f"organisation={city.branch_b.pk}"):
        page.goto(f"{url}/members/?{query}")
        expect(page.get_by_test_id("filter-errors").locator("li")).to_have_count(1)
        expect(table.locator('tbody a[href^="/members/"]')).to_have_count(0)
        expect(page.get_by_test_id("export-results")).to_have_count(0)
    shot(page, "members-bad-filter-no-rows")

    # The organisation picker narrows the list to one branch (by search, not by typing an id).
    page.goto(f"{url}/members/")
    page.wait_for_load_state()
    page.locator("#org-search").fill(city.branch_a2.name)
    page.locator(f'#org-pick-results button[data-pick-value="{city.branch_a2.pk}"]').click()
    expect(page).to_have_url(re.compile(rf"organisation={city.branch_a2.pk}"))
    expect(page.get_by_test_id("within")).to_contain_text(city.branch_a2.name)
    expect(table.locator('tbody a[href^="/members/"]')).to_have_count(0)
    shot(page, "members-picked-organisation")
