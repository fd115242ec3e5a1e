"""Unit tests of vanguard.core.spreadsheets: dates, headers, column letters, merged cells, CSV encodings."""

from __future__ import annotations

import datetime

import pytest
import xlsxwriter
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from vanguard.core.spreadsheets import (
    EXCEL_EPOCH,
    CellError,
    Column,
    PartialDate,
    SheetRow,
    SpreadsheetError,
    column_letter,
    fill_merged,
    find_header,
    is_blank,
    normalise_header,
    open_sheets,
    parse_date,
    text,
)

D = datetime.date


# --- parse_date ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2005-01-05",
        "2005-1-5",
        "2005.1.5",
        "2005.01.05",
        "2005/1/5",
        "2005年1月5日",
        "2005年01月05日",
        "2005年1月5",
        "20050105",
        " 2005 年 1 月 5 日 ",
        "２００５年１月５日",
        "２００５．１．５",
        "2005－01－05",
        "2005-1-5日",
    ],
)
def test_text_dates(value):
    assert parse_date(value) == D(2005, 1, 5)


@pytest.mark.parametrize(
    "value, expected",
    [
        (38357, D(2005, 1, 5)),  # an Excel serial in a number cell
        (38357.0, D(2005, 1, 5)),
        (38357.75, D(2005, 1, 5)),  # with a time of day
        (61, D(1900, 3, 1)),
        (1, D(1899, 12, 31)),
        (datetime.datetime(2005, 1, 5, 18, 30), D(2005, 1, 5)),
        (D(1952, 2, 29), D(1952, 2, 29)),
    ],
)
def test_excel_serials_and_date_cells(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (1970.03, PartialDate(1970, 3)),  # year.month typed into a number cell
        (1970.12, PartialDate(1970, 12)),
        (1970.1, PartialDate(1970, 10)),  # Excel shows 1970.10 as 1970.1: October, as typed
        ("1970.03", PartialDate(1970, 3)),
        ("1970.3", PartialDate(1970, 3)),
        ("1970-03", PartialDate(1970, 3)),
        ("1970/3", PartialDate(1970, 3)),
        ("1970年3月", PartialDate(1970, 3)),
        ("1970年3", PartialDate(1970, 3)),
        ("197003", PartialDate(1970, 3)),
        ("１９７０．０３", PartialDate(1970, 3)),
    ],
)
def test_partial_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["", None])
def test_blank_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "2005-02-30",
        "2005-02-29",  # not a leap year
        "1900-02-29",
        "2005.13.1",
        "2005年0月1日",
        "2005-13",
        "1970.00",
        1970.13,
        1970.001,  # reads as 1970.00: month 0
        "38357",  # a serial as text is not guessed at
        "5.1.2005",
        "01/05/2005",
        "二〇〇五年一月五日",
        "abc",
        "2005",
        -5,
        0,
        80000,
        True,
        datetime.time(0, 0),  # a date cell holding 0 (a formula never calculated)
    ],
)
def test_impossible_or_unreadable_dates(value):
    with pytest.raises(CellError):
        parse_date(value)


def test_impossible_date_message_names_the_value():
    with pytest.raises(CellError, match="2005-02-30"):
        parse_date("2005-02-30")


def test_a_bare_year_in_a_number_cell_is_not_a_1905_date():
    with pytest.raises(CellError):
        parse_date(1985)


def test_unreadable_date_message_quotes_the_value_as_typed():
    with pytest.raises(CellError, match="2005-1-5 上午"):
        parse_date("2005-1-5 上午")


def test_midnight_time_from_system_exports_is_accepted():
    assert parse_date("2005-1-5 00:00:00") == D(2005, 1, 5)
    assert parse_date("2005/01/05 0:00") == D(2005, 1, 5)


@pytest.mark.parametrize("value", [1985, 1985.0, "1985"])
def test_a_bare_year_is_refused(value):
    with pytest.raises(CellError, match="1985"):
        parse_date(value)


_DATES = st.dates(min_value=D(1900, 3, 1), max_value=D(2099, 12, 31))
_FORMATS = [
    lambda d: f"{d.year}-{d.month:02d}-{d.day:02d}",
    lambda d: f"{d.year}-{d.month}-{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    lambda d: "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{d.year}年{d.month}月{d.day}日"),
]


@given(_DATES, st.sampled_from(range(len(_FORMATS))))
def test_text_dates_round_trip(day, form):
    assert parse_date(_FORMATS[form](day)) == day


@given(_DATES, st.floats(min_value=0, max_value=0.99))
def test_excel_serials_round_trip(day, time_of_day):
    serial = (day - EXCEL_EPOCH).days
    if 1900 <= serial < 2100:  # read as a bare year; no member has a date in 1905
        return
    assert parse_date(serial) == day
    assert parse_date(serial + time_of_day) == day
    assert parse_date(datetime.datetime.combine(day, datetime.time(23, 59))) == day


@given(st.integers(min_value=1900, max_value=2099), st.integers(min_value=1, max_value=12))
def test_year_month_round_trips(year, month):
    assert parse_date(f"{year}.{month:02d}") == PartialDate(year, month)
    assert parse_date(f"{year}年{month}月") == PartialDate(year, month)
    assert parse_date(float(f"{year}.{month:02d}")) == PartialDate(year, month)


# --- text and headers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        ("", ""),
        (3.0, "3"),
        (13800138000.0, "13800138000"),
        (3.5, "3.5"),
        (7, "7"),
        ("  王芳 ", "王芳"),
        ("１３８００１３８０００", "13800138000"),
        ("ＡＢＣ", "ABC"),
    ],
)
def test_text(value, expected):
    assert text(value) == expected


def test_is_blank():
    assert is_blank(["", None, "  ", "\u3000"])
    assert not is_blank(["", 0])


@pytest.mark.parametrize(
    "header, expected",
    [
        ("姓名", "姓名"),
        ("姓 名", "姓名"),
        ("姓　名", "姓名"),  # ideographic space
        ("姓\n名", "姓名"),  # Alt+Enter inside the header cell
        ("身份證號碼", "身份证号码"),
        ("身份證號碼（18位）", "身份证号码"),
        ("入党时间(年月)", "入党时间"),
        ("出生年月（如1970.01）", "出生年月"),
        ("入黨時間", "入党时间"),
        ("聯繫電話", "联系电话"),
        ("黨員類別", "党员类别"),
        ("【序号】", "序号"),
        ("联系电话：", "联系电话"),
        ("* 姓名", "姓名"),
        ("Name*", "name"),
        ("ＩＤ", "id"),
        ("Date of Birth", "dateofbirth"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalise_header(header, expected):
    assert normalise_header(header) == expected


# --- column letters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "index, letters",
    [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA"),
     (16383, "XFD")],
)  # fmt: skip
def test_column_letter(index, letters):
    assert column_letter(index) == letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


@given(st.integers(min_value=0, max_value=10**7))
def test_column_letter_is_bijective(index):
    letters = column_letter(index)
    assert letters and set(letters) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert _column_index(letters) == index


@given(st.integers(min_value=0, max_value=10**6))
def test_column_letters_sort_like_columns(index):
    this, following = column_letter(index), column_letter(index + 1)
    assert (len(this), this) < (len(following), following)


# --- header detection -----------------------------------------------------------------------

COLUMNS = [
    Column("seq", ["序号"]),
    Column("name", ["姓名", "党员姓名"], required=True),
    Column("id_number", ["身份证号", "身份证号码"], required=True),
    Column("joined_on", ["入党时间"], required=True),
    Column("phone", ["联系电话", "电话"]),
]


def rows(*cells_per_row: list, first: int = 1) -> list[SheetRow]:
    return [SheetRow(number, list(cells)) for number, cells in enumerate(cells_per_row, start=first)]


def test_header_below_title_rows():
    sheet = rows(
        ["甲街道党工委党员花名册", "", ""],
        ["填报单位：甲街道党工委", "", "", "填报日期：2005年3月1日"],
        ["序号", "身份證號碼", "姓 名", "入黨時間", "聯繫電話"],
        [1, "500103196803081781", "王芳", "1990-07-01", "13908310001"],
    )
    header = find_header(sheet, COLUMNS)
    assert header.row_number == 3
    assert header.positions == {"seq": 0, "id_number": 1, "name": 2, "joined_on": 3, "phone": 4}
    assert header.labels["id_number"] == "身份證號碼" and header.labels["name"] == "姓 名"


def test_header_is_the_row_naming_most_columns():
    sheet = rows(["姓名", "电话"], ["姓名", "身份证号", "入党时间"], ["王芳", "5001", "2005"])
    assert find_header(sheet, COLUMNS).row_number == 2


def test_a_single_known_word_is_not_a_header():
    assert find_header(rows(["姓名", "备注"], ["王芳", ""]), COLUMNS) is None
    assert find_header([], COLUMNS) is None


def test_first_of_two_columns_with_the_same_meaning_wins():
    header = find_header(rows(["姓名", "身份证号", "党员姓名", "身份证号码"]), COLUMNS)
    assert header.positions == {"name": 0, "id_number": 1}


def test_numbers_and_blanks_in_the_header_row_are_ignored():
    header = find_header(rows(["", 1.0, "姓名", None, "入党时间"], first=5), COLUMNS)
    assert header.row_number == 5 and header.positions == {"name": 2, "joined_on": 4}


# --- merged cells --------------------------------------------------------------------------


def test_fill_merged_spreads_the_top_left_value():
    sheet = rows(
        ["花名册", "", ""],
        ["姓名", "所在党组织", "电话"],
        ["王芳", "甲一支部", "1"],
        ["李明", "", "2"],
        ["陈建国", "", "3"],
        ["刘秀英", "甲二支部", "4"],
        ["张伟", "", "5"],
    )
    merged = [((0, 0), (0, 2)), ((2, 1), (4, 1)), ((5, 1), (6, 1))]
    filled = list(fill_merged(iter(sheet), merged))
    assert filled[0].cells == ["花名册"] * 3
    assert [r.cells[1] for r in filled[2:]] == ["甲一支部"] * 3 + ["甲二支部"] * 2
    assert [r.number for r in filled] == list(range(1, 8))


def test_fill_merged_extends_short_rows_and_keeps_written_cells():
    sheet = rows(["甲一支部"], [], ["", "x"])
    filled = list(fill_merged(iter(sheet), [((0, 0), (2, 2))]))
    assert filled[1].cells == ["甲一支部"] * 3
    assert filled[2].cells == ["甲一支部", "x", "甲一支部"]


def test_fill_merged_without_merges_is_the_identity():
    sheet = rows(["a", ""], ["", "b"])
    assert list(fill_merged(iter(sheet), [])) == sheet
    assert list(fill_merged(iter(sheet), None)) == sheet


def test_fill_merged_ends_with_the_range():
    filled = list(fill_merged(iter(rows(["甲"], [""], [""])), [((0, 0), (1, 0))]))
    assert [r.cells[0] for r in filled] == ["甲", "甲", ""]


# --- opening files: CSV encodings, row numbers, limits ----------------------------------------

ROSTER_CSV = "花名册,,\n姓名,身份證號碼,入党时间\n王芳,500103196803081781,2005年1月5日\n"


def _read(path) -> list[list]:
    return [[row.number, *row.cells] for sheet in open_sheets(path) for row in sheet.rows]


@pytest.mark.parametrize(
    "encoding, bom",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b""), ("gb2312", b"")],
)
def test_csv_encodings(tmp_path, encoding, bom):
    path = tmp_path / "r.csv"
    path.write_bytes(bom + ROSTER_CSV.replace("身份證號碼", "身份证号码" if encoding == "gb2312" else "身份證號碼")
                     .encode(encoding))  # fmt: skip
    read = _read(path)
    assert read[1][1] == "姓名"  # no BOM glued to the first header
    assert read[2] == [3, "王芳", "500103196803081781", "2005年1月5日"]


def test_gb18030_four_byte_characters(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("姓名,民族\n𠀀𪚥,汉族\n".encode("gb18030"))  # characters outside GBK
    assert _read(path)[1] == [2, "𠀀𪚥", "汉族"]


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_csv_delimiters(tmp_path, delimiter):
    path = tmp_path / "r.csv"
    path.write_text(ROSTER_CSV.replace(",", delimiter), encoding="utf-8")
    assert _read(path)[2][1:] == ["王芳", "500103196803081781", "2005年1月5日"]


def test_csv_quoted_fields_with_commas_and_newlines(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('姓名,工作单位\n王芳,"甲街道办事处,主任"\n李明,"第三\n棉纺厂"\n', encoding="utf-8")
    read = _read(path)
    assert read[1][2] == "甲街道办事处,主任" and read[2][2] == "第三\n棉纺厂"


@pytest.mark.parametrize(
    "data, words",
    [
        (b"\xff\xfe\x00\x00abc", "not a spreadsheet"),
        ("姓名,身份证号\n".encode("utf-16"), "not a spreadsheet"),
        (b"\xff\xff\xff,\xff\n", "neither UTF-8 nor GB18030"),
        (b"", "empty"),
    ],
)
def test_csv_that_is_not_text(tmp_path, data, words):
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    with translation.override("en"), pytest.raises(SpreadsheetError, match=words):
        list(next(open_sheets(path)).rows)


def test_xlsx_row_numbers_and_columns_when_the_sheet_starts_late(tmp_path):
    """Calamine trims leading empty columns; open_sheets puts them back so letters match the sheet."""
    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(2, 2, ["姓名", "身份证号"])
    sheet.write_row(3, 2, ["王芳", "500103196803081781"])
    book.close()
    read = [row for row in _read(path) if any(row[1:])]
    assert read == [[3, "", "", "姓名", "身份证号"], [4, "", "", "王芳", "500103196803081781"]]


def test_long_cell_is_named(tmp_path):
    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "备注"])
    sheet.write_row(1, 0, ["王芳", "长" * 2001])
    book.close()
    with translation.override("en"), pytest.raises(SpreadsheetError, match="B2"):
        for opened in open_sheets(path):
            list(opened.rows)


def _sheet_with_merges(tmp_path):
    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, 3, "标题")
    for row in range(1, 40):
        sheet.write_row(row, 0, [row, f"姓名{row}", "男", "" if 20 <= row <= 24 else f"甲{row}"])
    sheet.merge_range(20, 3, 24, 3, "合并的支部")  # rows 21 to 25: filled in from the first
    book.close()
    return next(open_sheets(path))


def test_rows_from_a_row_number_are_the_rows_a_full_pass_gives(tmp_path):
    whole = _sheet_with_merges(tmp_path)
    every = [(r.number, r.cells) for r in fill_merged(whole.rows, whole.merged)]
    assert [every[n][1][3] for n in (19, 20, 24, 25)] == ["甲19", "合并的支部", "合并的支部", "甲25"]
    assert len(every) == 40
    for first in (2, 10, 21, 26, 40, 41):
        later = _sheet_with_merges(tmp_path).rows_from(first)
        assert [(r.number, r.cells) for r in later] == [(n, c) for n, c in every if n >= first]


def test_rows_from_inside_a_merged_range_declines(tmp_path):
    sheet = _sheet_with_merges(tmp_path)
    assert sheet.rows_from(22) is None and sheet.rows_from(25) is None
    assert sheet.rows_from(21) is not None
