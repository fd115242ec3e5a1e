"""A district secretary's day in a real browser: tree → branch → members → edit a phone → Traditional script.

The assertions avoid the wording of UI strings (the catalogues are still being translated): they use test ids,
URLs, data (organisation and member names) and the html lang attribute.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PHONE = "13800138000"


def html_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.lang")


def expand(page: Page, org_pk: int) -> None:
    """Open a tree node and wait until htmx has swapped in its children *and* wired them up.

    htmx inserts the new nodes at once but processes their hx-get attributes only when the swap settles
    (20 ms later, after the target loses the htmx-settling class); a click on a child's toggle inside that
    window would open it without loading anything.
    """
    page.get_by_test_id(f"toggle-{org_pk}").click()
    children = page.locator(f"#children-{org_pk}")
    expect(children.locator("li").first).to_be_visible()
    expect(children).not_to_have_class(re.compile(r"\bhtmx-(swapping|settling)\b"))


def test_district_secretary_journey(live_server, page: Page, city, shot):
    url = live_server.url
    member = city.member_a
    assert member.phone != NEW_PHONE

    # 1. Sign in. The UI defaults to Simplified Chinese.
    page.goto(f"{url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator('form.lang button[lang="zh-hans"]')).to_have_class(re.compile(r"\bcurrent\b"))
    username_label_simplified = page.locator('label[for="id_username"]').inner_text()
    page.fill("#id_username", city.secretary_a.username)
    page.fill("#id_password", PASSWORD)
    shot(page, "login")
    page.locator("main form button[type=submit]").click()

    # 2. Home is the organisation tree, rooted at the secretary's own district; the sibling is not there.
    expect(page).to_have_url(f"{url}/orgs/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    tree = page.locator("ul.tree")
    expect(tree.get_by_role("link", name=city.district_a.name, exact=True)).to_be_visible()
    expect(page.get_by_text(city.district_b.name)).to_have_count(0)
    expect(page.get_by_text(city.root.name)).to_have_count(0)
    shot(page, "tree")

    # 3. Expand the district, then the committee (children are fetched by htmx on first click).
    page.wait_for_load_state()  # htmx (a deferred script) has processed the page
    expand(page, city.district_a.pk)
    expect(page.get_by_test_id(f"toggle-{city.committee_a.pk}")).to_be_visible()
    expand(page, city.committee_a.pk)
    branch_link = tree.get_by_role("link", name=city.branch_a.name, exact=True)
    expect(branch_link).to_be_visible()
    expect(tree.get_by_role("link", name=city.branch_a2.name, exact=True)).to_be_visible()
    expect(page.get_by_text(city.branch_b.name)).to_have_count(0)
    shot(page, "tree-expanded", docs="tree.png")

    # 4. The branch's page: its counts table shows its one ordinary member.
    branch_link.click()
    expect(page).to_have_url(f"{url}/orgs/{city.branch_a.pk}/")
    expect(page.locator("h1")).to_contain_text(city.branch_a.name)
    counts = page.get_by_test_id("category-counts")
    ordinary_row = counts.locator("tr", has=page.locator('a[href$="category=ordinary"]'))
    expect(ordinary_row.locator("td.num")).to_have_text("1")
    expect(counts.locator("td.num")).to_have_text(["1", "0", "0", "0", "0", "0", "0", "0"])
    expect(page.get_by_test_id("status-counts").locator("tr").last.locator("th.num")).to_have_text("1")
    shot(page, "organisation", docs="organisation.png")

    # 5. The members link lists the branch's members.
    page.locator(f'.actions a[href$="/members/?organisation={city.branch_a.pk}"]').click()
    expect(page).to_have_url(re.compile(rf"/members/\?organisation={city.branch_a.pk}$"))
    table = page.get_by_test_id("member-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    shot(page, "members")

    # 6. Open 张甲.
    table.get_by_role("link", name=member.name, exact=True).click()
    expect(page).to_have_url(f"{url}/members/{member.pk}/")
    expect(page.locator("h1")).to_contain_text(member.name)
    expect(page.get_by_test_id("phone")).to_have_text(member.phone or "—")
    shot(page, "member")

    # 7. Edit the phone number and save.
    page.locator(f'.actions a[href="/members/{member.pk}/edit/"]').click()
    expect(page).to_have_url(f"{url}/members/{member.pk}/edit/")
    phone_input = page.locator("#id_phone")
    expect(phone_input).to_have_value(member.phone)
    phone_input.fill(NEW_PHONE)
    shot(page, "member-edit")
    page.locator("main form button[type=submit]").click()

    # 8. Back on the detail page with the new number, which is also what the database holds.
    expect(page).to_have_url(f"{url}/members/{member.pk}/")
    expect(page.get_by_test_id("phone")).to_have_text(NEW_PHONE)
    expect(page.locator("ul.messages li.success")).to_have_count(1)
    shot(page, "member-saved", docs="member.png")
    member.refresh_from_db()
    assert member.phone == NEW_PHONE

    # 9. Switch to Traditional script from the top bar; the language switch returns to the same page.
    page.locator('form.lang button[lang="zh-hant"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    assert html_lang(page) == "zh-hant"
    expect(page).to_have_url(f"{url}/members/{member.pk}/")
    expect(page.locator('form.lang button[lang="zh-hant"]')).to_have_class(re.compile(r"\bcurrent\b"))
    expect(page.locator('form.lang button[lang="zh-hans"]')).not_to_have_class(re.compile(r"\bcurrent\b"))
    expect(page.get_by_test_id("phone")).to_have_text(NEW_PHONE)
    shot(page, "member-zh-hant")

    # 10. A member of the sibling district does not exist as far as this secretary can tell.
    response = page.goto(f"{url}/members/{city.member_b.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text(city.member_b.name)).to_have_count(0)
    shot(page, "sibling-member-404")
    response = page.goto(f"{url}/members/{city.member_b.pk}/edit/")
    assert response is not None
    assert response.status == 404

    # 11. Sign out: the language choice sticks, and the sign-in page now speaks Traditional script
    # (the username label differs from the Simplified one seen in step 1, whatever its exact words).
    page.goto(f"{url}/orgs/")
    page.locator("form.logout button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    username_label_traditional = page.locator('label[for="id_username"]').inner_text()
    assert username_label_traditional != username_label_simplified, (
        f"the sign-in page reads {username_label_traditional!r} in both scripts"
    )
    shot(page, "signed-out-zh-hant")
