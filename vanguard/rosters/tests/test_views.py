import datetime
import random

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import PASSWORD
from vanguard.core import people
from vanguard.core.models import Job
from vanguard.members.models import Member

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


def test_export_download_only_for_its_creator(client, city, django_capture_on_commit_callbacks):
    assert client.login(username="sec_a", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rosters:export", args=[city.district_a.pk]), {"what": "members"})
    job = Job.objects.get(kind="rosters.export")
    assert job.result["count"] == 1
    download = client.get(reverse("rosters:download", args=[job.pk]))
    assert download.status_code == 200
    client.logout()
    assert client.login(username="sup_a", password=PASSWORD)
    assert client.get(reverse("rosters:download", args=[job.pk])).status_code == 404
    assert response.status_code == 302


def test_supervisor_cannot_upload(client, city):
    assert client.login(username="sup_a", password=PASSWORD)
    assert client.get(reverse("rosters:upload", args=[city.branch_a.pk])).status_code == 404
