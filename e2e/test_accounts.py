"""The office provisions a branch secretary from the roster; the new secretary signs in and must choose a password.

Assertions use test ids, URLs and data, not the wording of UI strings (the catalogues are still being translated).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.members.factories import MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OWN_PASSWORD = "my-own-secret-2026"


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()


def test_office_provisions_a_secretary_who_then_chooses_a_password(live_server, page: Page, city, shot):
    url = live_server.url
    newcomer = MemberFactory(organisation=city.branch_a2, name="王新华", phone="13800001111")

    # 1. The office opens the branch's page: the roles card offers to give a role.
    sign_in(page, url, city.office.username, PASSWORD)
    page.goto(f"{url}/orgs/{city.branch_a2.pk}/")
    card = page.get_by_test_id("roles-card")
    expect(card).to_be_visible()
    card.get_by_test_id("manage-roles").click()
    expect(page).to_have_url(f"{url}/accounts/organisations/{city.branch_a2.pk}/roles/")

    # 2. From the branch's roster: 王新华 becomes its secretary.
    page.select_option("#id_give-member", str(newcomer.pk))
    page.select_option("#id_give-role", Role.SECRETARY)
    shot(page, "accounts-give-role")
    page.get_by_test_id("give-role").click()

    # 3. The first password is shown once, and prints as a slip.
    table = page.get_by_test_id("first-passwords")
    expect(table).to_be_visible()
    username = table.locator("td.username").inner_text().strip()
    first_password = table.locator("td.password").inner_text().strip()
    assert username == "13800001111" and len(first_password) == 10
    expect(table).to_contain_text("王新华")
    shot(page, "accounts-first-password", docs="first-password.png")
    page.emulate_media(media="print")
    expect(page.locator(".slip")).to_contain_text(city.branch_a2.name)
    shot(page, "accounts-slip-print")
    page.emulate_media(media="screen")
    page.goto(f"{url}/accounts/organisations/{city.branch_a2.pk}/roles/")
    expect(page.get_by_test_id("role-holders")).to_contain_text("王新华")
    assert first_password not in page.content()
    page.locator("form.logout button[type=submit]").click()

    # 4. The new secretary signs in and is sent to choose their own password before anything else.
    sign_in(page, url, username, first_password)
    expect(page).to_have_url(f"{url}/accounts/password/")
    expect(page.get_by_test_id("must-change")).to_be_visible()
    page.goto(f"{url}/members/")
    expect(page).to_have_url(f"{url}/accounts/password/")
    page.fill("#id_old_password", first_password)
    page.fill("#id_new_password1", OWN_PASSWORD)
    page.fill("#id_new_password2", OWN_PASSWORD)
    shot(page, "accounts-forced-change", docs="password-change.png")
    page.locator("main form button[type=submit]").click()

    # 5. Then they land on their own pages: their branch is theirs to change.
    expect(page).not_to_have_url(re.compile(r"/accounts/password/"))
    page.goto(f"{url}/members/")
    expect(page).to_have_url(re.compile(r"/members/"))
    expect(page.locator("main")).to_contain_text(newcomer.name)
    page.goto(f"{url}/orgs/{city.branch_a2.pk}/")
    expect(page.locator("main h1")).to_contain_text(city.branch_a2.name)
    shot(page, "accounts-secretary-lands")
    user = User.objects.get(username=username)
    assert not user.must_change_password and user.check_password(OWN_PASSWORD) and user.member == newcomer
    assert RoleAssignment.objects.current().filter(user=user, organisation=city.branch_a2, role=Role.SECRETARY)
