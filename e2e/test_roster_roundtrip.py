"""A district secretary's export imports again as it is (issue 16, point 1), in a real browser.

As the secretary of a district, who sees ID numbers only masked: export the district's members from its
organisation page, download the file, upload that same file for a dry run. The dry run finds no problem and
nothing to create or change: the export's member key column matched every row whose ID number it masked.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from conftest import PASSWORD
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_secretarys_export_re_imports_unchanged(live_server, page: Page, city, settings, tmp_path, shot):
    settings.VANGUARD_TASKS = "immediate"  # jobs run in the server's thread once the request commits
    settings.DATA_DIR = tmp_path / "data"
    MemberFactory(organisation=city.branch_a2, category="mobile")
    MemberFactory(organisation=city.branch_a2, category="retired")
    MemberFactory(organisation=city.branch_a, name="张 三")  # a space inside, as a form may have stored it
    district = city.district_a
    count = Member.objects.filter(org_path__startswith=district.path).count()
    before = list(Member.objects.order_by("pk").values())
    url = live_server.url

    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", city.secretary_a.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    # 1. Export the district's members from its organisation page; the job page says what is masked.
    page.goto(f"{url}/orgs/{district.pk}/")
    page.locator('button[name="what"][value="members"]').click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/"))
    expect(page.get_by_test_id("export-masking")).to_be_visible()
    shot(page, "roundtrip-export")
    with page.expect_download() as download:
        page.get_by_test_id("download-export").click()
    exported = tmp_path / "export.xlsx"
    download.value.save_as(exported)
    rows = CalamineWorkbook.from_path(str(exported)).get_sheet_by_index(0).to_python()
    assert len(rows) == 3 + count and all("*" in str(cell) for row in rows[3:] for cell in row if "**" in str(cell))
    assert sum("**********" in str(cell) for row in rows[3:] for cell in row) == count  # every ID masked

    # 2. Upload that very file: the dry run finds no problem and nothing to change.
    page.goto(f"{url}/rosters/{district.pk}/import/")
    page.set_input_files("#id_file", str(exported))
    shot(page, "roundtrip-upload")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/"))
    expect(page.get_by_test_id("count-problems")).to_have_text("0")
    expect(page.get_by_test_id("count-created")).to_have_text("0")
    expect(page.get_by_test_id("count-updated")).to_have_text("0")
    expect(page.get_by_test_id("count-unchanged")).to_have_text(str(count))
    expect(page.get_by_test_id("change-table")).to_have_count(0)
    expect(page.get_by_test_id("commit")).to_have_count(0)
    expect(page.get_by_test_id("problem-table")).to_have_count(0)
    shot(page, "roundtrip-dry-run")
    assert list(Member.objects.order_by("pk").values()) == before
