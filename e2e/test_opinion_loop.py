"""One opinion through the five forms in a real browser (issue 18).

A member of the public, on a phone, opens a unit's page from its poster's short link and gives an opinion;
district staff group it into a problem and forward it to the branch; the branch replies, notes progress and
rectifies it; the public looks it up by receipt code and rates the effect; the five tables show each link of
the chain.  Assertions use test ids, URLs and data, not the wording of UI strings.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

from e2e.test_campaign_journey import PHONE, no_sideways_scroll, sign_in
from vanguard.opinions.models import EffectRating, Opinion, Problem, ProblemStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_opinion_through_the_five_forms(live_server, page: Page, browser, city, shot):
    url = live_server.url

    # 0. The district opens a public page for its branch and prints the poster.
    sign_in(page, url, city.secretary_a.username)
    page.goto(f"{url}/opinions/pages/new/")
    page.select_option("#id_organisation", str(city.branch_a.pk))
    page.fill("#id_title", "甲一支部征求意见")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("poster")).to_be_visible()
    expect(page.locator("[data-testid=poster] svg")).to_have_count(1)
    short_link = page.get_by_test_id("short-link").inner_text().strip()
    assert "/o/" in short_link
    shot(page, "opinion-poster", docs="opinion-poster.png")

    # 1. The public, on a phone and signed in nowhere, follows the short link and gives an opinion.
    public = browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    phone = public.new_page()
    phone.goto(url + short_link[short_link.index("/o/") :])
    no_sideways_scroll(phone)
    phone.fill("#id_text", "办事窗口中午不开，上班族只能请假来办。<script>alert(1)</script>")
    phone.locator("input[name=direction][value=public_official]").check()
    phone.fill("#id_phone", "13800001111")
    shot(phone, "opinion-public-form", docs="opinion-public.png")
    phone.locator("main form button[type=submit]").click()
    receipt = phone.get_by_test_id("receipt").inner_text().strip()
    opinion = Opinion.objects.get(receipt=receipt)
    assert opinion.channel == "web" and opinion.org_path == city.branch_a.path
    assert "<script>" in opinion.text  # stored as given …
    shot(phone, "opinion-receipt")

    # 2. District staff group it into a problem and forward it to the branch.
    page.goto(f"{url}/opinions/problems/ungrouped/?organisation={city.district_a.pk}")
    page.locator(f"input[name=opinions][value='{opinion.pk}']").check()
    page.fill("#id_title", "窗口午间不开放")
    page.locator("main form[method=post]:has(#id_title) button[type=submit]").first.click()
    problem = Problem.objects.get(opinions=opinion)
    expect(page).to_have_url(f"{url}/opinions/problems/{problem.pk}/")
    page.get_by_test_id("forward").click()
    page.select_option("#id_responsible", str(city.branch_a.pk))
    page.select_option("#id_category", "deadline")
    page.fill("#id_deadline", (datetime.date.today() + datetime.timedelta(days=14)).isoformat())
    shot(page, "opinion-forward", docs="opinion-forward.png")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ProblemStatus.FORWARDED)

    # 3. The branch secretary replies, notes progress and rectifies.
    page.context.clear_cookies()
    sign_in(page, url, city.branch_secretary_a.username)
    page.goto(f"{url}/opinions/problems/?tab=queue")
    page.locator(f"a[href='/opinions/problems/{problem.pk}/']").first.click()
    page.fill("#reply-text", "自下月起窗口午间轮班不休。")
    page.locator("form:has(#reply-text) button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ProblemStatus.REPLIED)
    page.locator("form[action$='/progress/'] textarea").fill("已排出午间轮班表。")
    page.locator("form[action$='/progress/'] button[type=submit]").click()
    page.fill("#rectify-text", "午间窗口已开放，连续四周无人请假来办。")
    page.locator("form:has(#rectify-text) button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ProblemStatus.RECTIFIED)
    shot(page, "opinion-rectified", docs="opinion-problem.png")

    # 4. The public looks the opinion up by its receipt and rates the effect.
    phone.goto(f"{url}/o/receipt/?code={receipt}")
    expect(phone.get_by_test_id("stages")).to_contain_text("自下月起窗口午间轮班不休")
    body = phone.content()
    assert "<script>alert(1)</script>" not in body  # … and rendered harmless
    assert "13800001111" not in body
    no_sideways_scroll(phone)
    phone.locator("input[name=verdict][value=satisfied]").check()
    phone.locator("form:has(input[name=verdict]) button[type=submit]").click()
    expect(phone.get_by_test_id("rating")).to_be_visible()
    assert EffectRating.objects.filter(opinion=opinion, verdict="satisfied").count() == 1
    shot(phone, "opinion-rated")
    public.close()

    # 5. The five tables of the district show every link of the chain.
    page.context.clear_cookies()
    sign_in(page, url, city.secretary_a.username)
    page.goto(f"{url}/opinions/tables/?organisation={city.district_a.pk}")
    for number in range(1, 7):
        expect(page.get_by_test_id(f"chain-{number}")).to_have_text("1")
    shot(page, "opinion-five-tables", docs="opinion-tables.png")
