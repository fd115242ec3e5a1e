"""Sampling frames: reading the list in any script, naming every bad row, storing all or nothing, scoping."""

from __future__ import annotations

import pytest
import xlsxwriter
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD
from vanguard.accounts import scoping
from vanguard.accounts.models import RoleAssignment
from vanguard.ballots import frames
from vanguard.ballots.models import Frame, FrameKind, FrameRow
from vanguard.core.models import AuditEntry, Job, JobStatus

pytestmark = pytest.mark.django_db


def write_xlsx(path, rows, *, title: str | None = None):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("名单")
    start = 0
    if title:
        sheet.write(0, 0, title)
        start = 1
    for number, values in enumerate(rows, start=start):
        sheet.write_row(number, 0, values)
    workbook.close()
    return path


GOOD = [
    ["姓名", "地区", "联系电话", "地址"],
    ["张三", "甲一社区", "138-0013-8000", "解放碑1号"],
    ["李四", "甲二社区", 13900139000, "解放碑2号"],
    ["王五", "甲一社区", "", "解放碑3号"],
]


def test_a_good_list_is_stored_with_its_sheet_row_numbers(city, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", GOOD, title="渝中区居民抽样名单")
    frame = frames.import_frame(
        organisation=city.district_a,
        actor=city.secretary_a,
        kind=FrameKind.RESIDENTS,
        name="甲区居民",
        path=path,
        file_name="good.xlsx",
    )
    assert frame.rows == 3 and frame.org_path == city.district_a.path
    rows = list(
        FrameRow.objects.filter(frame=frame).order_by("number").values_list("number", "name", "stratum", "phone")
    )
    # The title is row 1 and the header row 2, so the people are rows 3 to 5, as the office sees them in Excel.
    assert rows == [
        (3, "张三", "甲一社区", "13800138000"),
        (4, "李四", "甲二社区", "13900139000"),
        (5, "王五", "甲一社区", ""),
    ]
    assert frames.stratum_counts(frame) == {"甲一社区": 2, "甲二社区": 1}
    assert AuditEntry.objects.filter(event="ballots.frame.uploaded", object_id=str(frame.pk)).exists()


@pytest.mark.parametrize(
    "header",
    [
        ["姓名", "片區", "聯繫電話", "地址"],  # 繁體
        ["Name", "Stratum", "Phone", "Address"],
        ["姓 名", "分层", "手机号", "住址"],
    ],
)
def test_headers_in_either_script_or_english(city, tmp_path, header):
    path = write_xlsx(tmp_path / "f.xlsx", [header, ["张三", "一片", "13800138000", "某路1号"]])
    frame = frames.import_frame(
        organisation=city.district_a, actor=city.secretary_a, kind=FrameKind.BUSINESSES, name="f", path=path
    )
    row = FrameRow.objects.get(frame=frame)
    assert (row.name, row.stratum, row.phone, row.address) == ("张三", "一片", "13800138000", "某路1号")


def test_csv_in_gb18030(city, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("姓名,地区\n张三,一区\n李四,二区\n".encode("gb18030"))
    frame = frames.import_frame(
        organisation=city.district_a, actor=city.secretary_a, kind=FrameKind.MEMBERS, name="f", path=path
    )
    assert frame.rows == 2


def test_every_bad_row_is_named_and_nothing_is_stored(city, tmp_path):
    rows = [
        ["姓名", "地区", "联系电话"],
        ["张三", "甲一社区", "13800138000"],
        ["", "甲一社区", "13800138001"],  # row 3: no name
        ["李四", "", "13800138002"],  # row 4: no stratum
        ["王五", "甲二社区", "电话坏了"],  # row 5: not a phone
        ["赵六", "甲二社区", "123"],  # row 6: too short
        ["钱" * 201, "甲二社区", ""],  # row 7: too long
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    with pytest.raises(frames.FrameRefused) as refused:
        frames.import_frame(
            organisation=city.district_a, actor=city.secretary_a, kind=FrameKind.RESIDENTS, name="f", path=path
        )
    named = {(p.row, p.column) for p in refused.value.problems}
    assert named == {(3, "A · 姓名"), (4, "B · 地区"), (5, "C · 联系电话"), (6, "C · 联系电话"), (7, "A · 姓名")}
    assert not Frame.objects.exists() and not FrameRow.objects.exists()


def test_a_sheet_without_a_stratum_column_is_refused_as_a_whole(city, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["姓名", "联系电话"], ["张三", "13800138000"]])
    reading = frames.read_frame(path)
    assert [(p.row, p.column) for p in reading.problems] == [(1, "")]
    assert not reading.rows


def test_not_a_spreadsheet(tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    reading = frames.read_frame(path)
    assert len(reading.problems) == 1 and reading.problems[0].row == 0


def test_only_who_may_change_records_there_uploads(city, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", GOOD)
    for user in (city.supervisor_a, city.secretary_b):
        with pytest.raises(frames.ValidationError):
            frames.import_frame(organisation=city.district_a, actor=user, kind=FrameKind.RESIDENTS, name="f", path=path)
    assert not Frame.objects.exists()


def test_a_big_frame_loads_in_one_go(city, tmp_path):
    rows = [["姓名", "地区"]] + [[f"居民{n}", f"第{n % 28}片区"] for n in range(20_000)]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    frame = frames.import_frame(
        organisation=city.district_a, actor=city.secretary_a, kind=FrameKind.RESIDENTS, name="f", path=path
    )
    assert FrameRow.objects.filter(frame=frame).count() == 20_000 == frame.rows
    assert len(frames.stratum_counts(frame)) == 28
    assert FrameRow.objects.filter(frame=frame).order_by("-number").values_list("number", flat=True)[0] == 20_001


# --- pages -----------------------------------------------------------------------------------------------------


def test_upload_page_stores_the_frame_under_the_users_organisation(client, city, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", GOOD)
    client.login(username=city.secretary_a.username, password=PASSWORD)
    with path.open("rb") as handle:
        response = client.post(
            reverse("ballots:frames"), {"name": "甲区居民", "kind": FrameKind.RESIDENTS, "file": handle}
        )
    frame = Frame.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ballots:frame", kwargs={"pk": frame.pk})
    assert frame.organisation == city.district_a and frame.rows == 3
    page = client.get(response["Location"])
    assert page.status_code == 200 and "甲一社区" in page.content.decode()


def test_upload_page_lists_the_problems_and_stores_nothing(client, city, tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [["姓名", "地区"], ["张三", ""], ["", "一区"]])
    client.login(username=city.secretary_a.username, password=PASSWORD)
    with path.open("rb") as handle:
        response = client.post(reverse("ballots:frames"), {"name": "f", "kind": FrameKind.RESIDENTS, "file": handle})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-row="2"' in body and 'data-row="3"' in body and "B · 地区" in body and "A · 姓名" in body
    assert not Frame.objects.exists()


def test_a_unit_below_may_be_named_by_its_code(client, city, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", GOOD)
    client.login(username=city.secretary_a.username, password=PASSWORD)
    with path.open("rb") as handle:
        client.post(
            reverse("ballots:frames"),
            {"name": "f", "kind": FrameKind.RESIDENTS, "file": handle, "organisation": city.branch_a.code},
        )
    assert Frame.objects.get().organisation == city.branch_a
    with path.open("rb") as handle:
        response = client.post(
            reverse("ballots:frames"),
            {"name": "g", "kind": FrameKind.RESIDENTS, "file": handle, "organisation": city.branch_b.code},
        )
    assert response.status_code == 400 and Frame.objects.count() == 1


def test_frames_are_seen_within_their_subtree_only(client, city, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", GOOD)
    frame = frames.import_frame(
        organisation=city.district_a, actor=None, kind=FrameKind.RESIDENTS, name="甲区居民名单", path=path
    )
    url = reverse("ballots:frame", kwargs={"pk": frame.pk})
    client.login(username=city.secretary_b.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    assert "甲区居民名单" not in client.get(reverse("ballots:frames")).content.decode()
    client.login(username=city.office.username, password=PASSWORD)
    assert client.get(url).status_code == 200
    assert "甲区居民名单" in client.get(reverse("ballots:frames")).content.decode()


def test_who_may_only_view_gets_no_upload_form(client, city, tmp_path):
    client.login(username=city.supervisor_a.username, password=PASSWORD)
    response = client.get(reverse("ballots:frames"))
    assert response.status_code == 200 and 'type="file"' not in response.content.decode()
    path = write_xlsx(tmp_path / "good.xlsx", GOOD)
    with path.open("rb") as handle:
        response = client.post(reverse("ballots:frames"), {"name": "f", "kind": FrameKind.RESIDENTS, "file": handle})
    assert response.status_code == 404 and not Frame.objects.exists()


def test_the_blank_template_reads_back_as_a_frame_header(client, city, tmp_path):
    client.login(username=city.secretary_a.username, password=PASSWORD)
    response = client.get(reverse("ballots:frame_template"))
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    reading = frames.read_frame(path)
    # Only the header: the reader finds it and says there are no rows below.
    assert [p.message for p in reading.problems] == [frames._("The sheet has no rows below its header.")]


# --- big lists in the background -----------------------------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def test_a_big_upload_is_loaded_by_a_job(
    client, city, tmp_path, data_dir, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(frames, "BACKGROUND_BYTES", 100)
    path = write_xlsx(tmp_path / "good.xlsx", GOOD)
    client.login(username=city.secretary_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post(
            reverse("ballots:frames"), {"name": "甲区居民", "kind": FrameKind.RESIDENTS, "file": handle}
        )
    job = Job.objects.get(kind=frames.JOB_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("core:job", kwargs={"pk": job.pk})
    job.refresh_from_db()
    frame = Frame.objects.get()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"frame": frame.pk, "rows": 3}
    assert frame.organisation == city.district_a and frame.created_by == city.secretary_a
    assert not list((data_dir / "ballot-frames").iterdir()), "the uploaded file is removed once loaded"
    page = client.get(response["Location"]).content.decode()
    assert reverse("ballots:frame", kwargs={"pk": frame.pk}) in page


def test_a_big_upload_with_bad_rows_stores_nothing_and_names_them(
    city, tmp_path, data_dir, django_capture_on_commit_callbacks
):
    path = write_xlsx(tmp_path / "bad.xlsx", [["姓名", "地区"], ["张三", ""], ["李四", "一区"]])
    with django_capture_on_commit_callbacks(execute=True):
        job = frames.start_import(
            organisation=city.district_a, actor=city.secretary_a, kind=FrameKind.RESIDENTS, name="f", path=path
        )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["frame"] is None and job.result["problem_count"] == 1
    assert [row[:2] for row in job.result["problems"]] == [[2, "B · 地区"]]
    assert not Frame.objects.exists() and not FrameRow.objects.exists()


def test_the_job_checks_the_uploader_still_may(city, tmp_path, data_dir, django_capture_on_commit_callbacks):
    path = write_xlsx(tmp_path / "good.xlsx", GOOD)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = frames.start_import(
            organisation=city.district_a, actor=city.secretary_a, kind=FrameKind.RESIDENTS, name="f", path=path
        )
    RoleAssignment.objects.filter(user=city.secretary_a).delete()
    scoping.forget(city.secretary_a)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not Frame.objects.exists()


CELL = st.text(alphabet="张王李赵社区片甲乙丙abcXYZ0123456789", min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(CELL, CELL, st.sampled_from(["", "13800138000", "023-6389 1234"]), st.text("路号 1", max_size=8)),
        min_size=1,
        max_size=30,
    )
)
def test_good_rows_read_back_as_written(tmp_path_factory, rows):
    path = write_xlsx(tmp_path_factory.mktemp("f") / "f.xlsx", [["姓名", "分层", "电话", "地址"], *map(list, rows)])
    reading = frames.read_frame(path)
    assert not reading.problems
    assert [(r["name"], r["stratum"], r["phone"], r["address"]) for r in reading.rows] == [
        (name, stratum, frames.normalise_phone(phone) or "", address.strip()) for name, stratum, phone, address in rows
    ]
    assert [r["number"] for r in reading.rows] == list(range(2, len(rows) + 2))


def test_too_many_strata_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(frames, "MAX_STRATA", 3)
    path = write_xlsx(tmp_path / "f.xlsx", [["姓名", "地区"]] + [[f"人{n}", f"区{n}"] for n in range(4)])
    assert [(p.row, p.column) for p in frames.read_frame(path).problems] == [(0, "B · 地区")]
