"""Tests for estimator.xlsxsheet: cells read back as written, by openpyxl and calamine."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from estimator import xlsxsheet
from estimator.xlsxsheet import column, column_letter, sheet_rows, splice

TEXTS = [
    '=HYPERLINK("http://x","y")',  # never a formula
    "#N/A",  # never an error code
    "a & b < c > d",
    "bad\x01name\x1f",  # characters XML forbids
    "\tleading tab",
    "trailing space ",
    "-1+2\r",  # a carriage return survives
    "x" * 40_000,  # cut at Excel's limit
    "",  # no cell
    None,  # no cell
    "plain",
]
EXPECTED_TEXT = [
    '=HYPERLINK("http://x","y")',
    "#N/A",
    "a & b < c > d",
    "bad\ufffdname\ufffd",
    "\tleading tab",
    "trailing space ",
    "-1+2\r",
    "x" * 32_767,
    None,
    None,
    "plain",
]
NUMBERS = [1.5, 2.0, np.nan, np.inf, 0.1 + 0.2, 1e16, -3.0, 1e-5, 7.0, 123456789.125, 0.0]
EXPECTED_NUMBERS = [1.5, 2, None, None, 0.1 + 0.2, 1e16, -3, 1e-5, 7, 123456789.125, 0]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": pd.Series(TEXTS, dtype="object"),
            "number": NUMBERS,
            "count": pd.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10, 11], dtype="Int64"),
            "flag": pd.array([True, False, None] + [True] * 8, dtype="boolean"),
            "when": pd.to_datetime(["2025-06-02 08:30:00", None] + ["2000-01-01 00:00:00"] * 9),
        }
    )


def write(path: Path, df: pd.DataFrame, *, refs: bool) -> Path:
    """A workbook made by openpyxl (header row and a date style), the rows spliced in."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(list(df.columns))
    probe = openpyxl.cell.WriteOnlyCell(ws, value=0)
    probe.number_format = "yyyy-mm-dd hh:mm:ss"
    date_style = probe.style_id
    buf = io.BytesIO()
    wb.save(buf)
    kinds = {"text": "text", "number": "number", "count": "number", "flag": "bool", "when": "date"}
    cols = [
        column(df[c], column_letter(i), kinds[c], date_style if c == "when" else None)
        for i, c in enumerate(df.columns, 1)
    ]
    splice(buf.getvalue(), path, {"xl/worksheets/sheet1.xml": sheet_rows(cols, 2, refs=refs)})
    return path


@pytest.mark.parametrize("refs", [True, False])
def test_cells_read_back_with_openpyxl(tmp_path: Path, refs: bool) -> None:
    path = write(tmp_path / "t.xlsx", frame(), refs=refs)
    ws = openpyxl.load_workbook(path)["Data"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(TEXTS) and ws.max_row == len(TEXTS) + 1
    assert [r[0].value for r in rows] == EXPECTED_TEXT
    assert all(r[0].data_type == "s" for r in rows if r[0].value is not None)
    assert [r[1].value for r in rows] == EXPECTED_NUMBERS
    assert [r[2].value for r in rows] == [1, None, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert [r[3].value for r in rows][:4] == [True, False, None, True]
    assert rows[0][4].value == pd.Timestamp("2025-06-02 08:30:00").to_pydatetime()
    assert rows[0][4].number_format == "yyyy-mm-dd hh:mm:ss"
    assert rows[1][4].value is None
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_cells_read_back_with_calamine(tmp_path: Path) -> None:
    path = write(tmp_path / "t.xlsx", frame(), refs=True)
    # No NA parsing: pandas would turn the text "#N/A" into a missing value.
    got = pd.read_excel(path, engine="calamine", na_filter=False)
    assert got["text"].tolist() == ["" if t is None else t for t in EXPECTED_TEXT]
    got = pd.read_excel(path, engine="calamine")
    np.testing.assert_array_equal(
        got["number"].to_numpy(float), np.array(EXPECTED_NUMBERS, dtype=float)
    )
    assert got["when"].iloc[0] == pd.Timestamp("2025-06-02 08:30:00")


def test_each_distinct_text_is_rendered_once() -> None:
    col = column(pd.Series(["a", "b", "a", None, "a", ""]), "C", "text")
    assert col.codes.tolist() == [0, 1, 0, -1, 0, -1]
    assert col.cells.tolist() == [
        '" t="inlineStr"><is><t>a</t></is></c>',
        '" t="inlineStr"><is><t>b</t></is></c>',
        '" t="inlineStr"><is><t></t></is></c>',
    ]


def test_shared_strings_index_each_text_once_across_columns() -> None:
    sst = xlsxsheet.SharedStrings()
    a = column(["x", "y", "x"], "A", "text", strings=sst)
    b = column(["y", "<z>"], "B", "text", strings=sst)
    assert a.cells.tolist() == ['" t="s"><v>0</v></c>', '" t="s"><v>1</v></c>']
    assert b.cells.tolist() == ['" t="s"><v>1</v></c>', '" t="s"><v>2</v></c>']
    assert sst.xml().endswith(
        'uniqueCount="3"><si><t>x</t></si><si><t>y</t></si><si><t>&lt;z&gt;</t></si></sst>'
    )


def test_rows_with_and_without_references() -> None:
    cols = [column(["a", None], "A", "text"), column([1, 2], "B", "number")]
    assert b"".join(sheet_rows(cols, 5)).decode() == (
        '<row r="5"><c r="A5" t="inlineStr"><is><t>a</t></is></c><c r="B5"><v>1</v></c></row>'
        '<row r="6"><c r="B6"><v>2</v></c></row>'
    )
    assert b"".join(sheet_rows(cols, 5, refs=False)).decode() == (
        '<row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c></row>'
        "<row><c/><c><v>2</v></c></row>"
    )
    # Chunks split rows, never cells.
    assert len(list(sheet_rows(cols, 1, chunk=1))) == 2


def test_column_letters() -> None:
    assert [column_letter(i) for i in (1, 26, 27, 52, 702, 703)] == [
        "A", "Z", "AA", "AZ", "ZZ", "AAA"
    ]


def test_splice_keeps_timestamps_and_opens_an_empty_sheet(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("a.xml", (2025, 1, 2, 3, 4, 6)), "<x/>")
        z.writestr(zipfile.ZipInfo("s.xml", (2025, 1, 2, 3, 4, 6)), "<w><sheetData/></w>")
    rows = {"s.xml": [b"<row/>"]}
    splice(buf.getvalue(), tmp_path / "1.zip", rows)
    splice(buf.getvalue(), tmp_path / "2.zip", {"s.xml": [b"<row/>"]})
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "1.zip") as z:
        assert z.read("s.xml") == b"<w><sheetData><row/></sheetData></w>"
        assert z.getinfo("a.xml").date_time == (2025, 1, 2, 3, 4, 6)
    with pytest.raises(RuntimeError, match="no part"):
        splice(buf.getvalue(), tmp_path / "3.zip", {"missing.xml": []})
