"""Unit tests of vanguard.core.ods: merged ranges of .ods sheets, which python-calamine does not report."""

from __future__ import annotations

import io
import itertools
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from vanguard.core import ods
from vanguard.core.spreadsheets import fill_merged, open_sheets, text
from vanguard.rosters.tests.make_fixtures import BRANCH_ONE_ROWS, BRANCH_TWO_ROWS, FIXTURES, LETTERS, SHEET_NAME

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def content(*tables: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> str:
    return (
        f"{prolog}<office:document-content {NAMESPACES}>"
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )


def table(name: str, body: str) -> str:
    columns = '<table:table-column table:number-columns-repeated="1024"/>'
    return f'<table:table table:name="{name}">{columns}{body}</table:table>'


def write_ods(path: Path, xml: str | bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", ods.MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", xml, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ranges_of(tmp_path: Path, body: str, name: str = "S") -> list:
    return ods.merged_ranges(write_ods(tmp_path / "t.ods", content(table(name, body))), name)


def span(rows: int = 1, columns: int = 1, repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-rows-spanned="{rows}" table:number-columns-spanned="{columns}" '
        f'table:number-columns-repeated="{repeat}" office:value-type="string"><text:p>x</text:p></table:table-cell>'
    )


def cell(repeat: int = 1) -> str:
    return f'<table:table-cell table:number-columns-repeated="{repeat}"/>'


def covered(repeat: int = 1) -> str:
    return f'<table:covered-table-cell table:number-columns-repeated="{repeat}"/>'


def row(*cells: str, repeat: int = 1) -> str:
    return f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}</table:table-row>'


# --- the fixtures LibreOffice saved ------------------------------------------------


@pytest.mark.parametrize("kind", ["bad", "fixed"])
def test_fixture_merges_equal_what_calamine_reads_from_the_same_roster_as_xlsx_and_xls(kind):
    ods_path = FIXTURES / f"roster-{kind}.ods"
    assert CalamineWorkbook.from_path(str(ods_path)).get_sheet_by_name(SHEET_NAME).merged_cell_ranges in (None, [])
    found = ods.merged_ranges(ods_path, SHEET_NAME)
    for other in ("xlsx", "xls"):
        sheet = CalamineWorkbook.from_path(str(FIXTURES / f"roster-{kind}.{other}")).get_sheet_by_name(SHEET_NAME)
        assert sorted(found) == sorted(sheet.merged_cell_ranges), other
    # Spelled out, from fixtures/README.md: A1:M1, A2:F2, J2:M2, K4:K12, K13:K24, A25:B25.
    assert found == [
        ((0, 0), (0, 12)),
        ((1, 0), (1, 5)),
        ((1, 9), (1, 12)),
        ((3, 10), (11, 10)),
        ((12, 10), (23, 10)),
        ((24, 0), (24, 1)),
    ]
    assert ods.all_merged_ranges(ods_path) == {SHEET_NAME: found}


def test_fixture_organisation_fills_every_row_with_these_ranges():
    """End to end through open_sheets and fill_merged: every member row gets its branch."""
    path = FIXTURES / "roster-fixed.ods"
    sheet = next(iter(open_sheets(path)))
    column = ord(LETTERS["organisation_name"]) - ord("A")
    rows = {r.number: r.cells for r in fill_merged(sheet.rows, ods.merged_ranges(path, sheet.name))}
    assert {n: text(rows[n][column]) for n in BRANCH_ONE_ROWS} == dict.fromkeys(BRANCH_ONE_ROWS, "甲一支部")
    assert {n: text(rows[n][column]) for n in BRANCH_TWO_ROWS} == dict.fromkeys(BRANCH_TWO_ROWS, "甲二支部")


def test_is_ods(tmp_path):
    assert ods.is_ods(FIXTURES / "roster-bad.ods")
    assert not ods.is_ods(FIXTURES / "roster-bad.xlsx")
    assert not ods.is_ods(FIXTURES / "roster-bad.xls")
    assert not ods.is_ods(FIXTURES / "roster-bad-utf8.csv")
    assert not ods.is_ods(tmp_path / "missing.ods")
    text_document = tmp_path / "letter.odt"
    with zipfile.ZipFile(text_document, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert not ods.is_ods(text_document)


# --- counting positions ------------------------------------------------------------


def test_repeated_rows_and_cells_before_a_merge_move_it(tmp_path):
    body = row(cell(3), repeat=5) + row(cell(4), span(rows=2, columns=3), cell()) + row(cell(4), covered(3), cell())
    assert ranges_of(tmp_path, body) == [((5, 4), (6, 6))]


def test_covered_cells_take_their_positions(tmp_path):
    body = row(span(columns=2), covered(), cell(), span(columns=3), covered(2), span(rows=2)) + row(
        covered(5), cell(), covered()
    )
    assert ranges_of(tmp_path, body) == [((0, 0), (0, 1)), ((0, 3), (0, 5)), ((0, 6), (1, 6))]


def test_spans_of_one_are_not_merges(tmp_path):
    assert ranges_of(tmp_path, row(span(rows=1, columns=1), cell(), span(1, 1))) == []


def test_a_repeated_row_with_a_merge_merges_on_each_row(tmp_path):
    body = row(cell()) + row(cell(2), span(columns=2), covered(), repeat=3) + row(span(columns=2), covered())
    assert ranges_of(tmp_path, body) == [((1, 2), (1, 3)), ((2, 2), (2, 3)), ((3, 2), (3, 3)), ((4, 0), (4, 1))]


def test_a_repeated_spanned_cell_merges_at_each_repetition(tmp_path):
    assert ranges_of(tmp_path, row(cell(), span(rows=3, repeat=2))) == [((0, 1), (2, 1)), ((0, 2), (2, 2))]


def test_header_rows_row_groups_and_columns_nest_without_changing_the_count(tmp_path):
    body = (
        '<table:table-column table:number-columns-repeated="7"/>'
        f"<table:table-header-rows>{row(span(columns=4), covered(3))}{row(cell())}</table:table-header-rows>"
        '<table:table-row-group><table:table-row-group table:display="false">'
        f"{row(cell(), span(rows=2))}{row(cell(), covered())}"
        f"</table:table-row-group>{row(cell())}</table:table-row-group>"
        f"<table:table-rows>{row(span(columns=2), covered())}</table:table-rows>"
        f'{row(cell(), repeat=1048570)}<table:table-row><table:table-cell table:number-columns-repeated="16384"/>'
        "<table:soft-page-break/></table:table-row>"
    )
    assert ranges_of(tmp_path, body) == [((0, 0), (0, 3)), ((2, 1), (3, 1)), ((5, 0), (5, 1))]


def test_a_table_inside_a_cell_is_not_part_of_the_grid(tmp_path):
    inner = (
        f'<table:table table:name="inner" table:is-sub-table="true">{row(span(columns=5), covered(4))}</table:table>'
    )
    body = row(f"<table:table-cell>{inner}</table:table-cell>", span(rows=2)) + row(cell(), covered())
    assert ranges_of(tmp_path, body) == [((0, 1), (1, 1))]


def test_spans_in_several_sheets_belong_to_their_sheet(tmp_path):
    xml = content(
        table("封面", row(span(columns=13), covered(12))),
        table(SHEET_NAME, row(cell()) + row(cell(10), span(rows=9)) + row(cell(10), covered(), repeat=8)),
        table("空", row(cell(5), repeat=100)),
        table("说明", row(cell(), span(rows=2, columns=2), covered()) + row(cell(), covered(2))),
    )
    path = write_ods(tmp_path / "workbook.ods", xml)
    assert ods.merged_ranges(path, SHEET_NAME) == [((1, 10), (9, 10))]
    assert ods.merged_ranges(path, "封面") == [((0, 0), (0, 12))]
    assert ods.merged_ranges(path, "空") == []
    assert ods.all_merged_ranges(path) == {
        "封面": [((0, 0), (0, 12))],
        SHEET_NAME: [((1, 10), (9, 10))],
        "空": [],
        "说明": [((0, 1), (1, 2))],
    }
    with pytest.raises(ValueError, match="no sheet named"):
        ods.merged_ranges(path, "党员花名")


# Any grid of non-overlapping merges, written the way LibreOffice writes it (runs of empty or covered
# cells and runs of identical rows folded into *-repeated attributes), reads back as those merges.

rectangles = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(1, 4), st.integers(1, 4)), max_size=12
)


def _grid_xml(merges: list) -> str:
    grid = [["empty"] * 12 for _ in range(12)]
    for r0, c0, r1, c1 in merges:
        for r, c in itertools.product(range(r0, r1 + 1), range(c0, c1 + 1)):
            grid[r][c] = "covered"
        grid[r0][c0] = f"span:{r1 - r0 + 1}:{c1 - c0 + 1}"
    rows = []
    for kind in grid:
        cells = []
        for value, run in itertools.groupby(kind):
            count = len(list(run))
            if value.startswith("span"):
                _, rs, cs = value.split(":")
                cells.append(span(int(rs), int(cs), repeat=count))
            else:
                cells.append(covered(count) if value == "covered" else cell(count))
        rows.append("".join(cells))
    return "".join(row(cells, repeat=len(list(run))) for cells, run in itertools.groupby(rows))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rectangles)
def test_any_merges_read_back(tmp_path, drawn):
    merges: list = []
    taken: set = set()
    for r0, c0, height, width in drawn:
        box = set(itertools.product(range(r0, r0 + height), range(c0, c0 + width)))
        if (height, width) != (1, 1) and not box & taken:
            taken |= box
            merges.append((r0, c0, r0 + height - 1, c0 + width - 1))
    found = ranges_of(tmp_path, _grid_xml(merges))
    assert sorted(found) == sorted(((r0, c0), (r1, c1)) for r0, c0, r1, c1 in merges)


# --- hostile and broken files ------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>\n"
)


def test_an_entity_bomb_is_refused_before_parsing(tmp_path):
    xml = content(
        table("S", row("<table:table-cell><text:p>&lol9;</text:p></table:table-cell>")), prolog=BILLION_LAUGHS
    )
    with pytest.raises(ValueError, match="DOCTYPE"):
        ods.merged_ranges(write_ods(tmp_path / "bomb.ods", xml), "S")


@pytest.mark.parametrize("padding", [0, 4096 - 60, 4096 - 46, 4096 - 40, 100_000])
def test_a_doctype_is_found_wherever_the_prolog_puts_it(tmp_path, padding):
    """Behind comments and across the boundary between two reads too."""
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    comment = f"<!--{'x' * padding}-->" if padding else ""
    xml = content(table("S", row(span(columns=2))), prolog=f'{declaration}{comment}<!DOCTYPE x [<!ENTITY a "b">]>\n')
    with pytest.raises(ValueError, match="DOCTYPE"):
        ods.merged_ranges(write_ods(tmp_path / "doctype.ods", xml), "S")


@pytest.mark.parametrize(
    "data",
    [
        content(table("S", row(span(columns=2))), prolog="").encode("utf-16"),
        content(table("S", row(span(columns=2))), prolog="").encode("utf-16-le"),
        content(table("S", row(span(columns=2))), prolog='<?xml version="1.0" encoding="cp037"?>').encode("cp037"),
        content(table("S", row(span(columns=2))), prolog="<?xml version='1.0' encoding='ISO-8859-1'?>").encode(),
    ],
    ids=["utf-16", "utf-16-without-bom", "ebcdic", "latin-1"],
)
def test_only_utf8_is_read(tmp_path, data):
    with pytest.raises(ValueError, match="not UTF-8"):
        ods.merged_ranges(write_ods(tmp_path / "encoded.ods", data), "S")


def test_utf8_with_or_without_declaration_or_bom_is_read(tmp_path):
    body = table("S", row(span(columns=2), covered()))
    for index, data in enumerate(
        [
            content(body, prolog="").encode(),
            b"\xef\xbb\xbf" + content(body).encode(),
            content(body, prolog="<?xml version='1.0' encoding='utf8' standalone='yes'?>").encode(),
        ]
    ):
        assert ods.merged_ranges(write_ods(tmp_path / f"{index}.ods", data), "S") == [((0, 0), (0, 1))]


def test_content_larger_than_the_cap_is_refused(tmp_path):
    xml = content(table("S", row(span(columns=2), covered()) + row(cell(3), repeat=5) * 3000)).encode()
    path = write_ods(tmp_path / "big.ods", xml)
    assert ods.merged_ranges(path, "S", max_bytes=len(xml)) == [((0, 0), (0, 1))]
    with pytest.raises(ValueError, match=f"larger than {len(xml) - 1} bytes"):
        ods.merged_ranges(path, "S", max_bytes=len(xml) - 1)
    with pytest.raises(ValueError, match="larger than 5000 bytes"):
        ods.merged_ranges(path, "S", max_bytes=5000)
    assert ods.DEFAULT_MAX_BYTES == 512 * 1024 * 1024


def test_too_many_ranges_are_refused_without_making_them(tmp_path):
    path = write_ods(tmp_path / "many.ods", content(table("S", row(span(columns=2), repeat=10**12))))
    with pytest.raises(ValueError, match="more than 100000 ranges"):
        ods.merged_ranges(path, "S")
    path = write_ods(tmp_path / "three.ods", content(table("S", row(span(columns=2), covered(), repeat=3))))
    assert len(ods.merged_ranges(path, "S", max_ranges=3)) == 3
    with pytest.raises(ValueError, match="more than 2 ranges"):
        ods.merged_ranges(path, "S", max_ranges=2)


def _long_sheet(path: Path, rows: int) -> Path:
    """A merged A1:A2, then `rows` rows of five text cells, streamed into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ods.MIMETYPE, compress_type=zipfile.ZIP_STORED)
        with archive.open("content.xml", "w") as member:
            head, tail = content(table("S", "|")).split("|")
            member.write((head + row(span(rows=2)) + row(covered())).encode())
            cells = "".join(
                f'<table:table-cell office:value-type="string"><text:p>成员{i}</text:p></table:table-cell>'
                for i in range(5)
            )
            for _ in range(rows):
                member.write(row(cells).encode())
            member.write(tail.encode())
    return path


def _peak_memory(path: Path) -> int:
    tracemalloc.start()
    try:
        assert ods.merged_ranges(path, "S") == [((0, 0), (1, 0))]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_sheet(tmp_path):
    """Four times the rows, the same memory: no element outlives its end tag."""
    short = _peak_memory(_long_sheet(tmp_path / "short.ods", 1_500))
    long = _peak_memory(_long_sheet(tmp_path / "long.ods", 6_000))
    # Kept as a tree the 6,000 rows would take ~20 MB; cleared but left in place, still ~0.5 MB more.
    assert long < short + 100 * 1024, (short, long)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (content(table("S", row(span(columns=2)))).split("</table:table-row>")[0], "not well-formed"),
        (content(table("S", row(span(columns=2)))).replace("</table:table-cell>", "</table:cell>"), "mismatched tag"),
        (content(table("S", row('<table:table-cell table:number-columns-spanned="0"/>'))), "positive integer"),
        (content(table("S", row('<table:table-cell table:number-columns-repeated="x"/>'))), "positive integer"),
        (content(table("S", row("<table:table-cell>&nbsp;</table:table-cell>"))), "not well-formed"),
        (content(table("S", "<text:span>" * 1001 + "</text:span>" * 1001)), "more than 1000 deep"),
    ],
    ids=["truncated", "mismatched-tag", "zero-span", "not-a-number", "undefined-entity", "too-deep"],
)
def test_broken_content_raises_value_error(tmp_path, xml, message):
    with pytest.raises(ValueError, match=message):
        ods.merged_ranges(write_ods(tmp_path / "broken.ods", xml), "S")


def test_files_that_are_not_ods_raise_value_error(tmp_path):
    with pytest.raises(ValueError, match="not a readable"):
        ods.merged_ranges(FIXTURES / "roster-bad.xlsx", SHEET_NAME)  # a zip without content.xml
    with pytest.raises(ValueError, match="not a readable"):
        ods.merged_ranges(FIXTURES / "roster-bad.xls", SHEET_NAME)
    damaged = tmp_path / "damaged.ods"
    damaged.write_bytes((FIXTURES / "roster-bad.ods").read_bytes()[:4000])
    with pytest.raises(ValueError, match="not a readable"):
        ods.merged_ranges(damaged, SHEET_NAME)


def test_reader_returns_every_byte_in_order():
    data = content(table("S", row(cell()))).encode()
    reader = ods._CappedReader(io.BytesIO(data), max_bytes=len(data))
    assert reader.read(0) == b""
    assert b"".join(iter(lambda: reader.read(7), b"")) == data
