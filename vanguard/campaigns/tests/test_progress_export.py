"""The progress table as a printable workbook, made by a background job started from the progress page."""

from __future__ import annotations

import re
import zipfile

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from vanguard.campaigns.tests.test_dashboard import late  # noqa: F401  (fixture)
from vanguard.campaigns.tests.test_services import template  # noqa: F401  (fixture)
from vanguard.core.models import Job, JobStatus


@pytest.fixture
def immediate_jobs(settings, tmp_path):
    settings.VANGUARD_TASKS = "immediate"
    settings.DATA_DIR = tmp_path / "data"


def export(client, campaign, organisation, capture) -> Job:
    url = reverse("campaigns:progress_export", args=[campaign.pk]) + f"?organisation={organisation.pk}"
    with capture(execute=True):
        response = client.post(url)
    job = Job.objects.latest("pk")
    assert response.status_code == 302 and response.url == reverse("core:job", args=[job.pk])
    return job


def test_the_workbook_holds_the_table_in_the_printable_layout(
    client,
    city,
    late,  # noqa: F811
    immediate_jobs,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    client.force_login(city.office)
    job = export(client, late, city.root, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.kind, job.organisation, job.result["count"]) == ("campaigns.progress_export", city.root, 3)
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    download = reverse("campaigns:progress_download", args=[job.pk])
    assert download in page
    response = client.get(download)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    path = immediate_jobs_dir(job)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert late.name in rows[0][0]
    assert city.root.name in rows[1][0]
    header = rows[2]
    assert header[2:5] == ["学习动员", "分析评议", "整改提高"]
    by_name = {row[0]: row for row in rows[3:]}
    # Organisation, units, three phases, not started, done %, overdue, awaiting, returned, accepted, finished.
    assert by_name["甲区委"][1:] == [4, 3, 1, 0, 0, 14.3, 2, 0, 0, 1, 0]
    assert by_name["乙区委"][1:] == [2, 2, 0, 0, 0, 50.0, 1, 0, 1, 0, 0]
    total = rows[-1]
    assert city.root.name in total[0] and total[1] == 7 and total[7] == 4
    # Printed: A4 landscape, fitted to the width, the header row repeated on every page, set column widths.
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        workbook = book.read("xl/workbook.xml").decode()
    setup = re.search(r"<pageSetup [^>]*>", sheet).group(0)
    assert 'paperSize="9"' in setup and 'orientation="landscape"' in setup and 'fitToHeight="0"' in setup
    assert '<pageSetUpPr fitToPage="1"/>' in sheet
    assert re.search(r"_xlnm.Print_Titles[^<]*>[^<]*\$3:\$3<", workbook)
    assert '<col min="1" max="1" width="28.7109375"' in sheet


def immediate_jobs_dir(job: Job):
    from vanguard.rosters import files

    return files.directory("outputs") / job.result["file"]


def test_only_whoever_may_start_and_download_gets_the_file(
    client,
    city,
    late,  # noqa: F811
    immediate_jobs,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    client.force_login(city.secretary_a)
    page = client.get(reverse("campaigns:progress", args=[late.pk]))
    assert 'data-testid="progress-export"' in page.content.decode()
    job = export(client, late, city.district_a, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    rows = CalamineWorkbook.from_path(str(immediate_jobs_dir(job))).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[3:-1]] == ["甲街道党工委"]  # the district's children only
    assert client.get(reverse("campaigns:progress_download", args=[job.pk])).status_code == 200
    # The sibling district sees neither the job nor its file; a member cannot start one.
    client.force_login(city.secretary_b)
    assert client.get(reverse("campaigns:progress_download", args=[job.pk])).status_code == 404
    client.force_login(city.member_user_a)
    url = reverse("campaigns:progress_export", args=[late.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code in (404, 405)
    assert Job.objects.count() == 1
