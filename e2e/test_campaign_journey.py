"""A campaign from launch to the second phase in a real browser (issue #12).

The office launches a campaign from the shipped pilot template; a branch secretary, on a phone, records the
first phase's steps — a mobilisation meeting with its attendance and a file, the study checklist, the documents —
and asks for acceptance; the supervision group's inspector accepts; the office's progress page shows the branch
in the second phase.  Assertions use test ids, URLs and data, not the wording of UI strings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, make_user
from vanguard.campaigns import blueprints, supervision
from vanguard.campaigns.models import Campaign, Unit, UnitState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEFINITIONS = Path(blueprints.__file__).resolve().parent / "definitions"
PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


@pytest.fixture
def pdf(tmp_path) -> Path:
    path = tmp_path / "材料.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return path


def test_a_campaign_from_launch_to_the_second_phase(live_server, page: Page, browser, city, shot, pdf, today):
    url = live_server.url
    template, _changed = blueprints.install((DEFINITIONS / "pilot.yaml").read_text(encoding="utf-8"))

    # 1. The office drafts the campaign from the shipped template and launches it.
    sign_in(page, url, city.office.username)
    page.goto(f"{url}/campaigns/")
    page.get_by_test_id("new-campaign").click()
    page.select_option("#id_template", str(template.pk))
    page.select_option("#id_organisation", str(city.root.pk))
    page.fill("#id_name", "先进性教育活动试点")
    page.fill("#id_theme", "做风正心齐表率")
    page.fill("#id_starts_on", today.isoformat())
    shot(page, "campaign-new")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/campaigns/\d+/$"))
    expect(page.get_by_test_id("batches")).to_contain_text(template.definition["batches"][0]["name"])
    page.get_by_test_id("launch").click()
    expect(page.get_by_test_id("progress-link")).to_be_visible()
    campaign = Campaign.objects.get()
    assert campaign.status == "running"
    shot(page, "campaign-launched", docs="campaign.png")

    # A supervision group covers district A.
    inspector = make_user("inspector")
    group = supervision.create_group(campaign=campaign, name="第一督导组", kind="supervision", actor=city.office)
    supervision.add_person(group=group, user=inspector, is_leader=True, actor=city.office)
    supervision.assign_units(
        group=group, units=[Unit.objects.get(campaign=campaign, organisation=city.district_a)], actor=city.office
    )

    # 2. The branch secretary, on a phone, finds the work due on the home page and records phase 1's steps.
    phone_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE)
    phone = phone_context.new_page()
    try:
        sign_in(phone, url, city.branch_secretary_a.username)
        expect(phone.get_by_test_id("work")).to_contain_text(city.branch_a.name)
        no_sideways_scroll(phone)
        shot(phone, "campaign-home-phone", docs="campaign-home.png")
        unit = Unit.objects.get(campaign=campaign, organisation=city.branch_a)
        phone.goto(f"{url}/campaigns/units/{unit.pk}/")
        no_sideways_scroll(phone)

        # The mobilisation meeting: attendance (the branch's member present), minutes and a file.
        phone.get_by_test_id("record-mobilisation").click()
        phone.fill('[name="e0-title"]', "先进性教育活动动员大会")
        phone.fill('[name="e0-held_on"]', today.isoformat())
        phone.fill('[name="e0-place"]', "支部活动室")
        phone.fill('[name="e0-minutes"]', "传达上级部署，全体党员参加。")
        phone.check(f'[name="e0-attendance_{city.member_a.pk}"][value="present"]')
        phone.set_input_files('[name="e0-files"]', str(pdf))
        no_sideways_scroll(phone)
        shot(phone, "campaign-record-meeting-phone", docs="campaign-record.png")
        phone.get_by_test_id("save-step").click()
        expect(phone).to_have_url(re.compile(rf"/campaigns/units/{unit.pk}/$"))

        # The required texts: every item of the checklist.
        phone.get_by_test_id("record-required-texts").click()
        for box in phone.locator('[name="e0-ticked"]').all():
            box.check()
        phone.get_by_test_id("save-step").click()
        expect(phone).to_have_url(re.compile(rf"/campaigns/units/{unit.pk}/$"))

        # Documents: the requirements drafted in the great discussion, and the phase-2 forms prepared.
        for step_key, inputs in (("great-discussion", 2), ("prepare-forms", 1)):
            phone.get_by_test_id(f"record-{step_key}").click()
            for index in range(inputs):
                phone.set_input_files(f'[name="e{index}-file"]', str(pdf))
            phone.get_by_test_id("save-step").click()
            expect(phone).to_have_url(re.compile(rf"/campaigns/units/{unit.pk}/$"))

        expect(phone.get_by_test_id("step-done")).to_have_count(4)
        phone.get_by_test_id("decide-ask").click()
        expect(phone.get_by_test_id("decide-ask")).to_have_count(0)
        no_sideways_scroll(phone)
        shot(phone, "campaign-asked-phone")
    finally:
        phone_context.close()
    assert Unit.objects.get(pk=unit.pk).state == UnitState.AWAITING

    # 3. The inspector sees the unit waiting on their home page and accepts the phase.
    page.context.clear_cookies()
    sign_in(page, url, inspector.username)
    page.get_by_role("link", name=city.branch_a.name).first.click()
    expect(page).to_have_url(re.compile(rf"/campaigns/units/{unit.pk}/$"))
    page.get_by_test_id("decide-accept").click()
    expect(page.get_by_test_id("unit-phase")).to_have_text(campaign.phases.get(order=2).name)
    shot(page, "campaign-accepted")

    # 4. The office's progress page shows the branch in the second phase.
    page.context.clear_cookies()
    sign_in(page, url, city.office.username)
    page.goto(f"{url}/campaigns/{campaign.pk}/")
    page.get_by_test_id("progress-link").click()
    expect(page.get_by_test_id("progress-table")).to_be_visible()
    shot(page, "campaign-progress-city", docs="campaign-progress.png")
    page.goto(f"{url}/campaigns/{campaign.pk}/progress/?organisation={city.committee_a.pk}")
    row = page.get_by_test_id(f"progress-row-{city.branch_a.pk}")
    expect(row.get_by_test_id("phase-2")).to_have_text("1")
    expect(row.get_by_test_id("phase-1")).to_have_text("0")
    shot(page, "campaign-progress-committee")
