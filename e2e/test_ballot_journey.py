"""A satisfaction ballot by random sample, in a real browser (issue 19).

The city office makes a ballot, uploads a frame of residents, draws a sample
(its seed shown), prints the sample's sheets as a PDF and downloads it; two
residents follow their sheets' QR links on a phone without JavaScript and
vote; once the office closes the ballot, the results page shows the rate with
its 95% interval.  The codes are read from the downloaded PDF itself.
"""

from __future__ import annotations

import datetime
import re

import pypdfium2
import pytest
import xlsxwriter
from playwright.sync_api import Page, expect

from e2e.test_campaign_journey import PHONE, no_sideways_scroll, sign_in
from vanguard.ballots.models import Ballot, Cast, Frame, Sample, Token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CODE = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")


def frame_file(path) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "分层", "联系电话"])
    for n in range(12):
        sheet.write_row(n + 1, 0, [f"居民{n + 1:02d}", "解放碑片区", f"1380000{n:04d}"])
    workbook.close()


def test_a_sampled_ballot_from_frame_to_results(live_server, page: Page, browser, city, shot, tmp_path):
    url = live_server.url
    sign_in(page, url, city.office.username)
    today = datetime.date.today()

    # 1. A ballot put to the public, opened.
    page.goto(f"{url}/ballots/new/")
    page.select_option("#id_organisation", str(city.root.pk))
    page.fill("#id_title", "窗口服务满意度测评")
    page.locator("input[name=constituencies][value=members]").uncheck()
    page.locator("input[name=constituencies][value=public]").check()
    page.fill("#id_opens_on", today.isoformat())
    page.fill("#id_closes_on", (today + datetime.timedelta(days=7)).isoformat())
    page.locator("main form button[type=submit]").click()
    ballot = Ballot.objects.get(title="窗口服务满意度测评")
    expect(page).to_have_url(f"{url}/ballots/{ballot.pk}/")
    page.goto(f"{url}/ballots/{ballot.pk}/open/")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("ballot-status")).to_contain_text(
        str(Ballot.objects.get(pk=ballot.pk).get_status_display())
    )

    # 2. A frame of residents uploaded, a sample of 4 drawn; the seed is shown.
    source = tmp_path / "居民名单.xlsx"
    frame_file(source)
    page.goto(f"{url}/ballots/frames/")
    page.fill("#id_name", "解放碑居民")
    page.select_option("#id_kind", "residents")
    page.set_input_files("#id_file", str(source))
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ballots/frames/\d+/$"))
    frame_pk = Frame.objects.get(name="解放碑居民").pk
    page.goto(f"{url}/ballots/{ballot.pk}/samples/new/?frame={frame_pk}")
    page.fill("#id_size_0", "4")
    page.locator("main form[method=post] button[type=submit]").click()
    sample = Sample.objects.get(ballot=ballot)
    expect(page.get_by_test_id("seed")).to_have_text(str(sample.seed))
    assert sample.size == 4
    shot(page, "ballot-sample", docs="ballot-sample.png")

    # 3. Sheets printed by a background job; the PDF downloaded holds four codes, one per page.
    page.locator("[data-testid=issue] button[value=sheet]").click()
    with page.expect_download() as download:
        page.get_by_test_id("download-sheets").click()
    pdf_path = tmp_path / "sheets.pdf"
    download.value.save_as(pdf_path)
    document = pypdfium2.PdfDocument(str(pdf_path))
    codes = []
    for index in range(len(document)):
        codes += CODE.findall(document[index].get_textpage().get_text_range())
    codes = list(dict.fromkeys(codes))
    assert len(codes) == 4 == Token.objects.filter(ballot=ballot).count()

    # 4. Two residents vote on a phone, JavaScript off, through their sheets' QR links.
    phone_context = browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    phone = phone_context.new_page()
    for code, answer in zip(codes[:2], ["satisfied", "dissatisfied"], strict=True):
        phone.goto(f"{url}/b/{ballot.public_id}/{code}/")
        no_sideways_scroll(phone)
        phone.locator(f"input[name=q1][value={answer}]").check()
        if answer == "satisfied":
            shot(phone, "ballot-phone", docs="ballot-phone.png")
        phone.locator("main form button[type=submit]").click()
        expect(phone.get_by_test_id("counted")).to_be_visible()
    # The same code again is refused, and nothing more is stored.
    phone.goto(f"{url}/b/{ballot.public_id}/{codes[0]}/")
    expect(phone.get_by_test_id("refused")).to_have_attribute("data-reason", "spent")
    phone_context.close()
    assert Cast.objects.filter(ballot=ballot).count() == 2

    # 5. Before closing the answers are hidden; after, the rate shows with its interval.
    page.goto(f"{url}/ballots/{ballot.pk}/results/")
    expect(page.get_by_test_id("results-hidden")).to_be_visible()
    page.goto(f"{url}/ballots/{ballot.pk}/close/")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{url}/ballots/{ballot.pk}/results/")
    rate = page.locator("[data-testid=question-q1] [data-testid=rate]").first
    expect(rate).to_contain_text("50.0%")
    expect(rate).to_contain_text("9.5–90.5%")  # Wilson 95% for 1 of 2 (statsmodels: 0.0945–0.9055)
    expect(page.get_by_test_id("straddles").first).to_be_visible()
    shot(page, "ballot-results", docs="ballot-results.png")
