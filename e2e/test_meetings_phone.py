"""A branch secretary records a meeting on a 390 px phone with JavaScript off: attendance, an absentee, a file.

Screenshots of the form, the errors and the meeting's page go to test-artifacts/e2e/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.phone import PHONE, fits
from vanguard.meetings.models import Meeting
from vanguard.members.factories import MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MINUTES = {"name": "纪要.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}


def test_record_a_meeting_on_a_phone_without_javascript(browser, live_server, city, settings, tmp_path, shot):
    settings.MEDIA_ROOT = tmp_path / "media"
    away = MemberFactory(organisation=city.branch_a, name="王缺席")
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", city.branch_secretary_a.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/orgs/{city.branch_a.pk}/")
    page.locator(f"a[href='/meetings/of/{city.branch_a.pk}/']").click()
    fits(page)
    page.locator(f"a[href='/meetings/new-in/{city.branch_a.pk}/']").click()
    fits(page)
    shot(page, "meeting-form-phone")

    page.select_option("#id_kind", "mobilisation")
    page.fill("#id_title", "动员大会")
    page.fill("#id_held_on", "2026-03-02")
    page.fill("#id_speakers", "张甲")
    page.check(f"input[name='attendance_{away.pk}'][value='absent']")
    page.set_input_files("#id_files", files=[MINUTES])
    page.locator("main form[method=post] button[type=submit]").click()
    # No reason for the absentee: the form comes back with the error, on the phone, nothing saved.
    expect(page.locator(".has-error .error")).to_have_count(1)
    fits(page)
    shot(page, "meeting-form-error-phone")
    assert not Meeting.objects.exists()

    page.check(f"input[name='attendance_{away.pk}'][value='absent']")
    page.fill(f"#id_reason_{away.pk}", "出差")
    page.set_input_files("#id_files", files=[MINUTES])
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator("[data-testid=present-count]")).to_have_text("1")
    expect(page.locator("[data-testid=absent-count]")).to_have_text("1")
    expect(page.locator("[data-testid=meeting-files] a")).to_have_text("纪要.pdf")
    fits(page)
    shot(page, "meeting-detail-phone")
    meeting = Meeting.objects.get()
    assert meeting.attendance.get(member=away).absence_reason == "出差"
    context.close()
