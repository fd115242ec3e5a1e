"""Questionnaire sheets: the header found below a title, words in either script, bad rows named, all or none."""

from __future__ import annotations

import datetime

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from vanguard.core.spreadsheets import find_header, open_sheets
from vanguard.opinions import questionnaire
from vanguard.opinions.models import Channel, Direction, Opinion, SourceGroup
from vanguard.opinions.questionnaire import Defaults, QuestionnaireRefused, import_questionnaire, value_code

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 5)


def xlsx(path, rows: list[list], title: str | None = "2026年征求意见汇总表") -> str:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Sheet1")
    start = 0
    if title:
        sheet.write(0, 0, title)
        sheet.write(1, 0, "填报单位：甲区委")
        start = 2
    for number, values in enumerate(rows, start=start):
        for column, value in enumerate(values):
            if isinstance(value, datetime.date):
                sheet.write_datetime(number, column, datetime.datetime.combine(value, datetime.time()))
            else:
                sheet.write(number, column, value)
    workbook.close()
    return str(path)


def test_words_in_either_script_and_codes():
    assert value_code("channel", "座谈会") == value_code("channel", "座談會") == Channel.FORUM
    assert value_code("channel", " hotline ") == Channel.HOTLINE
    assert value_code("direction", "民評官") == Direction.PUBLIC_OFFICIAL
    assert value_code("direction", "企评政") == Direction.BUSINESS_OFFICE
    assert value_code("source_group", "群眾") == SourceGroup.PUBLIC
    assert value_code("source_group", "幹部職工") == SourceGroup.STAFF
    assert value_code("source_group", "外星人") is None


def test_header_below_a_title_and_each_rows_values(city, tmp_path):
    path = xlsx(
        tmp_path / "q.xlsx",
        [
            ["序号", "意见内容", "日期", "渠道", "方向", "身份", "姓名", "电话", "单位"],
            [1, "窗口办事排队太久", DAY, "座谈会", "民评官", "群众", "张三", "13800000000", ""],
            [2, "停车位太少", "2026年3月6日", "hotline", "企评政", "企业", "", "", city.branch_a.name],
            [],
            [3, "食堂太贵", "", "", "", "", "", "", city.branch_a2.code or city.branch_a2.name],
        ],
    )
    defaults = Defaults(organisation=city.committee_a, received_on=DAY, source_group=SourceGroup.STAFF)
    saved = import_questionnaire(path=path, actor=city.secretary_a, defaults=defaults)
    by_text = {o.text: o for o in Opinion.objects.all()}
    assert len(saved) == 3 and set(by_text) == {"窗口办事排队太久", "停车位太少", "食堂太贵"}
    first, second, third = by_text["窗口办事排队太久"], by_text["停车位太少"], by_text["食堂太贵"]
    assert (first.channel, first.direction, first.source_group) == (Channel.FORUM, "public_official", "public")
    assert first.organisation == city.committee_a and first.received_on == DAY
    assert first.name == "张三" and first.phone == "13800000000" and first.entered_by == city.secretary_a
    assert second.organisation == city.branch_a and second.received_on == datetime.date(2026, 3, 6)
    assert (second.channel, second.direction, second.source_group) == (Channel.HOTLINE, "business_office", "businesses")
    # Blank cells take what the form chose.
    assert third.organisation == city.branch_a2 and third.received_on == DAY
    assert (third.channel, third.source_group) == (Channel.QUESTIONNAIRE, SourceGroup.STAFF)
    assert len({o.receipt for o in saved}) == 3


def test_traditional_headers_and_values(city, tmp_path):
    path = xlsx(
        tmp_path / "t.xlsx",
        [["意見內容", "日期", "渠道", "方向", "身份"], ["黨員服務中心開門太晚", DAY, "個別訪談", "下評上", "黨員"]],
        title=None,
    )
    import_questionnaire(path=path, actor=city.secretary_a, defaults=Defaults(organisation=city.branch_a))
    saved = Opinion.objects.get()
    assert saved.text == "黨員服務中心開門太晚"  # kept as written
    assert (saved.channel, saved.direction, saved.source_group) == (Channel.INTERVIEW, Direction.DOWN_UP, "members")


def test_bad_rows_are_named_and_nothing_is_stored(city, tmp_path):
    future = timezone.localdate() + datetime.timedelta(days=30)
    path = xlsx(
        tmp_path / "bad.xlsx",
        [
            ["意见", "日期", "渠道", "身份", "电话", "单位"],
            ["好的意见", DAY, "座谈会", "群众", "", ""],  # row 4: fine
            ["", DAY, "座谈会", "群众", "", ""],  # row 5: no text
            ["意见二", "2026年3月", "飞鸽传书", "群众", "", ""],  # row 6: month only, unknown channel
            ["意见三", future, "座谈会", "外星人", "abc", ""],  # row 7: future, bad group, bad phone
            ["意见四", DAY, "座谈会", "群众", "", city.branch_b.name],  # row 8: another district's unit
        ],
    )
    with pytest.raises(QuestionnaireRefused) as refused:
        import_questionnaire(path=path, actor=city.secretary_a, defaults=Defaults(organisation=city.branch_a))
    named = {(p.row, p.column.split(" · ")[0]) for p in refused.value.problems}
    assert named == {(5, "A"), (6, "B"), (6, "C"), (7, "B"), (7, "D"), (7, "E"), (8, "F")}
    assert all(p.message for p in refused.value.problems)
    assert "渠道" in next(p.column for p in refused.value.problems if p.row == 6 and p.column.startswith("C"))
    assert not Opinion.objects.exists()


def test_all_or_nothing_across_units(city, tmp_path):
    """Rows for two units are entered unit by unit; a bad row of the second undoes the first."""
    path = xlsx(
        tmp_path / "two.xlsx",
        [["意见", "日期", "单位"], ["甲一的意见", DAY, city.branch_a.name], ["", DAY, city.branch_a2.name]],
    )
    with pytest.raises(QuestionnaireRefused) as refused:
        import_questionnaire(path=path, actor=city.secretary_a, defaults=Defaults(organisation=city.branch_a))
    assert [(p.row, p.column[0]) for p in refused.value.problems] == [(5, "A")]
    assert not Opinion.objects.exists()


def test_csv_in_gb18030(city, tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes("意见内容,日期,渠道,身份\n社区医院挂号难,2026-03-05,意见箱,服务对象\n".encode("gb18030"))
    import_questionnaire(path=path, actor=city.secretary_a, defaults=Defaults(organisation=city.branch_a))
    saved = Opinion.objects.get()
    assert saved.text == "社区医院挂号难" and saved.channel == Channel.SUGGESTION_BOX
    assert saved.source_group == SourceGroup.SERVICE_USERS and saved.received_on == DAY


def test_a_sheet_without_a_header_or_rows(city, tmp_path):
    path = xlsx(tmp_path / "none.xlsx", [["甲", "乙"], ["1", "2"]])
    with pytest.raises(QuestionnaireRefused) as refused:
        import_questionnaire(path=path, actor=city.secretary_a, defaults=Defaults(organisation=city.branch_a))
    assert refused.value.problems[0].row == 0
    empty = xlsx(tmp_path / "empty.xlsx", [["意见", "日期"]])
    with pytest.raises(QuestionnaireRefused) as refused:
        import_questionnaire(path=empty, actor=city.secretary_a, defaults=Defaults(organisation=city.branch_a))
    assert refused.value.problems[0].row == 3


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def form_data(organisation, upload) -> dict:
    return {
        "file": upload,
        "organisation": organisation.pk,
        "channel": Channel.QUESTIONNAIRE,
        "direction": Direction.PUBLIC_OFFICIAL,
        "source_group": SourceGroup.PUBLIC,
        "received_on": DAY.isoformat(),
    }


def test_the_template_downloads_and_reimports(client, city, tmp_path):
    login(client, city.secretary_a)
    response = client.get(reverse("opinions:import_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(response.content)
    rows = list(next(iter(open_sheets(blank))).rows)
    header = find_header(rows, questionnaire.COLUMNS)
    assert header is not None and header.row_number == 2
    assert set(header.positions) == {c.key for c in questionnaire.COLUMNS}
    # Filled in as an office would (the header row as downloaded, then the rows), it imports.
    written = [str(cell) for cell in rows[1].cells]
    filled = xlsx(
        tmp_path / "filled.xlsx",
        [written, ["路灯坏了", DAY, "座谈会", "民评官", "群众", "", "", "", ""], ["垃圾清运不及时", DAY]],
        title="征求意见表",
    )
    with open(filled, "rb") as handle:
        upload = SimpleUploadedFile("filled.xlsx", handle.read())
    response = client.post(reverse("opinions:import"), form_data(city.branch_a, upload), follow=True)
    assert response.status_code == 200
    assert set(Opinion.objects.values_list("text", flat=True)) == {"路灯坏了", "垃圾清运不及时"}
    html = response.content.decode()
    assert all(receipt in html for receipt in Opinion.objects.values_list("receipt", flat=True))


def test_the_import_page_lists_every_bad_row(client, city):
    login(client, city.secretary_a)
    data = "意见,日期,渠道\n好,2026-03-05,座谈会\n,2026-03-05,座谈会\n坏,2026-03-05,飞鸽\n".encode("gb18030")
    response = client.post(reverse("opinions:import"), form_data(city.branch_a, SimpleUploadedFile("q.csv", data)))
    assert response.status_code == 400
    assert [p.row for p in response.context["problems"]] == [3, 4]
    assert 'data-row="3"' in response.content.decode()
    assert not Opinion.objects.exists()


def test_the_import_refuses_a_unit_out_of_scope_and_other_files(client, city):
    login(client, city.secretary_a)
    data = "意见,日期\n好,2026-03-05\n".encode()
    response = client.post(reverse("opinions:import"), form_data(city.branch_b, SimpleUploadedFile("q.csv", data)))
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    response = client.post(reverse("opinions:import"), form_data(city.branch_a, SimpleUploadedFile("q.pdf", data)))
    assert response.status_code == 400 and "file" in response.context["form"].errors
    assert not Opinion.objects.exists()


def test_a_blank_date_without_a_default_is_refused(city, tmp_path):
    path = xlsx(tmp_path / "nodate.xlsx", [["意见", "日期"], ["有日期", DAY], ["没日期", ""]])
    with pytest.raises(QuestionnaireRefused) as refused:
        import_questionnaire(path=path, actor=city.secretary_a, defaults=Defaults(organisation=city.branch_a))
    assert [(p.row, p.column.split(" · ")[0]) for p in refused.value.problems] == [(5, "B")]
    assert not Opinion.objects.exists()
