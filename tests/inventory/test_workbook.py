"""The Arrow workbook path gives the same Tables as the cell-by-cell reader."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from shared_data import IBM_WORKSHOP, KUBEV2V_EXAMPLE1, real_data, write_xlsx

from estimator.inventory import rvtools, workbook
from estimator.inventory.cells import Table
from estimator.inventory.guards import Limits, check_zip

GOLDEN_INPUTS = Path(__file__).resolve().parents[1] / "data" / "golden" / "inputs"


def arrow_sheets(path: Path, column_filter=None) -> set[str]:
    """The sheets the Arrow path takes (the others raise _PlainOnly)."""
    import fastexcel

    worksheets = check_zip(path, Limits(), path.name)
    reader = fastexcel.read_excel(path)
    taken = set()
    with zipfile.ZipFile(path) as zf:
        for part, name in worksheets.items():
            try:
                workbook._arrow_sheet(reader, zf, part, name, Limits(), path.name, path,
                                      column_filter)
            except workbook._PlainOnly:
                continue
            taken.add(name)
    return taken


def both(path: Path, column_filter=None) -> tuple[list[Table], list[Table]]:
    worksheets = check_zip(path, Limits(), path.name)
    fast = workbook.load_workbook(path, Limits(), path.name, None, column_filter,
                                  worksheets=worksheets)
    cells = workbook.load_cells(path, Limits(), path.name, None, column_filter)
    return fast, cells


def assert_same(a: Table, b: Table) -> None:
    assert (a.sheet, a.header_row, a.blank_rows) == (b.sheet, b.header_row, b.blank_rows)
    assert list(a.frame.columns) == list(b.frame.columns)
    assert a.row_numbers().tolist() == b.row_numbers().tolist()
    for c in a.frame.columns:
        x, y = a.frame[c], b.frame[c]
        assert x.isna().tolist() == y.isna().tolist(), c
        kept = x.notna().to_numpy()
        assert x[kept].tolist() == y[kept].tolist(), c


def test_plain_sheet_with_placeholders_goes_through_arrow(tmp_path: Path) -> None:
    rows = [["VM", "CPUs", "Memory", "Template", "Note"],
            ["web", 2, 4096, True, " front "],
            ["db", "n/a", "", False, None],
            [None, None, None, None, None],
            ["app", 4, 8192.5, None, "x"]]
    path = write_xlsx(tmp_path / "p.xlsx", {"vInfo": rows}, formatted_blank_rows=50)
    assert arrow_sheets(path) == {"vInfo"}
    fast, cells = both(path)
    [t] = fast
    assert_same(t, cells[0])
    assert t.frame["CPUs"].tolist()[:2] == [2.0, "n/a"]  # the placeholder is kept as text
    assert t.frame["Memory"].dtype == "float64"  # an empty-string cell is only a blank
    assert t.frame["Note"].tolist()[0] == "front"
    assert t.blank_rows == 1 and t.row_numbers().tolist() == [2, 3, 5]


def test_placeholders_in_a_number_column_come_back_as_text(tmp_path: Path) -> None:
    # fastexcel types a column by its other cells and reports these as conversion errors.
    marks = ["#N/A N/A", "#NA", "-1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL",
             "None", "n/a", "null"]
    rows = [["VM", "CPUs"], *[[f"vm{i}", mark] for i, mark in enumerate(marks)], ["x", 2]]
    path = write_xlsx(tmp_path / "e.xlsx", {"S": rows})
    assert arrow_sheets(path) == {"S"}
    fast, cells = both(path)
    assert_same(fast[0], cells[0])
    assert fast[0].frame["CPUs"].tolist() == [m.strip() for m in marks] + [2.0]


@pytest.mark.parametrize("rows", [
    # a title line above the header
    [["Export 2024-05-01", None, None], ["VM", "CPUs", "Memory"], ["web", 2, 4096]],
    # numbers and words in one column
    [["VM", "CPUs"], ["web", 2], ["db", "two"]],
    # dates
    [["VM", "Created"], ["web", dt.datetime(2024, 3, 1, 12, 30)]],
    # a repeated header
    [["VM", "VM", "CPUs"], ["web", "x", 2]],
    # "nan" text among numbers
    [["VM", "CPUs"], ["web", 2], ["db", "nan"]],
    # booleans among numbers
    [["VM", "CPUs"], ["web", 2], ["db", True]],
])
def test_sheets_that_are_not_plain_are_read_cell_by_cell(tmp_path: Path, rows) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {"S": rows})
    assert arrow_sheets(path) == set()
    fast, cells = both(path)
    assert len(fast) == len(cells) == 1
    assert_same(fast[0], cells[0])


def test_data_starting_at_b3_keeps_spreadsheet_row_and_column_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    for r, row in enumerate([["VM", None, "CPUs"], ["web", 1, 2], ["db", None, 4]], start=3):
        for c, value in enumerate(row, start=2):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    path = tmp_path / "b3.xlsx"
    wb.save(path)
    assert arrow_sheets(path) == {"S"}
    fast, cells = both(path)
    assert_same(fast[0], cells[0])
    assert fast[0].header_row == 3
    assert list(fast[0].frame.columns) == ["VM", "Unnamed 3", "CPUs"]
    assert fast[0].row_numbers().tolist() == [4, 5]


def test_column_filter_converts_only_the_columns_used(tmp_path: Path) -> None:
    rows = [["VM", "CPUs", "Memory", "Folder", "Owner"], ["web", 2, 4096, "/a", "me"]]
    path = write_xlsx(tmp_path / "f.xlsx", {"vInfo": rows})
    fast, cells = both(path, rvtools.columns_to_read)
    assert list(fast[0].frame.columns) == ["VM", "CPUs", "Memory", "Owner"]
    assert_same(fast[0], cells[0])


@pytest.mark.parametrize("parts", [IBM_WORKSHOP, KUBEV2V_EXAMPLE1])
def test_real_exports_go_through_arrow_and_match(parts: tuple[str, str]) -> None:
    path = real_data(*parts)
    assert arrow_sheets(path, rvtools.columns_to_read) >= {"vInfo", "vHost", "vPartition"}
    fast, cells = both(path, rvtools.columns_to_read)
    assert [t.sheet for t in fast] == [t.sheet for t in cells]
    for a, b in zip(fast, cells, strict=True):
        assert_same(a, b)


@pytest.mark.parametrize("name", ["quirks-rvtools.xlsx", "generic.xlsx", "aws-mpa.xlsx"])
def test_golden_workbooks_match(name: str) -> None:
    fast, cells = both(GOLDEN_INPUTS / name)
    for a, b in zip(fast, cells, strict=True):
        assert_same(a, b)


def _sheet(tmp_path: Path, xml: str) -> zipfile.ZipFile:
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", xml)
    return zipfile.ZipFile(path)


@pytest.mark.parametrize(("xml", "expected"), [
    ('<sheetData><row r="1"><c r="A1" s="1"/></row><row r="3"><c r="B3" t="s"><v>0</v></c>'
     '<c r="C3"><v>1</v></c></row><row r="4"><c r="B4"><v>2</v></c></row></sheetData>', (3, 2)),
    # rows and cells without r= follow each other (as estimator.sample writes them)
    ("<sheetData><row><c t=\"s\"><v>0</v></c><c/><c><v>1</v></c></row><row><c><v>2</v></c>"
     "</row></sheetData>", (1, 2)),
    # a namespace prefix, an inline string, a formula with its cached value
    ('<x:sheetData><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>VM</x:t></x:is></x:c>'
     '<x:c r="B2"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row></x:sheetData>', (2, 2)),
    # an empty value: not worth guessing
    ('<sheetData><row r="1"><c r="A1"><v/></c></row></sheetData>', None),
    # no value at all
    ('<sheetData><row r="1"><c r="A1" s="2"/></row></sheetData>', None),
    ("<sheetData/>", None),
])
def test_first_value_row(tmp_path: Path, xml: str, expected) -> None:
    with _sheet(tmp_path, xml) as zf:
        assert workbook.first_value_row(zf, "sheet.xml") == expected
