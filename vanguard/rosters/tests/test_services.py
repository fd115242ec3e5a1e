import datetime

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from python_calamine import CalamineWorkbook

from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.rosters import workbooks
from vanguard.rosters.services import import_members, import_organisations

pytestmark = pytest.mark.django_db


def write_xlsx(path, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def test_member_export_is_printable_and_round_trips(city, tmp_path):
    for category in ("mobile", "retired", "leader"):
        MemberFactory(organisation=city.branch_a2, category=category)
    before = list(Member.objects.order_by("pk").values())
    path = tmp_path / "export.xlsx"
    count = workbooks.export_members(organisation=city.district_a, user=city.office, path=path)
    assert count == 4
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert "甲区委" in rows[0][0] and "甲区委" in rows[1][0]  # title, then unit and date
    assert rows[2][1] == "姓名" and len(rows) == 3 + 4
    report = import_members(path=path, organisation=city.district_a, user=city.office, commit=True)
    assert report.problem_count == 0, report.problems
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert list(Member.objects.order_by("pk").values()) == before


def test_export_masks_id_numbers_for_a_secretary(city, tmp_path):
    path = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.district_a, user=city.secretary_a, path=path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    id_column = rows[2].index("身份证号")
    assert rows[3][id_column] == city.member_a.id_number_masked


def test_export_never_leaves_the_users_scope(city, tmp_path):
    path = tmp_path / "export.xlsx"
    assert workbooks.export_members(organisation=city.root, user=city.secretary_a, path=path) == 1


def test_import_requires_the_right_to_change(city, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["姓名", "身份证号", "入党时间"]])
    with pytest.raises(PermissionDenied):
        import_members(path=path, organisation=city.branch_b, user=city.secretary_a, commit=False)
    with pytest.raises(PermissionDenied):
        import_members(path=path, organisation=city.branch_a, user=city.supervisor_a, commit=False)


def test_member_in_another_organisation_is_named_only_when_visible(city, tmp_path):
    from vanguard.members.services import reveal_id_number

    rows = [
        ["姓名", "身份证号", "入党时间"],
        ["李乙", reveal_id_number(city.member_b), city.member_b.joined_on.isoformat()],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    report = import_members(path=path, organisation=city.branch_a, user=city.secretary_a, commit=False)
    assert [p.row for p in report.problems] == [2]
    assert "乙一支部" not in report.problems[0].message
    report = import_members(path=path, organisation=city.branch_a, user=city.office, commit=False)
    assert "乙一支部" in report.problems[0].message


def test_organisations_import_creates_parents_first_and_is_idempotent(city, tmp_path):
    rows = [
        ["序号", "名称", "类别", "党组织代码", "上级党组织代码"],
        [1, "新三支部", "党支部", "A3", "A0"],  # its parent comes later in the file
        [2, "新总支", "党总支", "A0", city.committee_a.code],
        [3, "新四支部", "党支部", "A4", "A0"],
        ["合计", "3"],
    ]
    path = write_xlsx(tmp_path / "orgs.xlsx", rows)
    dry = import_organisations(path=path, organisation=city.district_a, user=city.secretary_a, commit=False)
    assert (dry.created, dry.problem_count) == (3, 0) and not Organisation.objects.filter(code="A0").exists()
    done = import_organisations(path=path, organisation=city.district_a, user=city.secretary_a, commit=True)
    assert done.committed
    general = Organisation.objects.get(code="A0")
    assert general.parent == city.committee_a and general.kind == "general_branch"
    assert set(general.children.values_list("name", flat=True)) == {"新三支部", "新四支部"}
    again = import_organisations(path=path, organisation=city.district_a, user=city.secretary_a, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_organisations_import_reports_unknown_parents_loops_and_outside_codes(city, tmp_path):
    rows = [
        ["名称", "类别", "党组织代码", "上级党组织代码"],
        ["甲", "党支部", "X1", "NOPE"],
        ["乙", "党支部", "X2", "X3"],
        ["丙", "党支部", "X3", "X2"],
        ["丁", "党支部", city.branch_b.code, city.committee_a.code],
        ["戊", "未知类别", "X5", city.committee_a.code],
    ]
    path = write_xlsx(tmp_path / "orgs.xlsx", rows)
    report = import_organisations(path=path, organisation=city.district_a, user=city.secretary_a, commit=True)
    assert not report.committed
    assert {p.row for p in report.problems} == {2, 3, 4, 5, 6}
    assert not Organisation.objects.filter(code__startswith="X").exists()


def test_problem_workbook_marks_the_bad_cells(city, tmp_path):
    rows = [
        ["党员花名册"],
        ["姓名", "身份证号", "入党时间"],
        ["好人", "", "2000-01-01"],
        ["坏号", "110105194912310021", "1990-01-01"],
    ]
    source = write_xlsx(tmp_path / "r.xlsx", rows)
    report = import_members(path=source, organisation=city.branch_a, user=city.secretary_a, commit=False)
    assert {(p.row, p.column) for p in report.problems} == {(3, "B"), (4, "B")}
    out = tmp_path / "problems.xlsx"
    calls = []
    workbooks.write_problem_workbook(report=report, source=source, path=out, keep_alive=lambda: calls.append(1))
    assert calls  # a job's lease is renewed while the file is rewritten
    book = CalamineWorkbook.from_path(str(out))
    marked = book.get_sheet_by_index(0).to_python()
    assert marked[3][:3] == ["坏号", "110105194912310021", datetime.date(1990, 1, 1)] or marked[3][0] == "坏号"
    assert "校验码" in marked[3][-1] or "check digit" in marked[3][-1]
    listing = book.get_sheet_by_index(1).to_python()
    assert [row[0] for row in listing[1:]] == [3.0, 4.0]


def test_mobile_columns_of_a_non_mobile_member_are_dropped_not_crashing(city, tmp_path):
    import random

    from vanguard.core import people

    born = datetime.date(1975, 5, 5)
    rows = [
        ["姓名", "身份证号", "入党时间", "党员类别", "外出时间", "外出地点"],
        ["在家", people.id_number(random.Random(4), born, "M"), "2000-07-01", "普通党员", "2020-01-01", "深圳"],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    report = import_members(path=path, organisation=city.branch_a, user=city.secretary_a, commit=True)
    assert report.committed and report.problem_count == 0
    member = Member.objects.get(name="在家")
    assert member.mobile_since is None and member.mobile_place == ""
