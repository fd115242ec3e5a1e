"""A problem becomes a rectification item, is late, escalates and is closed with evidence, in a real browser.

Setup goes through the services (a problem forwarded to the branch and replied); the branch draws up its plan,
raises the item from the problem and publishes; the daily job runs as of a day after the deadline; the district
sees the item escalated; the branch notes evidence and reports it done; the district verifies; the problem is
rectified and the public page lists the item.  Assertions use test ids, URLs and data.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from e2e.test_campaign_journey import PHONE, no_sideways_scroll, sign_in
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.opinions.models import ProblemStatus
from vanguard.opinions.tests.factories import problem_in_state
from vanguard.rectification.models import ItemStatus, RectificationItem, RectificationPlan
from vanguard.rectification.services import items, plans

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_problem_becomes_an_item_escalates_and_closes_with_evidence(live_server, page: Page, browser, city, tmp_path):
    url = live_server.url
    today = datetime.date.today()
    campaign = make_campaign(city.root)
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.REPLIED)

    # 1. The branch draws up its plan and raises an item from the problem, due tomorrow.
    sign_in(page, url, city.branch_secretary_a.username)
    page.goto(f"{url}/rectification/plans/new/{city.branch_a.pk}/?campaign={campaign.pk}")
    page.fill("#id_title", "甲一支部整改方案")
    page.select_option("#id_audience", "public")
    page.locator("main form button[type=submit]").click()
    plan = RectificationPlan.objects.get(organisation=city.branch_a, member=None)
    expect(page).to_have_url(f"{url}/rectification/plans/{plan.pk}/")
    page.goto(f"{url}/rectification/plans/{plan.pk}/items/new/?problem={problem.pk}")
    expect(page.get_by_test_id("source")).to_be_visible()
    page.fill("#id_deadline", (today + datetime.timedelta(days=1)).isoformat())
    page.locator("main form button[type=submit]").click()
    item = RectificationItem.objects.get(problem=problem)
    expect(page).to_have_url(f"{url}/rectification/items/{item.pk}/")
    expect(page.get_by_test_id("source-link")).to_have_attribute("href", f"/opinions/problems/{problem.pk}/")
    page.goto(f"{url}/rectification/plans/{plan.pk}/")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "published")

    # 2. The deadline passes: the daily job, run as of two days on, escalates it to the committee above.
    call_command("escalate_overdue_items", "--as-of", (today + datetime.timedelta(days=2)).isoformat())
    item.refresh_from_db()
    assert item.escalated_at is not None
    # The office lists it publicly with its deadline (挂牌).
    items.list_publicly(item=item, actor=city.office, listed=True)

    # 3. The district sees it among the escalated items.
    page.context.clear_cookies()
    sign_in(page, url, city.secretary_a.username)
    page.goto(f"{url}/rectification/items/?escalated=1")
    expect(page.get_by_test_id(f"item-{item.pk}")).to_be_visible()

    # 4. The branch notes progress with a file and reports it done.
    page.context.clear_cookies()
    sign_in(page, url, city.branch_secretary_a.username)
    evidence = tmp_path / "整改照片.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.goto(f"{url}/rectification/items/{item.pk}/")
    page.get_by_test_id("note").click()
    page.fill("#id_text", "增设两个窗口，已拍照存档。")
    page.set_input_files("#id_file", str(evidence))
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("note-file")).to_be_visible()
    page.get_by_test_id("act-report_done").click()
    page.fill("#id_text", "增设两个窗口，平均等候降到十分钟。")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ItemStatus.DONE)

    # 5. The district verifies and closes it; the problem it came from is rectified and shows the item.
    page.context.clear_cookies()
    sign_in(page, url, city.secretary_a.username)
    page.goto(f"{url}/rectification/items/{item.pk}/")
    page.get_by_test_id("act-verify").click()
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ItemStatus.CLOSED)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFIED
    page.goto(f"{url}/opinions/problems/{problem.pk}/")
    expect(page.get_by_test_id(f"rectification-item-{item.pk}")).to_be_visible()

    # 6. Listed by the office, it stays on the unit's public page, closed; the page reads on a phone signed out.
    public = browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    phone = public.new_page()
    phone.goto(f"{url}/r/{plans.public_code(campaign, city.branch_a)}/")
    expect(phone.get_by_test_id(f"listed-{item.pk}")).to_be_visible()
    expect(phone.locator(f"[data-testid=listed-{item.pk}] [data-status]")).to_have_attribute("data-status", "closed")
    no_sideways_scroll(phone)
    public.close()
