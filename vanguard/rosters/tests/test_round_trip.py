"""An export imports again as it is, for everyone who may export it (issue 16, point 1), and CSV names (point 3)."""

import datetime

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.rosters import member_keys, workbooks
from vanguard.rosters.columns import normalise_name
from vanguard.rosters.services import import_members

pytestmark = pytest.mark.django_db
HEADER_ROW = 2  # 0-based: title, unit and date, then the header


def read_rows(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def write_rows(path, rows: list[list]) -> None:
    """The file as a user saves it after editing: the same cells, dates still dates."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, dates)
            elif value not in ("", None):
                sheet.write(r, c, value)
    book.close()


def column(rows: list[list], label_key: str) -> int:
    labels = {str(label): key for key, label, *_rest in workbooks.MEMBER_COLUMN_SPECS}
    return next(i for i, label in enumerate(rows[HEADER_ROW]) if labels.get(label) == label_key)


@pytest.fixture
def district(city):
    """A few more members in district A, one whose stored name has a space inside (as a form may store it)."""
    MemberFactory(organisation=city.branch_a2, category="mobile")
    MemberFactory(organisation=city.branch_a2, category="retired")
    MemberFactory(organisation=city.branch_a, name="张 三")
    return city


def snapshot() -> list[dict]:
    return list(Member.objects.order_by("pk").values())


@pytest.mark.parametrize("exporter", ["secretary_a", "office"])
def test_an_unchanged_export_re_imported_by_a_secretary_changes_nothing(district, tmp_path, exporter):
    city = district
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.district_a, user=getattr(city, exporter), path=path)
    if exporter == "secretary_a":  # the secretary's file holds masked ID numbers only
        rows = read_rows(path)
        assert all("*" in row[column(rows, "id_number")] for row in rows[HEADER_ROW + 1 :])
    before = snapshot()
    report = import_members(path=path, organisation=city.district_a, user=city.secretary_a, commit=True)
    assert report.problem_count == 0, report.problems
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4), report.changes
    assert report.warning_count == 0
    assert snapshot() == before


def test_the_office_re_imports_its_own_export_unchanged(district, tmp_path):
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=district.district_a, user=district.office, path=path)
    report = import_members(path=path, organisation=district.district_a, user=district.office, commit=False)
    assert report.problem_count == 0 and (report.created, report.updated, report.unchanged) == (0, 0, 4)


def test_an_edited_phone_updates_exactly_that_member(district, tmp_path):
    city = district
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.district_a, user=city.secretary_a, path=path)
    rows = read_rows(path)
    edited = rows[HEADER_ROW + 2]
    key = edited[column(rows, "member_key")]
    edited[column(rows, "phone")] = "13811112222"
    del rows[HEADER_ROW + 1]  # a row taken out of the file changes nothing either
    write_rows(tmp_path / "edited.xlsx", rows)
    before = {m["id"]: m for m in snapshot()}
    report = import_members(
        path=tmp_path / "edited.xlsx", organisation=city.district_a, user=city.secretary_a, commit=True
    )
    assert report.problem_count == 0, report.problems
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert [change.fields for change in report.changes] == [
        {"phone": [before[member_keys.read(key)]["phone"], "13811112222"]}
    ]
    after = {m["id"]: m for m in snapshot()}
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == {member_keys.read(key)}
    assert after[member_keys.read(key)]["phone"] == "13811112222"


def test_a_member_key_of_another_district_is_refused_without_saying_where(district, tmp_path):
    city = district
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.district_a, user=city.secretary_a, path=path)
    rows = read_rows(path)
    row = rows[HEADER_ROW + 1]
    row[column(rows, "member_key")] = member_keys.member_key(city.member_b.pk)
    row[column(rows, "id_number")] = city.member_b.id_number_masked
    write_rows(path, rows)
    report = import_members(path=path, organisation=city.district_a, user=city.secretary_a, commit=True)
    assert not report.committed and [p.row for p in report.problems] == [HEADER_ROW + 2]
    (problem,) = report.problems
    assert problem.column == "R" and city.branch_b.name not in problem.message
    assert city.district_b.name not in problem.message and city.member_b.name not in str(report.to_json())


def test_a_made_up_member_key_is_refused(district, tmp_path):
    city = district
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.district_a, user=city.secretary_a, path=path)
    rows = read_rows(path)
    key = rows[HEADER_ROW + 1][column(rows, "member_key")]
    pk = member_keys.read(key)
    rows[HEADER_ROW + 1][column(rows, "member_key")] = f"M{pk + 1}-{key.rsplit('-', 1)[1]}"  # a guessed neighbour
    write_rows(path, rows)
    report = import_members(path=path, organisation=city.district_a, user=city.secretary_a, commit=False)
    assert [(p.row, p.column) for p in report.problems] == [(HEADER_ROW + 2, "R")]
    assert member_keys.read(f"M{pk + 1}-{key.rsplit('-', 1)[1]}") is None


def test_a_masked_id_number_without_a_member_key_is_still_an_error(district, tmp_path):
    city = district
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.district_a, user=city.secretary_a, path=path)
    rows = read_rows(path)
    key_column = column(rows, "member_key")
    for row in rows[HEADER_ROW + 1 :]:
        row[key_column] = ""
    write_rows(path, rows)
    report = import_members(path=path, organisation=city.district_a, user=city.secretary_a, commit=False)
    assert report.problem_count == 4 and {p.column for p in report.problems} == {"G"}


def test_a_masked_number_must_be_the_keyed_members_and_a_full_number_wins(district, tmp_path):
    city = district
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.district_a, user=city.secretary_a, path=path)
    rows = read_rows(path)
    id_column = column(rows, "id_number")
    first, second = rows[HEADER_ROW + 1], rows[HEADER_ROW + 2]
    first[id_column] = second[id_column]  # another member's masked number under this key
    write_rows(tmp_path / "swapped.xlsx", rows)
    report = import_members(
        path=tmp_path / "swapped.xlsx", organisation=city.district_a, user=city.secretary_a, commit=False
    )
    assert [(p.row, p.column) for p in report.problems] == [(HEADER_ROW + 2, "G")]


def test_names_are_normalised_the_same_way_on_both_sides():
    assert normalise_name("张  三") == "张三" == normalise_name(" 张 三 ")
    assert normalise_name("John   Smith") == "John Smith"
    assert normalise_name("买买提 · 艾力") == "买买提·艾力"


def test_member_keys_are_stable_and_checked():
    key = member_keys.member_key(1234)
    assert key == member_keys.member_key(1234) and key.startswith("M1234-")
    assert member_keys.read(key) == 1234 and member_keys.read(" " + key.lower() + " ") == 1234
    assert member_keys.read(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert member_keys.read("1234") is None and member_keys.read("") is None


def test_a_csv_upload_is_named_by_its_file_only(city, tmp_path):
    from vanguard.members.services import reveal_id_number

    path = tmp_path / "85a3f263c0ffee.csv"
    path.write_text(
        f"花名册\n姓名,身份证号,入党时间\n{city.member_a.name},{reveal_id_number(city.member_a)},"
        f"{city.member_a.joined_on.isoformat()}\n",
        encoding="utf-8",
    )
    report = import_members(path=path, organisation=city.branch_a, user=city.office, commit=False, file_name="new2.csv")
    assert report.problem_count == 0 and report.header_row == 2
    assert report.sheet == "" and "85a3f263" not in str(report.to_json())


@pytest.fixture
def immediate_jobs(settings, tmp_path):
    settings.VANGUARD_TASKS = "immediate"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"


def test_the_export_page_names_the_masked_columns(client, district, immediate_jobs, django_capture_on_commit_callbacks):
    from django.urls import reverse
    from django.utils.translation import gettext

    from conftest import PASSWORD
    from vanguard.core.models import Job

    pages = {}
    for username in ("sec_a", "office"):
        assert client.login(username=username, password=PASSWORD)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("rosters:export", args=[district.district_a.pk]), {"what": "members"})
        job = Job.objects.filter(kind="rosters.export", created_by__username=username).get()
        pages[username] = client.get(reverse("core:job", args=[job.pk])).content.decode()
        client.logout()
    id_label = gettext("ID number")
    assert 'data-testid="export-masking"' in pages["sec_a"] and id_label in pages["sec_a"].split("export-masking")[1]
    office = pages["office"].split("export-masking")[1].split("</p>")[0]
    assert gettext("Nothing is masked: ID numbers are written in full. Keep the file safe.") in office


def test_the_change_table_names_columns_by_their_labels(
    client, district, tmp_path, immediate_jobs, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from django.utils.translation import gettext

    from conftest import PASSWORD

    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=district.district_a, user=district.secretary_a, path=path)
    rows = read_rows(path)
    rows[HEADER_ROW + 1][column(rows, "phone")] = "13811112222"
    write_rows(path, rows)
    assert client.login(username="sec_a", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("rosters:upload", args=[district.district_a.pk]),
            {"what": "members", "file": SimpleUploadedFile("export.xlsx", path.read_bytes())},
        )
    page = client.get(response["Location"]).content.decode()
    table = page.split('data-testid="change-table"')[1].split("</table>")[0]
    assert f"{gettext('Phone')}: " in table and "phone:" not in table


def test_problems_are_worded_in_the_readers_language(city, tmp_path):
    """Stored as codes and values: a report checked in Chinese reads in English for an English reader."""
    from django.utils import translation

    from vanguard.rosters.services import ImportReport
    from vanguard.rosters.templatetags.rosters import problem_message

    path = tmp_path / "r.xlsx"
    write_rows(path, [["姓名", "身份证号", "入党时间"], ["", "5001**********123X", "2001-07-01"]])
    with translation.override("zh-hans"):
        report = import_members(path=path, organisation=city.branch_a, user=city.office, commit=False)
    stored = ImportReport.from_json(report.to_json()).to_json()["problems"]
    assert len(stored) == 2 and all(p["code"] for p in stored)
    with translation.override("en"):
        english = sorted(problem_message(p) for p in stored)
    assert english[0].startswith("The ID number is masked") and english[1] == "This required field is empty."
    with translation.override("zh-hans"):
        assert [problem_message(p) for p in stored] == [p.message for p in report.problems]
        assert translation.gettext("This required field is empty.") in [p.message for p in report.problems]
    assert "This required field is empty." not in [p.message for p in report.problems]  # worded in Chinese then
