"""Workbooks (xlsx, xlsm, ods and, in a child process, legacy xls) into `Table`s.

The file-safety guards (`guards.check_zip`, `guards.check_xls`) have run before anything
here opens the file.

An xlsx or xlsm sheet is read through Arrow with fastexcel (calamine underneath): only the
columns the reader uses are converted, each to one Arrow type, with the header in the
sheet's first row. Such a sheet must be plain for that: every column read holds one kind
of cell (numbers, text or booleans; a placeholder such as `n/a` or an empty string in a
number column is taken back from fastexcel's cell errors as text), and the header is the
first row. A sheet that is not (a title line above the header, a column mixing numbers
and words, dates, a repeated header) is read cell by cell with python-calamine, as are
.ods, .xlsb and .xls workbooks. Both give the same Table; the golden test holds them to it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from estimator.errors import InputError
from estimator.inventory.cells import (
    ColumnFilter,
    Table,
    finish_table,
    header_names,
    table_from_rows,
)
from estimator.inventory.guards import (
    Limits,
    SheetFilter,
    check_sheet_size,
    reader_failure,
    short,
)

# fastexcel logs through Python's logging (e.g. a column of blanks "falling back to string");
# without a handler Python would print that to stderr.
logging.getLogger("fastexcel").addHandler(logging.NullHandler())

# fastexcel's name for a column whose header cell is empty.
_GENERATED_NAME = re.compile(r"__UNNAMED__\d+")
# How fastexcel renames a repeated header ("CPUs", "CPUs_1").
_RENAMED = re.compile(r"(?s)(.+)_\d+")
# The cell fastexcel could not convert, as it describes it: 'String("n/a")'.
_CELL_TEXT = re.compile(r"""(?s).* got 'String\("(.*)"\)'$""")
_RUST_ESCAPE = re.compile(r"\\(u\{([0-9a-fA-F]{1,6})\}|.)")
_RUST_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
# How much of a worksheet's XML is searched for the first row holding a value.
_FIRST_ROW_BYTES = 4 * 2**20


class _PlainOnly(Exception):
    """The sheet is not plain enough for the Arrow path; read it cell by cell."""


def load_workbook(path: Path, limits: Limits, display: str,
                  sheet_filter: SheetFilter | None = None,
                  column_filter: ColumnFilter | None = None, *,
                  worksheets: Mapping[str, str] | None = None) -> list[Table]:
    """Every worksheet `sheet_filter` keeps, as Tables (blank sheets left out).

    `worksheets` maps the worksheet parts of an xlsx/xlsm to their names (from
    `guards.check_zip`); without it the workbook is read cell by cell.
    """
    if not worksheets:
        return load_cells(path, limits, display, sheet_filter, column_filter)
    import fastexcel

    try:
        # By path calamine picks the format from the extension; bytes it sniffs.
        reader = fastexcel.read_excel(
            path if path.suffix.lower() in (".xlsx", ".xlsm") else path.read_bytes())
    except BaseException as exc:
        if not reader_failure(exc):
            raise
        return load_cells(path, limits, display, sheet_filter, column_filter)
    part_of = {name: part for part, name in worksheets.items()}
    names = [n for n in reader.sheet_names if n in part_of]
    wanted = set(sheet_filter(names)) if sheet_filter is not None else set(names)
    read: dict[str, Table | None] = {}
    with zipfile.ZipFile(path) as zf:
        for name in names:
            if name not in wanted:
                continue
            with contextlib.suppress(_PlainOnly):  # read cell by cell below
                read[name] = _arrow_sheet(reader, zf, part_of[name], name, limits, display,
                                          path, column_filter)
    if len(read) < len(wanted & set(names)):
        rest = load_cells(path, limits, display, lambda _: [n for n in names
                                                            if n in wanted and n not in read],
                          column_filter)
        read |= {t.sheet: t for t in rest if t.sheet is not None}
    return [t for n in names if (t := read.get(n)) is not None]


# --- the Arrow path ------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    """A sheet's header as fastexcel read it from the first row."""

    names: list[str]  # ours (see cells.header_names), one per column of the sheet
    blank: list[bool]


def _arrow_sheet(reader: Any, zf: zipfile.ZipFile, part: str, name: str, limits: Limits,
                 display: str, path: Path, column_filter: ColumnFilter | None) -> Table | None:
    """One plain sheet through fastexcel; `_PlainOnly` for any other."""
    first = first_value_row(zf, part)
    if first is None:
        raise _PlainOnly
    header_row, valued = first

    everything: list[Any] = []  # every column of the sheet, as fastexcel offers them

    def use(column: Any) -> bool:
        everything.append(column)
        text = None if _GENERATED_NAME.fullmatch(column.name) else column.name
        ours = (f"Unnamed {column.absolute_index + 1}" if text is None or not text.strip()
                else " ".join(text.split()))
        return column_filter is None or column_filter(name, ours)

    try:
        sheet = reader.load_sheet(name, header_row=0, schema_sample_rows=None,
                                  dtype_coercion="strict", use_columns=use)
        if not everything:
            raise _PlainOnly
        check_sheet_size(sheet.total_height + 1, len(everything), limits, display, name)
        header = _header(everything, valued)
        selected = sheet.selected_columns
        if not selected:
            return None
        batch, errors = sheet.to_arrow_with_errors()
    except (_PlainOnly, InputError):
        raise
    except BaseException as exc:
        if not reader_failure(exc):
            raise
        # A column mixing numbers, words, dates (strict typing refuses it), or an error the
        # cell-by-cell reader words.
        raise _PlainOnly from None
    bad_cells: dict[int, dict[int, str]] = {}
    for error in (errors.errors if errors is not None else []):
        row, column = error.offset_position
        bad_cells.setdefault(column, {})[row] = _cell_text(error.detail)
    columns: dict[str, pd.Series] = {}
    blank: dict[str, bool] = {}
    for i, info in enumerate(selected):
        ours = header.names[info.absolute_index]
        columns[ours] = _column(batch.column(i), info.dtype, bad_cells.get(info.index, {}))
        blank[ours] = header.blank[info.absolute_index]
    return finish_table(columns, blank, first_row=header_row + 1, header_row=header_row,
                        file=display, sheet=name, path=path)


def _header(columns: list[Any], valued: int) -> _Header:
    """Our header names from fastexcel's, or `_PlainOnly` when the first row may not be the
    header (a title line) or fastexcel renamed a repeated header."""
    width = max(c.absolute_index for c in columns) + 1
    cells: list[str | None] = [None] * width
    given = set()
    for c in columns:
        if not _GENERATED_NAME.fullmatch(c.name):
            cells[c.absolute_index] = c.name
            given.add(c.name)
    if sum(cell is not None for cell in cells) != valued:
        raise _PlainOnly  # the first row with a value is not the row fastexcel took
    for text in given:
        m = _RENAMED.fullmatch(text)
        if m and m.group(1) in given:
            raise _PlainOnly  # "CPUs_1" may be a second "CPUs"
    blank = [cell is None or not cell.strip() for cell in cells]
    filled = width - sum(blank)
    # A row filling half the columns or more is the header whatever the next rows hold.
    if 2 * filled < len(columns):
        raise _PlainOnly
    return _Header(header_names(cells, blank), blank)


def _cell_text(detail: str) -> str:
    """The text of a cell fastexcel could not convert, from its error detail."""
    m = _CELL_TEXT.fullmatch(detail)
    if m is None:
        raise _PlainOnly  # a boolean or a date among numbers: read cell by cell
    return _RUST_ESCAPE.sub(
        lambda e: chr(int(e.group(2), 16)) if e.group(2) else _RUST_ESCAPES.get(
            e.group(1), e.group(0)), m.group(1))


def _column(values: pa.ChunkedArray | pa.Array, dtype: str,
            bad: dict[int, str]) -> pd.Series:
    """One column as the cell-by-cell reader types it (see cells._column)."""
    if dtype in ("float", "int"):
        if dtype == "float" and pc.any(pc.or_(pc.is_nan(values), pc.is_inf(values))).as_py():
            raise _PlainOnly  # "nan" or "inf" text, which fastexcel reads as a number
        numbers = np.asarray(values.to_numpy(zero_copy_only=False), dtype="float64")
        return _with_text(numbers.astype(object), bad, numbers)
    if dtype == "boolean":
        cells = np.array(values.to_pylist(), dtype=object)
        return _with_text(cells, bad, None)
    if dtype == "string":
        text = pc.utf8_trim_whitespace(values)  # the same characters as str.strip()
        text = pc.if_else(pc.equal(pc.utf8_length(text), 0), pa.scalar(None, pa.string()), text)
        if text.null_count == len(text):
            return pd.Series(np.nan, index=pd.RangeIndex(len(text)), dtype="float64")
        if isinstance(text, pa.Array):
            text = pa.chunked_array([text])
        return pd.Series(pd.arrays.ArrowStringArray(text))
    if dtype == "null":
        return pd.Series(np.nan, index=pd.RangeIndex(len(values)), dtype="float64")
    raise _PlainOnly  # dates and durations: Python objects, as the cell-by-cell reader has


def _with_text(cells: np.ndarray, bad: dict[int, str],
               numbers: np.ndarray | None) -> pd.Series:
    """Cells with the text fastexcel could not convert put back (stripped, blanks NA)."""
    texts = {row: text.strip() for row, text in bad.items()}
    if numbers is not None and not any(texts.values()):
        return pd.Series(numbers, dtype="float64")  # only blanks ("" cells) were not numbers
    if numbers is not None:
        cells[np.isnan(numbers)] = None
    for row, text in texts.items():
        cells[row] = text or None
    return pd.Series(cells, dtype=object)


def first_value_row(zf: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """(1-based row number, cells with a value in it) of a worksheet's first row holding a
    value, as calamine starts a sheet's range there; None when the XML does not say plainly.

    The worksheet XML passed the guards; only its start is searched (no XML parser).
    """
    with zf.open(part) as fh:
        xml = fh.read(_FIRST_ROW_BYTES)
    row: int | None = None
    first: int | None = None
    count = 0
    pos = 0
    while m := _TAG.search(xml, pos):
        pos = m.end()
        end_tag, tag, attrs, closed = m.groups()
        if tag == b"sheetData":
            if end_tag or closed:
                break  # the end of the cells
            continue
        if end_tag:
            continue
        ref = _REF.search(attrs)
        if tag == b"row":
            # Without r="N" a row follows the one before (the sample writer omits it).
            row = int(ref.group(2)) if ref else (row or 0) + 1
            if first is not None and row != first:
                return first, count
            continue
        if tag != b"c" or closed:
            continue  # <c r="A1" s="3"/>: formatting only
        close = _CELL_END.search(xml, pos)
        if close is None:
            return None
        inner = xml[pos:close.start()]
        pos = close.end()
        if _EMPTY_VALUE.search(inner):
            return None  # <v/>: calamine's reading of it is not worth guessing
        if not _VALUE.search(inner):
            continue
        at = int(ref.group(2)) if ref else row
        if at is None:
            return None
        if first is None:
            first = at
        elif at != first:
            return first, count
        count += 1
    else:
        if len(xml) == _FIRST_ROW_BYTES:
            return None  # the first row may go on past what was read
    return (first, count) if first is not None else None


_TAG = re.compile(rb"<(/?)(?:\w+:)?(sheetData|row|c)\b([^>]*?)(/?)>")
_REF = re.compile(rb'\br="([A-Z]*)(\d+)"')
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")
_EMPTY_VALUE = re.compile(rb"<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>")


# --- cell by cell --------------------------------------------------------------------


def load_cells(path: Path, limits: Limits, display: str,
               sheet_filter: SheetFilter | None = None,
               column_filter: ColumnFilter | None = None) -> list[Table]:
    """Read the worksheets with python-calamine, cell by cell as Python objects.

    Any format calamine knows (xlsx, xlsm, xlsb, ods, xls); the reference behaviour the
    Arrow path matches.
    """
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises its own error types for every bad file
        if not reader_failure(exc):
            raise
        raise InputError(f"not a readable workbook ({short(exc)})", file=display) from None
    tables: list[Table] = []
    try:
        names = [m.name for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
        wanted = set(sheet_filter(names)) if sheet_filter is not None else set(names)
        for name in names:
            if name not in wanted:
                continue
            sheet = wb.get_sheet_by_name(name)
            check_sheet_size(sheet.height, sheet.width, limits, display, name)
            rows = sheet.to_python(skip_empty_area=False)
            table = table_from_rows(rows, file=display, sheet=name, path=path,
                                    column_filter=column_filter)
            if table is not None:
                tables.append(table)
    except InputError:
        raise
    except BaseException as exc:
        if not reader_failure(exc):
            raise
        raise InputError(f"not a readable workbook ({short(exc)})", file=display) from None
    finally:
        wb.close()
    return tables
