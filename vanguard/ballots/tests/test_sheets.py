"""Printed ballots: the PDF is rendered to pixels and read back (Chinese glyphs, the QR code, the codes themselves);
issuing from the page; links sent to a list; who may issue and download; where the plaintext codes live."""

from __future__ import annotations

import io
import json
import os
import re
import time

import numpy as np
import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext
from PIL import Image

from conftest import PASSWORD
from vanguard.ballots import services, sheets, tasks
from vanguard.ballots.models import Ballot, Constituency, Medium, Status, Token
from vanguard.ballots.tests.factories import ballot, questionnaire
from vanguard.core.models import AuditEntry, Job, JobStatus

pytestmark = pytest.mark.django_db

# Ten different characters: a font without Chinese draws ten identical boxes (or nothing).
TITLE = "甲街道群众满意度测评"
STRATUM = "甲一社区"
CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")
POINTS_PER_MM = 72 / 25.4


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def survey(city) -> Ballot:
    return ballot(
        city.district_a,
        title=TITLE,
        questions=questionnaire(),
        instructions="请在11月30日前交回。",
        constituencies=(Constituency.PUBLIC, Constituency.MEMBERS),
    )


def issue(client, user, survey, django_capture_on_commit_callbacks, *, what="sheets", **fields):
    client.login(username=user.username, password=PASSWORD)
    data = {f"{what}-constituency": Constituency.PUBLIC, f"{what}-stratum": STRATUM, f"{what}-count": 3}
    data.update({f"{what}-{key}": value for key, value in fields.items()})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(f"ballots:issue_{what}", args=[survey.pk]), data)
    return response


def issued_pdf(client, user, survey, capture, **fields) -> tuple[Job, bytes]:
    response = issue(client, user, survey, capture, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(kind=tasks.KIND, created_by=user)
    assert response["Location"] == reverse("core:job", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED, job.error
    download = client.get(reverse("ballots:sheets_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    return job, b"".join(download.streaming_content)


def page_texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    return [document[index].get_textpage().get_text_range() for index in range(len(document))]


def gray(page, scale: float) -> np.ndarray:
    return np.asarray(page.render(scale=scale, grayscale=True).to_pil().convert("L"), dtype=np.uint8)


def test_n_sheets_make_n_pages_carrying_exactly_the_issued_codes(
    client, city, survey, django_capture_on_commit_callbacks
):
    job, data = issued_pdf(client, city.secretary_a, survey, django_capture_on_commit_callbacks)
    texts = page_texts(data)
    assert len(texts) == 3 == job.result["pages"]
    codes_by_page = [set(CODE.findall(text)) for text in texts]
    assert all(len(found) == 1 for found in codes_by_page), codes_by_page
    printed = [code for found in codes_by_page for code in found]
    tokens = Token.objects.filter(ballot=survey)
    assert sorted(services.code_hash(code) for code in printed) == sorted(tokens.values_list("code_hash", flat=True))
    assert set(tokens.values_list("medium", "constituency", "stratum")) == {
        (Medium.SHEET, Constituency.PUBLIC, STRATUM)
    }
    for text in texts:
        assert TITLE in text and STRATUM in text
        assert "您喜欢的学习形式" in text and "三次以上" in text  # the questions and their options
    # The printed codes vote: they are the ballot's, and nothing else was issued.
    survey.refresh_from_db()
    assert survey.issued == 3
    services.cast(ballot=survey, code=printed[0], answers={"q1": "satisfied"})


def test_the_chinese_title_is_drawn_in_real_glyphs(client, city, survey, django_capture_on_commit_callbacks):
    _job, data = issued_pdf(client, city.secretary_a, survey, django_capture_on_commit_callbacks, count=1)
    page = pdfium.PdfDocument(data)[0]
    scale = 4
    pixels = gray(page, scale)
    textpage = page.get_textpage()
    start = textpage.get_text_range().index(TITLE)
    height = page.get_height()
    glyphs = []
    for index in range(start, start + len(TITLE)):
        left, bottom, right, top = textpage.get_charbox(index)
        crop = pixels[
            int((height - top) * scale) : int((height - bottom) * scale) + 1, int(left * scale) : int(right * scale) + 1
        ]
        ink = crop < 128
        # Each character leaves ink, and not a filled block.
        assert 0.05 < ink.mean() < 0.7, (TITLE[index - start], ink.mean())
        glyphs.append(np.asarray(Image.fromarray(crop).resize((32, 32))) < 128)
    for first in range(len(glyphs)):
        for second in range(first + 1, len(glyphs)):
            differing = (glyphs[first] != glyphs[second]).mean()
            assert differing > 0.1, (TITLE[first], TITLE[second], differing)


def test_the_qr_code_reads_as_the_voting_link_with_the_sheets_code(
    client, city, survey, django_capture_on_commit_callbacks
):
    _job, data = issued_pdf(client, city.secretary_a, survey, django_capture_on_commit_callbacks, count=2)
    document = pdfium.PdfDocument(data)
    for index in range(len(document)):
        page = document[index]
        [code] = set(CODE.findall(page.get_textpage().get_text_range()))
        link = f"http://testserver/b/{survey.public_id}/{code}/"
        expected = np.array(sheets.qr_modules(link))
        scale = 4
        pixels = gray(page, scale)
        size = len(expected)
        step = sheets.QR_SIZE / (size + 8)
        seen = np.zeros_like(expected)
        for row in range(size):
            for column in range(size):
                x = (sheets.QR_X + (4 + column + 0.5) * step) * POINTS_PER_MM * scale
                y = (sheets.QR_Y + (4 + row + 0.5) * step) * POINTS_PER_MM * scale
                seen[row, column] = pixels[int(y), int(x)] < 128
        assert (seen == expected).all(), f"page {index + 1}: {(seen != expected).sum()} modules differ"
        # The quiet zone around it is white, so a phone finds the symbol.
        left = int(sheets.QR_X * POINTS_PER_MM * scale)
        top = int(sheets.QR_Y * POINTS_PER_MM * scale)
        margin = int(3 * step * POINTS_PER_MM * scale)
        assert (pixels[top : top + margin, left : left + int(sheets.QR_SIZE * POINTS_PER_MM * scale)] > 200).all()


def test_kiosk_codes_are_a_compact_list(client, city, survey, django_capture_on_commit_callbacks):
    _job, data = issued_pdf(
        client, city.secretary_a, survey, django_capture_on_commit_callbacks, what="kiosk", count=150
    )
    texts = page_texts(data)
    assert len(texts) == 2  # 88 slips a page
    printed = [code for text in texts for code in CODE.findall(text)]
    assert len(printed) == len(set(printed)) == 150
    tokens = Token.objects.filter(ballot=survey)
    assert sorted(map(services.code_hash, printed)) == sorted(tokens.values_list("code_hash", flat=True))
    assert set(tokens.values_list("medium", flat=True)) == {Medium.KIOSK}
    assert f"/b/{survey.public_id}/" in texts[0]


def test_plaintext_codes_are_only_in_the_file_and_the_file_expires(
    client, city, survey, settings, django_capture_on_commit_callbacks
):
    job, data = issued_pdf(client, city.secretary_a, survey, django_capture_on_commit_callbacks)
    printed = {code for text in page_texts(data) for code in CODE.findall(text)}
    assert len(printed) == 3
    job.refresh_from_db()
    stored = json.dumps([job.params, job.result, job.message]) + json.dumps(
        list(AuditEntry.objects.values_list("data", "changes")), default=str
    )
    for path in tasks.directory().iterdir():
        if path.suffix != ".pdf":
            stored += path.read_text()
    assert not printed & set(CODE.findall(stored)) and not any(code in stored for code in printed)
    # The job's page says until when the file is kept.
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert reverse("ballots:sheets_download", args=[job.pk]) in page
    # Past the retention the file is gone for good.
    settings.VANGUARD_BALLOT_SHEETS_KEEP_HOURS = 1
    old = time.time() - 2 * 3600
    os.utime(tasks.output_path(job.pk), (old, old))
    assert client.get(reverse("ballots:sheets_download", args=[job.pk])).status_code == 404
    assert not tasks.output_path(job.pk).exists()
    assert 'data-testid="sheets-gone"' in client.get(reverse("core:job", args=[job.pk])).content.decode()


def test_the_creator_deletes_the_file_once_printed(client, city, survey, django_capture_on_commit_callbacks):
    job, _data = issued_pdf(client, city.secretary_a, survey, django_capture_on_commit_callbacks)
    response = client.post(reverse("ballots:sheets_discard", args=[job.pk]))
    assert response.status_code == 302
    assert not tasks.output_path(job.pk).exists()
    assert client.get(reverse("ballots:sheets_download", args=[job.pk])).status_code == 404
    assert Token.objects.filter(ballot=survey, void=False).count() == 3  # the printed sheets still vote


def test_a_job_run_again_after_its_worker_died_issues_no_second_batch(
    client, city, survey, django_capture_on_commit_callbacks
):
    job, data = issued_pdf(client, city.secretary_a, survey, django_capture_on_commit_callbacks)
    again = tasks.issue_sheets_job(job, lambda *args, **kwargs: None)
    assert again == job.result
    assert Token.objects.filter(ballot=survey).count() == 3
    assert tasks.output_path(job.pk).read_bytes() == data


def test_a_missing_font_fails_the_job_plainly_and_issues_nothing(
    client, city, survey, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VANGUARD_PDF_FONT = str(tmp_path / "no-such-font.ttc")
    with pytest.raises(ImproperlyConfigured, match="VANGUARD_PDF_FONT"):
        sheets.font_path()
    response = issue(client, city.secretary_a, survey, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=tasks.KIND)
    assert response.status_code == 302 and job.status == JobStatus.FAILED
    assert "VANGUARD_PDF_FONT" in job.error
    assert not Token.objects.filter(ballot=survey).exists()


def test_issuing_is_for_who_may_change_the_ballots_organisation(
    client, city, survey, django_capture_on_commit_callbacks
):
    url = reverse("ballots:issue", args=[survey.pk])
    client.login(username=city.secretary_a.username, password=PASSWORD)
    page = client.get(url)
    assert page.status_code == 200
    assert 'for="id_sheets-count"' in page.content.decode() and 'for="id_links-phones"' in page.content.decode()
    # Outside the subtree, or inside it without the right to change: not found, and nothing issued.
    for user in (city.secretary_b, city.supervisor_a):
        client.login(username=user.username, password=PASSWORD)
        assert client.get(url).status_code == 404, user
        for what in ("sheets", "kiosk", "links"):
            assert issue(client, user, survey, django_capture_on_commit_callbacks, what=what).status_code == 404
    assert not Token.objects.filter(ballot=survey).exists() and not Job.objects.exists()
    # The file goes to its creator only: not to the city office, which may change the district and see its jobs.
    job, _data = issued_pdf(client, city.secretary_a, survey, django_capture_on_commit_callbacks)
    for user in (city.office, city.secretary_b, city.supervisor_a):
        client.login(username=user.username, password=PASSWORD)
        assert client.get(reverse("ballots:sheets_download", args=[job.pk])).status_code == 404, user
        assert client.post(reverse("ballots:sheets_discard", args=[job.pk])).status_code == 404, user
    assert tasks.output_path(job.pk).exists()


def test_bad_requests_are_shown_on_the_form(client, city, survey, django_capture_on_commit_callbacks):
    response = issue(client, city.secretary_a, survey, django_capture_on_commit_callbacks, constituency="businesses")
    assert response.status_code == 200 and 'data-testid="issue-sheets"' in response.content.decode()
    assert response.context["forms"]["sheets"].errors["constituency"]
    response = issue(client, city.secretary_a, survey, django_capture_on_commit_callbacks, count=tasks.MAX_SHEETS + 1)
    assert response.status_code == 200 and response.context["forms"]["sheets"].errors["count"]
    Ballot.objects.filter(pk=survey.pk).update(status=Status.CLOSED)
    response = issue(client, city.secretary_a, survey, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.context["forms"]["sheets"].non_field_errors() == [gettext("The ballot is closed.")]
    assert not Token.objects.filter(ballot=survey).exists() and not Job.objects.exists()


SENT: list[tuple[str, str]] = []


def flaky_sender(phone: str, text: str) -> None:
    if phone.endswith("0"):
        raise OSError("gateway refused")
    SENT.append((phone, text))


def test_links_sent_to_a_list(client, city, survey, settings, django_capture_on_commit_callbacks):
    settings.VANGUARD_SMS_SENDER = f"{__name__}.flaky_sender"
    SENT.clear()
    client.login(username=city.secretary_a.username, password=PASSWORD)
    url = reverse("ballots:issue_links", args=[survey.pk])
    data = {
        "links-constituency": Constituency.MEMBERS,
        "links-stratum": "",
        "links-phones": "13800000001\n\n13800000002\n13800000010\n",
    }
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any("2" in message for message in shown) and any("1" in message for message in shown[1:]), shown
    assert [phone for phone, _text in SENT] == ["13800000001", "13800000002"]
    links = [re.search(r"http://testserver/b/\w+/([\w-]+)/", text) for _phone, text in SENT]
    sent_codes = [match.group(1) for match in links]
    live = Token.objects.filter(ballot=survey, void=False)
    assert sorted(map(services.code_hash, sent_codes)) == sorted(live.values_list("code_hash", flat=True))
    assert Token.objects.filter(ballot=survey, void=True, medium=Medium.LINK).count() == 1  # the failed one
    survey.refresh_from_db()
    assert survey.issued == 2
    # A line that is not a number: nothing is sent, nothing issued.
    SENT.clear()
    data["links-phones"] = "13800000003\n张三\n"
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["forms"]["links"].errors["phones"]
    assert SENT == [] and Token.objects.filter(ballot=survey).count() == 3


def test_the_pdf_is_a4(city, survey, tmp_path):
    path = tmp_path / "one.pdf"
    sheets.write_sheets(
        ballot=survey, codes=["ABCDE-23456"], constituency="public", stratum="", base_url="https://x.cn/", path=path
    )
    page = pdfium.PdfDocument(io.BytesIO(path.read_bytes()))[0]
    assert (round(page.get_width() / POINTS_PER_MM), round(page.get_height() / POINTS_PER_MM)) == (210, 297)


def test_a_long_questionnaire_continues_with_the_code_on_every_page(city, survey, tmp_path):
    long_option = "我认为应当" + "加强学习、改进作风、联系群众" * 8
    questions = [
        {
            "key": f"q{n}",
            "kind": "single",
            "label": f"第{n}题：您对这项工作的看法",
            "options": ["好", "较好", long_option],
        }
        for n in range(1, 31)
    ]
    survey.questions = questions
    path = tmp_path / "long.pdf"
    codes = ["ABCDE-23456", "FGHJK-78923"]
    pages = sheets.write_sheets(
        ballot=survey, codes=codes, constituency="public", stratum="", base_url="https://x.cn/", path=path
    )
    texts = page_texts(path.read_bytes())
    assert pages == len(texts) and len(texts) % 2 == 0 and len(texts) >= 4
    half = len(texts) // 2
    assert [set(CODE.findall(text)) for text in texts] == [{codes[0]}] * half + [{codes[1]}] * half
    first_sheet = "".join(texts[:half]).replace("\n", "").replace("\r", "")
    assert all(f"第{n}题" in first_sheet for n in range(1, 31))
    assert first_sheet.count("联系群众") == 8 * 30  # the long option wrapped, not cut
    # A question that starts a continuation page keeps its size (the page's header is smaller).
    heights = set()
    document = pdfium.PdfDocument(path.read_bytes())
    for index in range(len(document)):
        textpage = document[index].get_textpage()
        text = textpage.get_text_range()
        for match in re.finditer(r"\d+\. 第", text):
            left, bottom, right, top = textpage.get_charbox(match.end() - 1)
            heights.add(round(top - bottom))
    assert len(heights) == 1, heights
