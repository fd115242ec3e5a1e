"""Study on a 390 px phone: the secretary schedules a session, the member sees it due on their own page, the
secretary records the attendance, and the member's credits change. Screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from e2e.phone import fits, sign_in
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.study import services
from vanguard.study.models import Activity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_sees_the_session_due_and_credits_follow_attendance(browser, live_server, city, shot):
    campaign = make_campaign(city.root, starts_on=datetime.date.today() - datetime.timedelta(days=10))
    first = campaign.phases.order_by("order").first()
    services.set_rules(
        campaign=campaign,
        actor=city.office,
        rules=[{"activity": Activity.STUDY, "credits": 2}],
        requirements=[{"phase": first, "credits": 6}],
    )

    secretary, desk = sign_in(browser, live_server, city.branch_secretary_a)
    desk.goto(f"{live_server.url}/orgs/{city.branch_a.pk}/")
    desk.locator("[data-testid=study]").click()
    desk.locator("[data-testid=schedule]").click()
    # The click starts a navigation; measuring before the form is there reads a page in between.
    expect(desk.locator("[data-testid=schedule-form]")).to_be_visible()
    fits(desk)
    desk.select_option("#id_kind", "study")
    desk.fill("#id_title", "学习党章第一章")
    desk.fill("#id_held_on", datetime.date.today().isoformat())
    desk.fill("#id_place", "支部活动室")
    desk.locator("[data-testid=schedule-form] button[type=submit]").click()
    expect(desk.locator("[data-testid=recorded]")).to_have_attribute("data-recorded", "no")

    member, phone = sign_in(browser, live_server, city.member_user_a)
    # Signing in lands on the member's own page.
    expect(phone.locator("[data-testid=sessions-due] [data-testid=session-due]")).to_contain_text("学习党章第一章")
    # Before anything is recorded: nothing earned in the first phase, against what it asks.
    before = phone.locator(f"[data-testid=standing][data-phase='{first.key}']")
    expect(before).to_have_attribute("data-earned", "0")
    expect(before).to_have_attribute("data-required", "6")
    fits(phone)
    shot(phone, "study-member-page-phone")

    desk.check(f"#present_{city.member_a.pk}_1")
    desk.locator("[data-testid=attendance-form] button[type=submit]").click()
    expect(desk.locator("[data-testid=recorded]")).to_have_attribute("data-recorded", "yes")
    fits(desk)
    shot(desk, "study-attendance-phone")

    phone.reload()
    standing = phone.locator(f"[data-testid=standing][data-phase='{first.key}']")
    expect(standing).to_have_attribute("data-earned", "2")
    expect(standing).to_have_attribute("data-required", "6")
    expect(phone.locator("[data-testid=session-due]")).to_have_count(0)
    expect(phone.locator("[data-testid=my-record]")).to_contain_text("学习党章第一章")
    fits(phone)
    shot(phone, "study-credits-phone", docs="study-member-phone.png")
    secretary.close()
    member.close()
