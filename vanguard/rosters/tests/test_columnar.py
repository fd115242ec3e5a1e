"""The column-wise lane must import a file exactly as the row-wise import does.

One workbook holds every kind of row the lane must take or hand over: plain
rows, text and typed dates, full-width and lower-case ID numbers, names with
spaces, numbers and booleans where text belongs, unknown regions, mobile
members, duplicates across chunks, members already on record (unchanged,
changed, elsewhere), organisation codes and names, blank and 合计 rows.  It
is imported with the lane off and on (chunks of a few rows, so duplicates
and updates cross chunk boundaries); reports, stored rows and tallies must
be the same.
"""

from __future__ import annotations

import dataclasses
import datetime
import random

import pytest
import xlsxwriter
from django.db import connection, transaction
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vanguard.core import columnar as core_columnar
from vanguard.core import idnumber, people
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member, MemberTally
from vanguard.members.services import protect_id_number
from vanguard.rosters import columnar, parallel, services
from vanguard.rosters.services import import_members

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 6, 30)
HEADERS = ["序号", "姓名", "性别", "出生日期", "身份证号", "入党时间", "党员类别", "党员状态", "学历",
           "外出时间", "外出地点", "工作单位", "联系电话", "党组织代码", "所在党支部"]  # fmt: skip


@dataclasses.dataclass
class Cell:
    """A cell written with a type: a date cell, a date-time, a number or a boolean."""

    value: object


def person(
    rng: random.Random, year: int = 1980, gender: str = "M", region: str = "500103"
) -> tuple[str, datetime.date]:
    born = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    return people.id_number(rng, born, gender, region=region), born


def sheet_rows(city) -> tuple[list[list[object]], dict[str, str]]:
    """The data rows, and the ID numbers of the members put on record beforehand."""
    rng = random.Random(7)
    code_a, code_a2 = city.branch_a.code, city.branch_a2.code
    rows: list[list[object]] = []

    def add(name, gender, birth, number, joined, category="普通党员", status="正式党员", education="大学本科",
            since=None, place=None, unit="甲公司", phone="13900000000", code=None, org_name=None):  # fmt: skip
        rows.append([Cell(len(rows) + 1), name, gender, birth, number, joined, category, status, education,
                     since, place, unit, phone, code, org_name])  # fmt: skip

    for i in range(12):  # plain rows, date cells
        number, born = person(rng, 1960 + i, "M" if i % 2 else "F")
        add(
            f"李{'一二三四五六七八九十甲乙'[i]}",
            "男" if i % 2 else "女",
            Cell(born),
            number,
            Cell(datetime.date(1995, 7, 1)),
        )
    number, born = person(rng)
    add("王芳", "男", born.isoformat(), number, "2005-01-05")  # ISO text dates
    number, born = person(rng)
    add("王  芳", "男", f"{born.isoformat()} 00:00:00", number, "2005.1.5")  # padded name, dotted date
    number, born = person(rng)
    add("张伟", "男", Cell(born), number.lower(), "2005年1月5日")  # lower-case x (if any), Chinese date
    number, born = person(rng)
    add("陈建国", "男", Cell(born), "".join(chr(ord(c) + 0xFEE0) for c in number), Cell(datetime.date(2005, 1, 5)))
    number, born = person(rng)
    add("买买提·艾力", "男", None, number, Cell(datetime.datetime(2005, 1, 5, 0, 0)), phone=Cell(13900001111))
    number, born = person(rng)
    add("John", None, Cell(born), number, Cell(datetime.datetime(2005, 1, 5, 9, 30)))  # a time of day
    number, born = person(rng)
    add("钱一", "男", f"{born.year}.{born.month}.{born.day}", number, "2005年1月5日")  # text dates, taken column-wise
    number, born = person(rng)
    add("钱二", None, f"{born:%Y/%m/%d} 00:00:00", number, "2005-1-5")
    number, born = person(rng)
    add("钱三", "男", Cell(born), number, "2005.2.30")  # no such day
    number, born = person(rng)
    add("周杰", "男", Cell(born), number[:-1] + ("0" if number[-1] != "0" else "1"), Cell(datetime.date(2005, 1, 5)))
    number, born = person(rng)
    add("吴敏", "女", Cell(born), number, Cell(datetime.date(2005, 1, 5)))  # sex digit says male
    number, born = person(rng, 1990)
    add("孙燕", "男", Cell(born), number, Cell(datetime.date(2006, 1, 5)))  # joined at 15
    number, born = person(rng)
    add("马骏", "男", Cell(born), number, Cell(datetime.date(2030, 1, 5)))  # joined in the future
    number, born = person(rng, 1985, region="500199")  # a code that never existed: a warning
    add("何平", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)))
    number, born = person(rng)
    add("朱红", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), category="流动党员",
        since=Cell(datetime.date(2020, 3, 1)), place="广东省深圳市")  # fmt: skip
    number, born = person(rng)
    add("胡军", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), category="流动党员")  # no place
    number, born = person(rng)
    add("郭丽", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), category="退休", since="2020.3")
    number, born = person(rng)
    add("高飞", "男", Cell(born), Cell(float(number[:-1] + "0")), Cell(datetime.date(2010, 1, 5)))  # ID as number
    number, born = person(rng)
    add("罗兰", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), unit=Cell(True), phone=Cell(0.5))
    number, born = person(rng)
    add("梁山", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), unit="甲公司（分部）", phone="023-1 ")
    number, born = person(rng)
    add("宋江", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), unit="甲\\乙", education="博士后")
    number, born = person(rng)
    add("true", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), status="预备")
    duplicate, born = person(rng)
    add("郑和", "男", Cell(born), duplicate, Cell(datetime.date(2010, 1, 5)), code=code_a)
    add("郑和", "男", Cell(born), duplicate, Cell(datetime.date(2010, 1, 5)), code=code_a)  # same chunk
    number, born = person(rng)
    add("韩信", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), code="999999")  # unknown code
    number, born = person(rng)
    add("萧何", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), org_name="甲二支部")
    number, born = person(rng)
    add("曹参", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), code=Cell(float(code_a2)))
    rows.append([None] * len(HEADERS))  # a blank row in the middle
    on_record = {}
    for label, phone in (("unchanged", "13900000000"), ("changed", "13911112222"), ("elsewhere", "13900000000")):
        number, born = person(rng)
        on_record[label] = number
        add("许攸", "男", Cell(born), number, Cell(datetime.date(2010, 1, 5)), phone=phone, code=code_a)
    for i in range(10):  # more plain rows, then the first duplicate's twin far away
        number, born = person(rng, 1970 + i)
        add(f"赵{'一二三四五六七八九十'[i]}", "男", Cell(born), number, Cell(datetime.date(2000, 7, 1)), code=code_a2)
    add("郑和", "男", None, duplicate, Cell(datetime.date(2010, 1, 5)))
    rows.append(["合计", f"{len(rows)}人"] + [None] * (len(HEADERS) - 2))
    rows.append([None] * len(HEADERS))
    return rows, on_record


def write_roster(path, rows) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("花名册")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    stamps = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, "甲街道党工委党员花名册")
    sheet.write_row(1, 0, HEADERS)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Cell):
                value = value.value
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(r, c, value, stamps)
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), dates)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                else:
                    sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()


@pytest.fixture
def roster(city, tmp_path):
    rows, on_record = sheet_rows(city)
    for label, number in on_record.items():
        organisation = city.branch_a2 if label == "elsewhere" else city.branch_a
        member = MemberFactory(organisation=organisation, name="许攸", gender="M", phone="13900000000",
                               birth_date=datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                               joined_on=datetime.date(2010, 1, 5), education="university", status="full",
                               category="ordinary", work_unit="甲公司")  # fmt: skip
        protect_id_number(member, number)
        member.save()
    path = tmp_path / "roster.xlsx"
    write_roster(path, rows)
    return path


@pytest.fixture
def lane(monkeypatch):
    """The lane on for any size, in chunks of 4 rows; returns how often it ran and how often it read row-wise."""
    monkeypatch.setattr(columnar, "MIN_ROWS", 1)
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 4)
    used = {"lane": 0, "row-wise reads": 0}
    run, locate = columnar._Lane.run, services.RosterImport.locate

    def counted_run(self, *args):
        used["lane"] += 1
        return run(self, *args)

    def counted_locate(self, *args):
        used["row-wise reads"] += 1
        return locate(self, *args)

    monkeypatch.setattr(columnar._Lane, "run", counted_run)
    monkeypatch.setattr(services.RosterImport, "locate", counted_locate)
    return used


def comparable(report) -> dict:
    data = dataclasses.asdict(report)
    data["problems"] = sorted((p["row"], p["column"], p["message"], p["value"]) for p in data["problems"])
    data["warnings"] = sorted((p["row"], p["column"], p["message"]) for p in data["warnings"])
    data["changes"] = sorted((c["row"], c["name"], sorted(c["fields"].items())) for c in data["changes"])
    return data


def stored() -> list[dict]:
    skip = {"id", "id_number_encrypted", "created_at", "updated_at"}  # random nonces, clock, insertion order
    rows = [{k: v for k, v in row.items() if k not in skip} for row in Member.objects.values()]
    return sorted(rows, key=lambda r: (r["id_number_hash"] or "", r["name"]))


def tallies() -> list[tuple]:
    return sorted(MemberTally.objects.filter(count__gt=0).values_list("organisation_id", "category", "status", "count"))


def run(city, path, commit: bool):
    return import_members(path=path, organisation=city.committee_a, user=city.secretary_a, commit=commit, today=TODAY)


def test_the_lane_reports_what_the_row_wise_import_does(city, roster, lane, monkeypatch):
    with_lane = run(city, roster, commit=False)
    assert lane == {"lane": 1, "row-wise reads": 1}  # the rows it could not take were read row-wise
    monkeypatch.setattr(columnar, "MIN_ROWS", 10**9)
    without = run(city, roster, commit=False)
    assert comparable(with_lane) == comparable(without)
    problems = {(p.row, p.header) for p in without.problems}
    # The workbook does hold what it says: each kind of mistake is named on its row.
    assert without.created > 20 and without.updated == 1 and without.unchanged == 1 and without.skipped == 2
    # Only the code that never existed warns: 500103, Chongqing's only since 1997, is normal for anyone (DOMAIN §1).
    assert len(problems) >= 12 and without.warning_count == 1


def committed(city, path) -> tuple:
    """Commit, note what was stored, and roll it back, so the next import starts from the same state."""
    with transaction.atomic():
        report = run(city, path, commit=True)
        state = (stored(), tallies())
        transaction.set_rollback(True)
    return report, state


PLAIN = (
    {f"李{c}" for c in "一二三四五六七八九十甲乙"}
    | {f"赵{c}" for c in "一二三四五六七八九十"}
    | {"朱红", "萧何", "钱一", "钱二"}
)


def test_a_file_the_lane_takes_whole_stores_what_the_row_wise_import_stores(city, roster, lane, monkeypatch, tmp_path):
    rows, _on_record = sheet_rows(city)
    path = tmp_path / "clean.xlsx"
    write_roster(path, [r for r in rows if r[1] in PLAIN or r[1] is None or r[0] == "合计"])
    with_lane, state = committed(city, path)
    assert lane == {"lane": 1, "row-wise reads": 0}  # nothing needed the row-wise reader
    assert with_lane.committed and with_lane.created == 26 and with_lane.skipped == 2  # blank, 合计
    monkeypatch.setattr(columnar, "MIN_ROWS", 10**9)
    without, state_without = committed(city, path)
    assert comparable(with_lane) == comparable(without)
    assert state == state_without


def test_a_commit_through_the_lane_stores_what_the_row_wise_commit_does(city, roster, lane, monkeypatch):
    """Rows the row-wise code refuses are dropped first, so that both commits succeed."""
    bad = {p.row for p in run(city, roster, commit=False).problems}
    rows, _on_record = sheet_rows(city)
    write_roster(roster, [row for number, row in enumerate(rows, start=3) if number not in bad])
    with_lane, state = committed(city, roster)
    assert with_lane.committed and with_lane.updated == 1 and lane["lane"] == 2
    monkeypatch.setattr(columnar, "MIN_ROWS", 10**9)
    without, state_without = committed(city, roster)
    assert comparable(with_lane) == comparable(without)
    assert state == state_without


def test_too_many_rows_for_the_row_wise_reader_send_the_whole_file_there(city, roster, lane, monkeypatch):
    monkeypatch.setattr(columnar, "MAX_ROW_WISE", 3)
    with_fallback = run(city, roster, commit=False)
    assert lane == {"lane": 0, "row-wise reads": 1}
    monkeypatch.setattr(columnar, "MIN_ROWS", 10**9)
    assert comparable(with_fallback) == comparable(run(city, roster, commit=False))


def test_merged_cells_among_the_rows_send_the_file_to_the_row_wise_reader(city, tmp_path, lane):
    workbook = xlsxwriter.Workbook(str(tmp_path / "merged.xlsx"))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "身份证号", "入党时间", "所在党支部"])
    rng = random.Random(3)
    for r in range(1, 5):
        number, born = person(rng)
        sheet.write_row(r, 0, [f"李{r}", number, "2005-01-05"])
    sheet.merge_range(1, 3, 4, 3, "甲一支部")
    workbook.close()
    report = run(city, tmp_path / "merged.xlsx", commit=False)
    assert lane == {"lane": 0, "row-wise reads": 1}
    assert report.ok and report.created == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load (indexes rebuilt) is PostgreSQL's")
def test_a_bulk_load_through_the_lane_stores_what_the_row_wise_one_does(city, lane, monkeypatch, tmp_path):
    monkeypatch.setattr(services.member_import, "BULK_LOAD_MIN_ROWS", 5)
    rows, _on_record = sheet_rows(city)
    path = tmp_path / "bulk.xlsx"
    write_roster(path, [r for r in rows if r[1] in PLAIN])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")  # a few members against 26 rows: the bulk path is taken
    first, state = committed(city, path)
    assert first.committed and first.created == 26 and lane["lane"] == 1
    monkeypatch.setattr(columnar, "MIN_ROWS", 10**9)
    second, state_second = committed(city, path)
    assert comparable(first) == comparable(second) and state == state_second


def test_the_loader_keeps_sheet_row_and_column_numbers(tmp_path):
    workbook = xlsxwriter.Workbook(str(tmp_path / "offset.xlsx"))
    sheet = workbook.add_worksheet()
    sheet.merge_range("C3:E3", "title")
    sheet.write("C4", "姓名")
    sheet.write("D6", 1.5)
    sheet.write_boolean("E6", True)
    workbook.close()
    loaded = core_columnar.load(tmp_path / "offset.xlsx")
    assert (loaded.first_row, loaded.first_column, loaded.last_row) == (3, 2, 6)
    assert loaded.merged == [((2, 2), (2, 4))]
    assert [(r.number, r.cells) for r in loaded.rows(1, 30)] == [
        (3, ["", "", "title", "title", "title"]),
        (4, ["", "", "姓名", "", ""]),
        (5, ["", "", "", "", ""]),
        (6, ["", "", "", "1.5", "true"]),
    ]
    assert core_columnar.load(tmp_path / "offset.xlsx", min_rows=5) is None


def test_the_loader_declines_what_the_row_wise_reader_must_word(tmp_path):
    from vanguard.core.spreadsheets import Limits

    (tmp_path / "roster.csv").write_text("姓名,身份证号\n李一,1\n", encoding="utf-8")
    assert core_columnar.load(tmp_path / "roster.csv") is None
    workbook = xlsxwriter.Workbook(str(tmp_path / "long.xlsx"))
    workbook.add_worksheet().write_row(0, 0, ["姓名", "x" * 50])
    workbook.close()
    assert core_columnar.load(tmp_path / "long.xlsx") is not None
    assert core_columnar.load(tmp_path / "long.xlsx", Limits(max_cell_chars=20)) is None
    assert core_columnar.load(tmp_path / "long.xlsx", Limits(max_columns=1)) is None


def test_on_two_cores_a_forked_helper_hashes_the_later_chunks(city, roster, lane, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ROWS", 1)
    # pytest-xdist's workers run a thread of their own; nothing here takes a lock another thread holds.
    monkeypatch.setattr(parallel, "single_threaded", lambda: True)
    forked = []
    real = parallel.ForkedReader

    class Spy(real):
        def __init__(self, *args):
            forked.append(getattr(args[0], "work", args[0]))
            super().__init__(*args)

    monkeypatch.setattr(parallel, "ForkedReader", Spy)
    bad = {p.row for p in run(city, roster, commit=False).problems}
    assert len(forked) == 1 and len(forked[0]) > 3  # the second half of the chunks
    rows, _on_record = sheet_rows(city)
    write_roster(roster, [row for number, row in enumerate(rows, start=3) if number not in bad])
    with_helper, state = committed(city, roster)
    assert with_helper.committed and len(forked) == 2
    monkeypatch.setattr(columnar, "MIN_ROWS", 10**9)
    without, state_without = committed(city, roster)
    assert comparable(with_helper) == comparable(without) and state == state_without


_DIGITS = "0123456789"


def _with_check_digit(year: int, month: int, day: int) -> str:
    """A right check digit on birth digits that may name no real day (2005-02-30, month 13)."""
    from stdnum.cn import ric

    body = f"500103{year:04d}{month:02d}{day:02d}123"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18 characters


def _changed(number: str, position: int, digit: str) -> str:
    return number[:position] + digit + number[position + 1 :]


@given(
    st.lists(
        st.one_of(
            st.builds(
                lambda seed, year: person(random.Random(seed), year)[0], st.integers(0, 10**6), st.integers(1885, 2030)
            ),  # fmt: skip
            st.text(alphabet=_DIGITS + "Xx ", min_size=16, max_size=19),
            st.builds(_with_check_digit, st.integers(1880, 2030), st.integers(0, 13), st.integers(0, 32)),
            st.builds(
                lambda seed, position, digit: _changed(person(random.Random(seed))[0], position, digit),
                st.integers(0, 10**6),
                st.integers(0, 17),
                st.sampled_from(_DIGITS + "X"),
            ),  # fmt: skip
        ),
        min_size=1,
        max_size=30,
    )
)
@example([_with_check_digit(2005, 2, 30), _with_check_digit(2005, 2, 29), _with_check_digit(2004, 2, 29),
          _with_check_digit(2005, 4, 31), _with_check_digit(2005, 13, 1), _with_check_digit(1889, 12, 31)])  # fmt: skip
@settings(max_examples=60, deadline=None)
def test_id_numbers_are_judged_column_wise_as_idnumber_parse_judges_them(numbers):
    import pyarrow as pa

    ok, _ids, born, sex = columnar.check_id_numbers(pa.chunked_array([pa.array(numbers, pa.string())]), TODAY)
    for number, valid, birth, gender in zip(numbers, ok.to_pylist(), born.to_pylist(), sex.to_pylist(), strict=True):
        try:
            parsed = idnumber.parse(number, today=TODAY)
        except idnumber.IDNumberError:
            parsed = None
        if valid:  # never more lenient than the reference
            assert parsed is not None and (parsed.birth_date, parsed.sex) == (birth, gender), number
        elif idnumber.normalise(number) == number:  # and, for numbers in normal form, never stricter
            assert parsed is None, number
