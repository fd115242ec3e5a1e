import datetime
import io
import random

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.core import people
from vanguard.core.models import Job
from vanguard.members.models import Member
from vanguard.members.services import reveal_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_runner(settings, tmp_path):
    settings.VANGUARD_TASKS = "immediate"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"


def roster_bytes(tmp_path, rows) -> bytes:
    path = tmp_path / "upload.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["甲一支部党员花名册"])
    sheet.write_row(1, 0, ["序号", "姓名", "身份证号", "入党时间"])
    for r, row in enumerate(rows, start=2):
        sheet.write_row(r, 0, row)
    book.close()
    return path.read_bytes()


def good_rows(count=2):
    rng = random.Random(11)
    return [
        [i + 1, f"导入{i}", people.id_number(rng, datetime.date(1980, 1, 1 + i), "F"), "2005-07-01"]
        for i in range(count)
    ]


def upload(client, org, data, name="花名册.xlsx", captured=None):
    file = SimpleUploadedFile(name, data)
    return client.post(reverse("rosters:upload", args=[org.pk]), {"what": "members", "file": file})


def test_upload_check_then_commit(client, city, tmp_path, django_capture_on_commit_callbacks):
    assert client.login(username="sec_a", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, city.branch_a, roster_bytes(tmp_path, good_rows()))
    job = Job.objects.get(kind="rosters.check")
    assert response.status_code == 302 and response["Location"] == reverse("core:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-created">2<' in page and not Member.objects.filter(name__startswith="导入").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rosters:commit", args=[job.pk]))
    assert Member.objects.filter(name__startswith="导入", organisation=city.branch_a).count() == 2
    assert 'data-testid="import-done"' in client.get(response["Location"]).content.decode()


def test_problems_are_listed_and_downloadable_and_commit_is_refused(
    client, city, tmp_path, django_capture_on_commit_callbacks
):
    rows = good_rows(3)
    rows[1][2] = rows[1][2][:-1] + ("1" if rows[1][2][-1] != "1" else "2")
    assert client.login(username="sec_a", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, city.branch_a, roster_bytes(tmp_path, rows))
    job = Job.objects.get(kind="rosters.check")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-problems">1<' in page and ">4<" in page and 'data-testid="commit"' not in page
    assert rows[1][2] not in page  # the ID number is masked in the report
    download = client.get(reverse("rosters:problems", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert client.post(reverse("rosters:commit", args=[job.pk])).status_code == 404


def test_not_a_spreadsheet(client, city, django_capture_on_commit_callbacks):
    assert client.login(username="sec_a", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, city.branch_a, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, name="photo.xlsx")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-problems">1<' in page


def test_export_download_for_its_creator_or_an_identity_holder(client, city, django_capture_on_commit_callbacks):
    assert client.login(username="sec_a", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rosters:export", args=[city.district_a.pk]), {"what": "members"})
    assert response.status_code == 302
    job = Job.objects.get(kind="rosters.export")
    assert job.result["count"] == 1
    url = reverse("rosters:download", args=[job.pk])
    assert client.get(url).status_code == 200
    assert 'data-testid="download-export"' in client.get(reverse("core:job", args=[job.pk])).content.decode()
    client.logout()
    assert client.login(username="sup_a", password=PASSWORD)
    page = client.get(reverse("core:job", args=[job.pk]))
    assert page.status_code == 200 and 'data-testid="download-export"' not in page.content.decode()
    assert client.get(url).status_code == 404
    client.logout()
    assert client.login(username="office", password=PASSWORD)  # not the creator, but may see identities there
    assert client.get(url).status_code == 200


def test_the_offices_export_is_not_for_the_district_secretary(client, city, django_capture_on_commit_callbacks):
    """The office's export holds full ID numbers; a secretary of the district it covers sees the job, not the file."""
    assert client.login(username="office", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rosters:export", args=[city.district_a.pk]), {"what": "members"})
    job = Job.objects.get(kind="rosters.export")
    url = reverse("rosters:download", args=[job.pk])
    assert reveal_id_number(city.member_a) in sheet_cells(client.get(url))
    client.logout()
    assert client.login(username="sec_a", password=PASSWORD)
    assert client.get(reverse("core:job", args=[job.pk])).status_code == 200
    assert client.get(url).status_code == 404


def sheet_cells(response) -> set[str]:
    """Every cell of every sheet of a downloaded workbook, as text."""
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return {str(cell) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for cell in row}


def office_uploads(client, city, tmp_path, rows, capture) -> Job:
    """The office (administrator at the city) checks a roster for district A."""
    assert client.login(username="office", password=PASSWORD)
    with capture(execute=True):
        upload(client, city.district_a, roster_bytes(tmp_path, rows))
    client.logout()
    return Job.objects.get(kind="rosters.check", created_by=city.office)


def test_problems_workbook_of_the_offices_upload(client, city, tmp_path, django_capture_on_commit_callbacks):
    """Security finding 1: the district's secretary sees the office's dry run but not its file of full ID numbers."""
    rows = good_rows(3)
    rows[1][2] = rows[1][2][:-1] + ("1" if rows[1][2][-1] != "1" else "2")  # a wrong check digit
    job = office_uploads(client, city, tmp_path, rows, django_capture_on_commit_callbacks)
    assert job.result["problems_file"] and job.organisation == city.district_a
    url = reverse("rosters:problems", args=[job.pk])
    for username in ("sec_a", "sup_a", "branch_sec_a", "sec_b", "mem_a"):
        assert client.login(username=username, password=PASSWORD)
        assert client.get(url).status_code == 404, username
        client.logout()
    assert client.login(username="sec_a", password=PASSWORD)  # the job itself is in their scope
    page = client.get(reverse("core:job", args=[job.pk]))
    assert page.status_code == 200 and 'data-testid="download-problems"' not in page.content.decode()
    client.logout()
    assert client.login(username="office", password=PASSWORD)
    cells = sheet_cells(client.get(url))
    assert {row[2] for row in rows} <= cells  # the creator gets back the very file they uploaded
    assert 'data-testid="download-problems"' in client.get(reverse("core:job", args=[job.pk])).content.decode()
    client.logout()
    make_user("admin_a", Role.ADMIN, city.district_a)  # not the creator, but may see identities in district A
    assert client.login(username="admin_a", password=PASSWORD)
    assert sheet_cells(client.get(url)) == cells


def test_the_report_withholds_what_quotes_an_id_number(client, city, tmp_path, django_capture_on_commit_callbacks):
    """Messages about an ID number quote its digits (region code, birth date): only for who may have the file."""
    rows = good_rows(3)
    rng = random.Random(5)
    unknown_region = people.id_number(rng, datetime.date(1985, 3, 4), "M", region="999999")
    rows[1][2] = unknown_region  # accepted, with a warning that names the region code
    rows[2][2] = rows[2][2][:6] + "19850230" + rows[2][2][14:]  # no such day: the message quotes the 8 digits
    job = office_uploads(client, city, tmp_path, rows, django_capture_on_commit_callbacks)
    # Only the code that never existed warns: Chongqing's 500101, created after 1980, is normal (DOMAIN §1).
    assert job.result["report"]["problem_count"] == 1 and job.result["report"]["warning_count"] == 1
    page_url = reverse("core:job", args=[job.pk])
    assert client.login(username="office", password=PASSWORD)
    full = client.get(page_url).content.decode()
    assert all(digits in full for digits in ("999999", "19850230")) and 'data-testid="withheld"' not in full
    client.logout()
    for username in ("sec_a", "sup_a"):
        assert client.login(username=username, password=PASSWORD)
        page = client.get(page_url).content.decode()
        assert page.count('data-testid="withheld"') == 2, username
        leaked = [digits for digits in ["999999", "19850230"] + [row[2] for row in rows] if digits in page]
        assert not leaked, f"{username} reads {leaked}"
        assert 'data-testid="count-problems">1<' in page  # the rest of the report is theirs to read
        client.logout()


def test_only_who_may_have_the_file_commits_it(client, city, tmp_path, django_capture_on_commit_callbacks):
    """The import a commit starts is the committer's, and its problems workbook is the uploaded file."""
    job = office_uploads(client, city, tmp_path, good_rows(), django_capture_on_commit_callbacks)
    commit = reverse("rosters:commit", args=[job.pk])
    assert client.login(username="sec_a", password=PASSWORD)
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert 'data-testid="count-created">2<' in page and 'data-testid="commit"' not in page
    assert client.post(commit).status_code == 404
    assert not Job.objects.filter(kind="rosters.import").exists()
    client.logout()
    make_user("admin_a", Role.ADMIN, city.district_a)
    assert client.login(username="admin_a", password=PASSWORD)
    assert 'data-testid="commit"' in client.get(reverse("core:job", args=[job.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(commit).status_code == 302
    assert Member.objects.filter(name__startswith="导入", organisation=city.district_a).count() == 2


def test_supervisor_cannot_upload(client, city):
    assert client.login(username="sup_a", password=PASSWORD)
    assert client.get(reverse("rosters:upload", args=[city.branch_a.pk])).status_code == 404
