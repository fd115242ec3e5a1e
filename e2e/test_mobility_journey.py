"""A member goes to work in another province: the home branch registers them away to the city's mobile-member
branch there, which receives them and records their study; the home branch sees that study on the same page.
Both at phone size, in Simplified Chinese and in Traditional. Screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from conftest import make_user
from e2e.phone import fits, sign_in
from vanguard.accounts.models import Role
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.mobility.models import MobileRecord, RecordStatus
from vanguard.mobility.tests import factories
from vanguard.study.models import StudyRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_branch_registers_inflow_branch_receives_and_records_study(browser, live_server, city, shot):
    make_campaign(city.root, starts_on=datetime.date.today() - datetime.timedelta(days=10))
    guangdong = factories.outside_organisation(city.district_b, name="乙区驻东莞流动党员党支部")
    guangdong_point = factories.ServicePoint.objects.get(organisation=guangdong)
    inflow_secretary = make_user("gd_sec", Role.SECRETARY, guangdong)
    away_since = datetime.date.today() - datetime.timedelta(days=200)

    home, desk = sign_in(browser, live_server, city.branch_secretary_a)
    desk.goto(f"{live_server.url}/orgs/{city.branch_a.pk}/")
    desk.locator("[data-testid=mobility]").click()
    desk.locator("[data-testid=register-away]").click()
    expect(desk.locator("[data-testid=form]")).to_be_visible()
    fits(desk)
    desk.select_option("#id_member", str(city.member_a.pk))
    desk.fill("#id_destination", "广东省东莞市长安镇")
    desk.fill("#id_away_since", away_since.isoformat())
    desk.fill("#id_contact", "13900000000")
    desk.fill("#id_work", "电子厂")
    desk.select_option("#id_inflow", str(guangdong_point.pk))
    desk.locator("[data-testid=form] button[type=submit]").click()
    expect(desk.locator("[data-testid=inflow]")).to_have_text(guangdong.name)
    # Away more than six months and no card yet: the page says what is due.
    expect(desk.locator("[data-testid=needs-card]")).to_be_visible()
    fits(desk)
    shot(desk, "mobility-registered-phone")
    record = MobileRecord.objects.get(member=city.member_a)

    inflow, phone = sign_in(browser, live_server, inflow_secretary, locale="zh-TW")
    phone.goto(f"{live_server.url}/mobility/orgs/{guangdong.pk}/")
    awaiting = phone.locator("[data-testid=awaiting]")
    expect(awaiting).to_contain_text(city.member_a.name)
    fits(phone)
    awaiting.locator("a").first.click()
    phone.locator("[data-testid=action-receive] button[type=submit]").click()
    expect(phone.locator("[data-testid=record-status]")).to_have_attribute("data-status", "received")
    fits(phone)
    phone.locator("[data-testid=record-study]").click()
    expect(phone.locator("[data-testid=record-form]")).to_be_visible()
    fits(phone)
    phone.select_option("#id_activity", "remote")
    phone.fill("#id_hours", "2")
    phone.fill("#id_what", "驻东莞支部集中学习党章")
    phone.locator("[data-testid=record-form] button[type=submit]").click()
    # Back on the record (the inflow branch cannot open the home branch's pages), with the study listed.
    expect(phone.locator("[data-testid=study-record]")).to_contain_text("驻东莞支部集中学习党章")
    fits(phone)
    shot(phone, "mobility-inflow-recorded-phone-zh-hant")
    record.refresh_from_db()
    assert record.status == RecordStatus.RECEIVED
    assert StudyRecord.objects.get(member=city.member_a).recorded_at_organisation_id == guangdong.pk

    desk.reload()
    expect(desk.locator("[data-testid=study-record]")).to_contain_text("驻东莞支部集中学习党章")
    expect(desk.locator("[data-testid=study-record]")).to_contain_text(guangdong.name)
    fits(desk)
    shot(desk, "mobility-home-sees-study-phone", docs="mobility-record-phone.png")
    home.close()
    inflow.close()
