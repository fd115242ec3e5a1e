"""Build the roster fixtures in ``fixtures/``: files saved by a real office suite, with known bad rows.

Run once by a developer, when the roster below changes (LibreOffice must be
installed: Debian's ``libreoffice-calc-nogui``; the encrypted copy needs the
PyPI package ``msoffcrypto-tool``)::

    .venv/bin/python -m vanguard.rosters.tests.make_fixtures

The roster is written with XlsxWriter as an office would fill it (a merged
title row, a "填报单位 / 填报日期" row, headers in Simplified and Traditional
script and with spaces, columns in an unusual order, merged 所在党组织 cells,
Excel date cells next to text dates, full-width digits, a 合计 row and blank
rows at the end), then converted by LibreOffice headless, so every committed
file is one LibreOffice saved: .xlsx, .xls, .ods and CSV in UTF-8 and GB18030;
the UTF-8-with-BOM CSV is the UTF-8 one with a BOM put in front (LibreOffice
7.4 cannot write one).  ID numbers come from a seeded random generator, so the
files and the tests (which import ``ROSTER`` and ``BAD_ROWS`` from here) agree;
``test_import_files.test_fixtures_match_this_module`` says when they do not.

The tests import this module but never run LibreOffice.
"""

from __future__ import annotations

import datetime
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from vanguard.core import people

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHEET_NAME = "党员花名册"
TITLE = "甲街道党工委党员花名册"
REPORTED_BY = "填报单位：甲街道党工委（盖章）"
REPORTED_ON = "填报日期：2005年3月1日"
TARGET_ORGANISATION = "甲街道党工委"  # the conftest `city` fixture's committee_a; both branches are under it

# Headers as written, in the file's own order; the keys are vanguard.rosters.columns keys.
HEADERS = [
    ("seq", "序号"),
    ("id_number", "身份證號碼"),
    ("name", "姓 名"),
    ("gender", "性別"),
    ("birth_date", "出生年月"),
    ("ethnicity", "民 族"),
    ("joined_on", "入黨時間"),
    ("education", "文化程度"),
    ("status", "党籍状态"),
    ("category", "党员类别"),
    ("organisation_name", "所在党组织"),
    ("work_unit", "工作單位及職務"),
    ("phone", "聯繫電話"),
]
LETTERS = {key: chr(ord("A") + index) for index, (key, _label) in enumerate(HEADERS)}
HEADER_ROW = 3
FIRST_ROW = 4

BRANCH_ONE, BRANCH_TWO = "甲一支部", "甲二支部"
BRANCH_ONE_ROWS = range(4, 13)  # K4:K12 merged
BRANCH_TWO_ROWS = range(13, 25)  # K13:K24 merged

# The rows that are wrong in the "bad" files, with the column the dry run must name.
BAD_ROWS = {
    9: ("id_number", "wrong check digit"),
    14: ("joined_on", "joined at 16, before the age of 18"),
    17: ("joined_on", "impossible date 2005-02-30"),
    20: ("id_number", "the ID number of row 8 again"),
    21: ("name", "name missing"),
}


@dataclass(frozen=True)
class ExcelDate:
    """A real date cell, shown with an Excel number format."""

    value: datetime.date
    format: str = "yyyy-mm-dd"


@dataclass(frozen=True)
class Number:
    """A number cell (phone typed as a number, 1970.03 typed into 出生年月)."""

    value: float


@dataclass
class Person:
    row: int
    cells: dict[str, object]  # key → str (text cell), ExcelDate, Number or "" (blank)
    expected: dict[str, object] = field(default_factory=dict)  # Member fields after import
    id_number: str = ""  # as it should be stored (normalised)


_CN_DATE = 'yyyy"年"m"月"d"日"'


def _ids() -> dict[str, str]:
    """The ID numbers, from a seeded generator: the same on every run."""
    rng = random.Random(20050301)
    births = {
        "wang": (datetime.date(1968, 3, 8), "F"),
        "li": (datetime.date(1955, 11, 20), "M"),
        "chen": (datetime.date(1970, 3, 15), "M"),
        "liu": (datetime.date(1962, 9, 30), "F"),
        "zhang": (datetime.date(1975, 5, 4), "M"),
        "yang": (datetime.date(1980, 12, 1), "M"),
        "huang": (datetime.date(1983, 2, 14), "F"),
        "zhou": (datetime.date(1977, 7, 7), "M"),
        "wu": (datetime.date(1972, 4, 18), "F"),
        "xu": (datetime.date(1949, 10, 1), "M"),
        "sun": (datetime.date(1986, 6, 15), "F"),
        "ma": (datetime.date(1978, 8, 8), "M"),
        "zhu": (datetime.date(1966, 5, 20), "F"),
        "hu": (datetime.date(1973, 1, 28), "M"),
        "guo": (datetime.date(1979, 4, 17), "F"),
        "he": (datetime.date(1958, 12, 12), "M"),
        "gao": (datetime.date(1976, 9, 9), "M"),
        "luo": (datetime.date(1984, 3, 3), "F"),
        "liang": (datetime.date(1983, 1, 1), "M"),
        "song": (datetime.date(1980, 11, 11), "F"),
        "zheng": (datetime.date(1952, 2, 29), "M"),
    }
    ids = {}
    for key, (born, gender) in births.items():
        number = people.id_number(rng, born, gender, region="500103" if key != "he" else "510202")
        if key == "zhou":  # one ID number ending in X, typed as a lower-case x in the file
            while not number.endswith("X"):
                number = people.id_number(rng, born, gender, region="500106")
        ids[key] = number
    return ids


def _full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in value)


def _wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def roster(*, fixed: bool) -> list[Person]:
    """The 21 rows of the roster (rows 4-24); `fixed=False` carries the BAD_ROWS mistakes."""
    ids = _ids()
    d = datetime.date
    rows = [
        # row 4: Excel date cells in two formats; a name padded with spaces; a leading cadre
        Person(4, {"name": "王  芳", "id_number": ids["wang"], "gender": "女",
                   "birth_date": ExcelDate(d(1968, 3, 8)), "ethnicity": "汉族",
                   "joined_on": ExcelDate(d(1990, 7, 1), _CN_DATE), "education": "大学本科",
                   "status": "正式党员", "category": "党员领导干部", "work_unit": "甲街道办事处 主任",
                   "phone": "13908310001"},
               {"name": "王芳", "gender": "F", "birth_date": d(1968, 3, 8), "joined_on": d(1990, 7, 1),
                "education": "university", "status": "full", "category": "leader", "phone": "13908310001"}),
        # row 5: 出生年月 as text year.month; joined as 1978.6.12; phone typed as a number; retired
        Person(5, {"name": "李明", "id_number": ids["li"], "gender": "男", "birth_date": "1955.11",
                   "ethnicity": "汉族", "joined_on": "1978.6.12", "education": "高中", "status": "正式",
                   "category": "离退休", "work_unit": "重庆市第三棉纺厂", "phone": Number(13500230002)},
               {"name": "李明", "birth_date": d(1955, 11, 20), "joined_on": d(1978, 6, 12),
                "education": "secondary", "category": "retired", "phone": "13500230002"}),
        # row 6: 1970.03 typed into a number cell; 1995年7月1日; full-width phone digits
        Person(6, {"name": "陈 建国", "id_number": ids["chen"], "gender": "男", "birth_date": Number(1970.03),
                   "ethnicity": "土家族", "joined_on": "1995年7月1日", "education": "大专", "status": "正式党员",
                   "category": "在职党员", "work_unit": "甲街道社区服务中心", "phone": _full_width("13883001003")},
               {"name": "陈建国", "birth_date": d(1970, 3, 15), "joined_on": d(1995, 7, 1), "ethnicity": "土家族",
                "education": "college", "phone": "13883001003"}),
        # row 7: ISO text dates; blank category; a landline
        Person(7, {"name": "刘秀英", "id_number": ids["liu"], "gender": "女", "birth_date": "1962-09-30",
                   "ethnicity": "汉族", "joined_on": "2005-01-05", "education": "初中", "status": "正式党员",
                   "category": "", "work_unit": "甲街道居委会", "phone": "023-68881004"},
               {"birth_date": d(1962, 9, 30), "joined_on": d(2005, 1, 5), "education": "junior",
                "category": "ordinary", "phone": "023-68881004"}),
        # row 8: Traditional-script cell value 大學本科
        Person(8, {"name": "张伟", "id_number": ids["zhang"], "gender": "男", "birth_date": ExcelDate(d(1975, 5, 4)),
                   "ethnicity": "汉族", "joined_on": ExcelDate(d(1998, 5, 4)), "education": "大學本科",
                   "status": "正式党员", "category": "在职党员", "work_unit": "重庆甲实业有限公司",
                   "phone": "13752010005"},
               {"education": "university", "joined_on": d(1998, 5, 4)}),
        # row 9 (bad: wrong check digit)
        Person(9, {"name": "杨帆", "id_number": ids["yang"] if fixed else _wrong_check_digit(ids["yang"]),
                   "gender": "男", "birth_date": "1980.12.1", "ethnicity": "汉族", "joined_on": "2003.7.1",
                   "education": "硕士研究生", "status": "正式党员", "category": "在职党员",
                   "work_unit": "甲街道财政所", "phone": "13996010006"},
               {"birth_date": d(1980, 12, 1), "joined_on": d(2003, 7, 1), "education": "postgraduate"}),
        # row 10: full-width ID number; gender and birth date blank (taken from the ID); probationary
        Person(10, {"name": "黄丽华", "id_number": _full_width(ids["huang"]), "gender": "", "birth_date": "",
                    "ethnicity": "汉族", "joined_on": "2004年12月20日", "education": "大专", "status": "预备党员",
                    "category": "在职党员", "work_unit": "甲街道卫生服务中心", "phone": "15923010007"},
               {"gender": "F", "birth_date": d(1983, 2, 14), "joined_on": d(2004, 12, 20),
                "status": "probationary"}),
        # row 11: ID number ending in a lower-case x; full-width text date
        Person(11, {"name": "周 杰", "id_number": ids["zhou"][:-1] + "x", "gender": "男",
                    "birth_date": ExcelDate(d(1977, 7, 7), _CN_DATE), "ethnicity": "汉族",
                    "joined_on": _full_width("2000年7月1日"), "education": "大学本科", "status": "正式党员",
                    "category": "在职党员", "work_unit": "甲街道派出所", "phone": "13608310008"},
               {"name": "周杰", "birth_date": d(1977, 7, 7), "joined_on": d(2000, 7, 1)}),
        # row 12: 出生年月 as 1972年4月
        Person(12, {"name": "吴敏", "id_number": ids["wu"], "gender": "女", "birth_date": "1972年4月",
                    "ethnicity": "汉族", "joined_on": ExcelDate(d(1996, 6, 30), _CN_DATE), "education": "中专",
                    "status": "正式党员", "category": "在职党员", "work_unit": "甲街道文化站",
                    "phone": "13320310009"},
               {"birth_date": d(1972, 4, 18), "joined_on": d(1996, 6, 30), "education": "secondary"}),
        # row 13 (second branch starts)
        Person(13, {"name": "徐海", "id_number": ids["xu"], "gender": "男", "birth_date": ExcelDate(d(1949, 10, 1)),
                    "ethnicity": "汉族", "joined_on": "1968.3.8", "education": "小学", "status": "正式党员",
                    "category": "离退休", "work_unit": "", "phone": "68881010"},
               {"birth_date": d(1949, 10, 1), "joined_on": d(1968, 3, 8), "category": "retired"}),
        # row 14 (bad: joined at 16)
        Person(14, {"name": "孙晓燕", "id_number": ids["sun"], "gender": "女", "birth_date": "1986-06-15",
                    "ethnicity": "汉族", "joined_on": "2004.12.1" if fixed else "2003.1.5", "education": "大专",
                    "status": "预备党员", "category": "在职党员", "work_unit": "甲街道劳动保障所",
                    "phone": "18983010011"},
               {"joined_on": d(2004, 12, 1)}),
        # row 15: 8-digit text date 20020701; 回族
        Person(15, {"name": "马骏", "id_number": ids["ma"], "gender": "男", "birth_date": ExcelDate(d(1978, 8, 8)),
                    "ethnicity": "回族", "joined_on": "20020701", "education": "大学本科", "status": "正式党员",
                    "category": "在职党员", "work_unit": "重庆乙建设集团", "phone": "13012310012"},
               {"joined_on": d(2002, 7, 1), "ethnicity": "回族"}),
        # row 16: slash text date
        Person(16, {"name": "朱红梅", "id_number": ids["zhu"], "gender": "女", "birth_date": "1966/5/20",
                    "ethnicity": "汉族", "joined_on": ExcelDate(d(1992, 6, 30)), "education": "高中",
                    "status": "正式党员", "category": "下岗失业", "work_unit": "", "phone": "13193010013"},
               {"birth_date": d(1966, 5, 20), "joined_on": d(1992, 6, 30), "category": "laid_off"}),
        # row 17 (bad: 2005-02-30)
        Person(17, {"name": "胡志强", "id_number": ids["hu"], "gender": "男", "birth_date": "1973-01-28",
                    "ethnicity": "汉族", "joined_on": "2005-02-28" if fixed else "2005-02-30", "education": "大专",
                    "status": "正式党员", "category": "在职党员", "work_unit": "甲街道城管科",
                    "phone": "13452010014"},
               {"joined_on": d(2005, 2, 28)}),
        # row 18: 苗族; 2001-7-1
        Person(18, {"name": "郭静", "id_number": ids["guo"], "gender": "女", "birth_date": ExcelDate(d(1979, 4, 17)),
                    "ethnicity": "苗族", "joined_on": "2001-7-1", "education": "大学本科", "status": "正式党员",
                    "category": "在职党员", "work_unit": "甲街道小学", "phone": "13883010015"},
               {"joined_on": d(2001, 7, 1), "ethnicity": "苗族"}),
        # row 19: a pre-1997 Sichuan region code; joined given as year and month only
        Person(19, {"name": "何  勇", "id_number": ids["he"], "gender": "男", "birth_date": "1958.12",
                    "ethnicity": "汉族", "joined_on": "1985年10月", "education": "初中", "status": "正式党员",
                    "category": "年老体弱", "work_unit": "", "phone": "13709410016"},
               {"name": "何勇", "birth_date": d(1958, 12, 12), "joined_on": d(1985, 10, 1), "category": "elderly"}),
        # row 20 (bad: the ID number of row 8); birth date blank, taken from the ID number
        Person(20, {"name": "高峰", "id_number": ids["gao"] if fixed else ids["zhang"], "gender": "男",
                    "birth_date": "", "ethnicity": "汉族", "joined_on": "1999.9.9", "education": "大学本科",
                    "status": "正式党员", "category": "在职党员", "work_unit": "重庆甲实业有限公司",
                    "phone": "13908310017"},
               {"birth_date": d(1976, 9, 9), "joined_on": d(1999, 9, 9)}),
        # row 21 (bad: name missing)
        Person(21, {"name": "罗 敏" if fixed else "", "id_number": ids["luo"], "gender": "女",
                    "birth_date": ExcelDate(d(1984, 3, 3)), "ethnicity": "汉族", "joined_on": "2004-06-30",
                    "education": "大学本科", "status": "正式党员", "category": "在职党员",
                    "work_unit": "甲街道团工委", "phone": "13500230018"},
               {"name": "罗敏", "joined_on": d(2004, 6, 30)}),
        Person(22, {"name": "梁晨", "id_number": ids["liang"], "gender": "男", "birth_date": "1983.1.1",
                    "ethnicity": "汉族", "joined_on": "2004年7月1日", "education": "大学本科", "status": "正式党员",
                    "category": "在职党员", "work_unit": "甲街道团工委", "phone": "13983010019"},
               {"birth_date": d(1983, 1, 1), "joined_on": d(2004, 7, 1)}),
        Person(23, {"name": "宋佳", "id_number": ids["song"], "gender": "女",
                    "birth_date": ExcelDate(d(1980, 11, 11)), "ethnicity": "汉族", "joined_on": "2004.12.20",
                    "education": "硕士", "status": "预备党员", "category": "在职党员", "work_unit": "重庆某大学",
                    "phone": "13637810020"},
               {"status": "probationary", "education": "postgraduate"}),
        # row 24: born on 29 February
        Person(24, {"name": "郑 国 华", "id_number": ids["zheng"], "gender": "男",
                    "birth_date": ExcelDate(d(1952, 2, 29), _CN_DATE), "ethnicity": "汉族", "joined_on": "1975.5.4",
                    "education": "高中", "status": "正式党员", "category": "离休", "work_unit": "",
                    "phone": "13308310021"},
               {"name": "郑国华", "birth_date": d(1952, 2, 29), "joined_on": d(1975, 5, 4), "category": "retired"}),
    ]  # fmt: skip
    for seq, person in enumerate(rows, start=1):
        person.cells["seq"] = seq
        person.cells["organisation_name"] = BRANCH_ONE if person.row in BRANCH_ONE_ROWS else BRANCH_TWO
        person.expected.setdefault("name", person.cells["name"])
        if person.row == 20 and not fixed:
            person.id_number = ids["zhang"]
        else:
            person.id_number = ids[_ID_KEYS[person.row]]
    return rows


_ID_KEYS = {
    4: "wang", 5: "li", 6: "chen", 7: "liu", 8: "zhang", 9: "yang", 10: "huang", 11: "zhou", 12: "wu", 13: "xu",
    14: "sun", 15: "ma", 16: "zhu", 17: "hu", 18: "guo", 19: "he", 20: "gao", 21: "luo", 22: "liang", 23: "song",
    24: "zheng",
}  # fmt: skip
TOTAL_ROW = 25
LAST_ROW = 27  # two blank bordered rows after the 合计 row


def with_phone(people_rows: list[Person], row: int, phone: str) -> list[Person]:
    """A copy of the roster with one phone changed (the re-upload test)."""
    return [replace(p, cells={**p.cells, "phone": phone}) if p.row == row else p for p in people_rows]


def write_xlsx(path: Path, people_rows: list[Person]) -> Path:
    """The roster as an office fills it, written with XlsxWriter (no office suite involved)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(SHEET_NAME)
    border = {"border": 1, "valign": "vcenter"}
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    plain = workbook.add_format(border)
    header = workbook.add_format({**border, "bold": True, "align": "center", "bg_color": "#D9D9D9"})
    merged = workbook.add_format({**border, "align": "center"})
    formats: dict[str, object] = {}

    last_col = len(HEADERS) - 1
    sheet.merge_range(0, 0, 0, last_col, TITLE, title)
    sheet.merge_range(1, 0, 1, 5, REPORTED_BY, workbook.add_format({}))
    sheet.merge_range(1, 9, 1, last_col, REPORTED_ON, workbook.add_format({"align": "right"}))
    for col, (_key, label) in enumerate(HEADERS):
        sheet.write_string(HEADER_ROW - 1, col, label, header)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 21)
    sheet.set_column(2, last_col, 11)

    for person in people_rows:
        r = person.row - 1
        for col, (key, _label) in enumerate(HEADERS):
            if key == "organisation_name":
                continue
            value = person.cells.get(key, "")
            if isinstance(value, ExcelDate):
                fmt = formats.setdefault(value.format, workbook.add_format({**border, "num_format": value.format}))
                sheet.write_datetime(r, col, datetime.datetime.combine(value.value, datetime.time()), fmt)
            elif isinstance(value, Number):
                sheet.write_number(r, col, value.value, plain)
            elif isinstance(value, int):
                sheet.write_number(r, col, value, plain)
            elif value == "":
                sheet.write_blank(r, col, None, plain)
            else:
                sheet.write_string(r, col, value, plain)
    org_col = next(i for i, (key, _l) in enumerate(HEADERS) if key == "organisation_name")
    for rows, name in ((BRANCH_ONE_ROWS, BRANCH_ONE), (BRANCH_TWO_ROWS, BRANCH_TWO)):
        sheet.merge_range(rows[0] - 1, org_col, rows[-1] - 1, org_col, name, merged)
    sheet.merge_range(TOTAL_ROW - 1, 0, TOTAL_ROW - 1, 1, "合计", merged)
    sheet.write_string(TOTAL_ROW - 1, 2, f"共{len(people_rows)}人", plain)
    for r in range(TOTAL_ROW, LAST_ROW):
        for col in range(len(HEADERS)):
            sheet.write_blank(r, col, None, plain)
    workbook.close()
    return path


# --- LibreOffice -------------------------------------------------------------

CSV_FILTER = "Text - txt - csv (StarCalc)"
# Tokens: field separator 44 (,), text delimiter 34 ("), character set, first line 1, no column formats,
# language 0, quoted field as text false, detect special numbers true, save cell contents as shown true.
CSV_UTF8 = f"csv:{CSV_FILTER}:44,34,76,1,,0,false,true,true"  # 76 = RTL_TEXTENCODING_UTF8
CSV_GB18030 = f"csv:{CSV_FILTER}:44,34,85,1,,0,false,true,true"  # 85 = RTL_TEXTENCODING_GB_18030


def convert(source: Path, target_format: str, outdir: Path, profile: Path) -> Path:
    """soffice --headless --convert-to, in a private profile so a running LibreOffice is not disturbed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("LibreOffice is needed: apt-get install libreoffice-calc-nogui")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target_format,
         "--outdir", str(outdir), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    extension = target_format.split(":", 1)[0]
    result = outdir / f"{source.stem}.{extension}"
    if not result.exists():
        raise RuntimeError(f"LibreOffice did not write {result}")
    return result


def _encrypted_copy(source: Path, target: Path, password: str) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile  # PyPI msoffcrypto-tool, needed only here

    with source.open("rb") as plain, target.open("wb") as encrypted:
        OOXMLFile(plain).encrypt(password, encrypted)


def _false_password_marker(path: Path) -> None:
    """A harmless roster whose 备注 cell says "EncryptionInfo" (stored as UTF-16 in .xls, like the OLE marker)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(SHEET_NAME)
    person = roster(fixed=True)[0]
    sheet.write_row(0, 0, ["姓名", "身份证号", "入党时间", "备注"])
    sheet.write_row(1, 0, ["王芳", person.id_number, "1990-07-01", "EncryptionInfo 见附件说明"])
    workbook.close()


PASSWORD = "xianfeng2005"


def build(target: Path = FIXTURES) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        profile = tmp / "profile"
        (tmp / "xlsxwriter").mkdir()
        for stem, fixed in (("roster-bad", False), ("roster-fixed", True)):
            source = write_xlsx(tmp / "xlsxwriter" / f"{stem}.xlsx", roster(fixed=fixed))
            saved = convert(source, "xlsx", tmp / stem, profile)
            outputs = {"xlsx": saved}
            for fmt in ("xls", "ods", CSV_UTF8, CSV_GB18030):
                outdir = tmp / stem / ("gb18030" if fmt == CSV_GB18030 else "other")
                outputs[fmt] = convert(saved, fmt, outdir, profile)
            final = {
                "xlsx": target / f"{stem}.xlsx",
                "xls": target / f"{stem}.xls",
                "ods": target / f"{stem}.ods",
                CSV_UTF8: target / f"{stem}-utf8.csv",
                CSV_GB18030: target / f"{stem}-gb18030.csv",
            }
            for fmt, path in final.items():
                shutil.copyfile(outputs[fmt], path)
                made.append(path)
            utf8 = final[CSV_UTF8].read_bytes()
            assert not utf8.startswith(b"\xef\xbb\xbf")
            bom = target / f"{stem}-utf8-bom.csv"
            bom.write_bytes(b"\xef\xbb\xbf" + utf8)
            made.append(bom)
            gb = final[CSV_GB18030].read_bytes()
            assert gb.decode("gb18030") == utf8.decode("utf-8"), "the GB18030 CSV should hold the same text"
            assert gb != utf8
        encrypted = target / "roster-password.xlsx"
        _encrypted_copy(target / "roster-fixed.xlsx", encrypted, PASSWORD)
        made.append(encrypted)
        marker = tmp / "xlsxwriter" / "encryptioninfo-text.xlsx"
        _false_password_marker(marker)
        xls = convert(marker, "xls", tmp / "marker", profile)
        shutil.copyfile(xls, target / "encryptioninfo-text.xls")
        made.append(target / "encryptioninfo-text.xls")
    for path in made:
        size = path.stat().st_size
        assert size < 50 * 1024, f"{path.name} is {size} bytes; keep fixtures under 50 KB"
    return made


if __name__ == "__main__":
    for made_path in build():
        print(f"{made_path.stat().st_size:>6} bytes  {made_path}")
