"""From cells to a `Table`: the header row, header names, typed columns, blank rows.

The loaders (`workbook`, `csvfile`) find the cells; the rules that turn them into a
`Table` live here once, so every format gets the same header names, blank handling and
row numbers:

- the header is the first non-blank row, unless it is a title line (a row filling fewer
  than half the cells of the fullest row among the first 30 non-blank rows);
- header text is whitespace-collapsed; a blank header is `Unnamed N` (N = the spreadsheet
  column number); a repeated one (case-insensitive) gets ` (2)`, ` (3)`...;
- a cell is blank when empty, NaN or whitespace only; text is stripped;
- a column with a blank header and no value is formatting and is dropped; fully blank rows
  under the data are dropped, blank rows between data rows are dropped and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# (sheet name or None for a lone CSV, header) -> whether a reader uses the column. Columns
# a reader never looks at are not converted (the header row still counts them).
ColumnFilter = Callable[[str | None, str], bool]

# How many non-blank rows the header search looks at.
HEADER_LOOK_ROWS = 30


@dataclass(frozen=True)
class Table:
    """One sheet (or CSV file) as read, under its header row.

    `frame` columns are the raw header strings (stripped; blank headers become
    `Unnamed N`, repeated ones get ` (2)`...); cells are numbers or strings, blanks NA.
    `frame.index` holds the 1-based spreadsheet row number of each row. Fully blank rows
    (blank in every column read) are dropped (`blank_rows` counts the ones between data
    rows), so with no blank rows in between, row `i` is `header_row + 1 + i`; use
    `row_numbers()` to be exact. With a column filter, only the columns it keeps are here.
    """

    file: str
    sheet: str | None
    frame: pd.DataFrame
    header_row: int
    blank_rows: int = 0
    path: Path | None = field(default=None, compare=False)

    @property
    def headers(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def row_numbers(self) -> np.ndarray:
        """1-based spreadsheet row number of every frame row."""
        return self.frame.index.to_numpy(dtype="int64")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value))


def header_index(filled: Sequence[int], look: int = HEADER_LOOK_ROWS) -> int | None:
    """The header row among rows with `filled` non-blank cells each: the first non-blank
    row, unless it is a title line (see the module docstring). None when all are blank."""
    rows: list[tuple[int, int]] = []
    for i, n in enumerate(filled):
        if n:
            rows.append((i, n))
            if len(rows) >= look:
                break
    if not rows:
        return None
    widest = max(n for _, n in rows)
    return next(i for i, n in rows if 2 * n >= widest)


def header_names(cells: Sequence[object], blank: Sequence[bool]) -> list[str]:
    """Column names from the header cells (see the module docstring)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, (cell, is_blank_cell) in enumerate(zip(cells, blank, strict=True)):
        if is_blank_cell:
            name = f"Unnamed {i + 1}"
        elif isinstance(cell, float) and cell.is_integer():
            name = str(int(cell))
        else:
            name = " ".join(str(cell).split())
        n = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = n
        out.append(name if n == 1 else f"{name} ({n})")
    return out


def finish_table(columns: dict[str, pd.Series], header_blank: dict[str, bool], *,
                 first_row: int, header_row: int, file: str, sheet: str | None,
                 path: Path) -> Table | None:
    """A `Table` from typed body columns (blanks NA) whose first row is spreadsheet row
    `first_row`: formatting-only columns go, blank rows are trimmed and counted."""
    n = len(next(iter(columns.values()))) if columns else 0
    index = pd.Index(np.arange(first_row, first_row + n, dtype="int64"), name="row")
    frame = pd.DataFrame({c: s.set_axis(index) for c, s in columns.items()}, index=index)
    # Columns with neither a header nor a value are formatting only.
    unused = [c for c in frame.columns if header_blank[c] and frame[c].isna().all()]
    frame = frame.drop(columns=unused)
    if frame.shape[1] == 0:
        return None
    row_blank = frame.isna().all(axis=1).to_numpy()
    nonblank = np.flatnonzero(~row_blank)
    # Blank rows under the data are formatting leftovers; blank rows between data are counted.
    end = int(nonblank[-1]) + 1 if nonblank.size else 0
    blank_between = int(row_blank[:end].sum())
    frame = frame.iloc[:end]
    if blank_between:
        frame = frame[~row_blank[:end]]
    return Table(file=file, sheet=sheet, frame=frame, header_row=header_row,
                 blank_rows=blank_between, path=path)


# --- cells as Python objects (legacy .xls, .ods, and files the Arrow loaders pass on) ----


def table_from_rows(rows: Sequence[Sequence[object]], *, file: str, sheet: str | None,
                    path: Path,
                    column_filter: ColumnFilter | None = None) -> Table | None:
    """A `Table` from calamine's rectangular rows of Python cells."""
    if not rows or not rows[0]:
        return None
    matrix = np.empty((len(rows), len(rows[0])), dtype=object)
    matrix[:] = rows  # calamine rows are rectangular
    return table_from_matrix(matrix, file=file, sheet=sheet, path=path, numeric_text=False,
                             column_filter=column_filter)


def table_from_matrix(
    matrix: np.ndarray, *, file: str, sheet: str | None, path: Path, numeric_text: bool,
    column_filter: ColumnFilter | None = None,
) -> Table | None:
    """A `Table` from an object matrix of cells (rows x columns, from spreadsheet row 1).

    `numeric_text`: cells are text (CSV), and a column whose every value is a number
    becomes float64.
    """
    h = header_index(_leading_fill(matrix))
    if h is None:
        return None
    header_blank = np.fromiter(map(is_blank, matrix[h]), dtype=bool, count=matrix.shape[1])
    names = header_names(list(matrix[h]), header_blank.tolist())
    body = matrix[h + 1 :]
    keep = [j for j, name in enumerate(names)
            if column_filter is None or column_filter(sheet, name)]
    columns = {names[j]: _column(body[:, j], numeric_text) for j in keep}
    return finish_table(columns, {names[j]: bool(header_blank[j]) for j in keep},
                        first_row=h + 2, header_row=h + 1, file=file, sheet=sheet, path=path)


def _leading_fill(matrix: np.ndarray) -> list[int]:
    """Non-blank cells per row, up to the HEADER_LOOK_ROWS-th non-blank row."""
    filled: list[int] = []
    seen = 0
    for row in matrix:
        filled.append(sum(not is_blank(v) for v in row))
        seen += filled[-1] > 0
        if seen >= HEADER_LOOK_ROWS:
            break
    return filled


def _column(values: np.ndarray, numeric_text: bool) -> pd.Series:
    """One column with blanks as missing: float64 when all numbers, text when all text."""
    values = values.copy()
    values[values == ""] = None
    s = pd.Series(values, dtype=object)
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("floating", "integer", "mixed-integer-float"):
        return s.astype("float64")
    if kind == "empty":
        return pd.Series(np.nan, index=s.index, dtype="float64")
    if kind == "string":
        # A plain comprehension beats the pandas string accessor here by about 2x.
        text = pd.Series([(v.strip() or None) if isinstance(v, str) else None for v in values],
                         dtype="string")
        if numeric_text:
            nums = pd.to_numeric(text, errors="coerce")
            if nums.notna().sum() == text.notna().sum():
                return nums.astype("float64")
        return text
    # Mixed cells (numbers with placeholder text, dates, booleans): keep as read.
    return s.map(lambda v: (v.strip() or None) if isinstance(v, str) else v)
