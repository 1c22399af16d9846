"""Opening inventory files safely and turning them into `Table`s.

One `Table` per sheet (xlsx) or per CSV file. The file type is detected from content
(zip or OLE2 magic bytes), never from the extension, so a workbook renamed to `.csv`
still opens. The work is split along its seams:

- `guards`: the file-safety checks every file passes before a parser sees it;
- `workbook` (xlsx, xlsm, ods), `xls_child` (legacy .xls in a forked, memory-capped
  child) and `csvfile` (encoding, delimiter): the loaders;
- `cells`: the rules that turn cells into a `Table` (header row, names, blanks).

This module keeps the entry point, `load_tables`, and re-exports what readers and tests
use from the others.
"""

from __future__ import annotations

import re
from pathlib import Path

from estimator.errors import InputError
from estimator.inventory.cells import ColumnFilter, Table
from estimator.inventory.csvfile import decode_text, load_csv, sniff_delimiter
from estimator.inventory.guards import (
    OLE_MAGIC,
    ZIP_MAGIC,
    Limits,
    SheetFilter,
    check_file,
    check_xls,
    check_zip,
    limit_hint,
)
from estimator.inventory.workbook import load_workbook
from estimator.inventory.xls_child import load_xls_isolated

__all__ = ["RVTOOLS_CSV_RE", "ColumnFilter", "Limits", "SheetFilter", "Table", "decode_text",
           "limit_hint", "load_tables", "sniff_delimiter"]

# RVTools per-tab CSV export: RVTools_tabvInfo.csv, RVTools_tabvHost.csv, ...
RVTOOLS_CSV_RE = re.compile(r"^RVTools_tab(?P<tab>\w+)\.csv$", re.IGNORECASE)


def load_tables(path: str | Path, limits: Limits | None = None, *,
                sheet_filter: SheetFilter | None = None,
                column_filter: ColumnFilter | None = None) -> list[Table]:
    """Read every sheet of a workbook, a CSV file, or a folder of `RVTools_tab*.csv` files.

    `sheet_filter` picks the sheets to read from the names (e.g. only the RVTools tabs a
    reader uses); the rest are never parsed. `column_filter` picks the columns to convert
    by sheet and header (see `cells.ColumnFilter`). Raises `InputError` naming the file when
    it is missing, empty, too big, unsafe or not a spreadsheet. Sheets with no non-blank
    cell are skipped; a file with none at all is an error.
    """
    limits = limits or Limits()
    path = Path(path)
    if path.is_dir():
        return _load_rvtools_csv_folder(path, limits, sheet_filter, column_filter)
    tables = _load_file(path, limits, display=path.name, sheet_filter=sheet_filter,
                        column_filter=column_filter)
    if not tables:
        raise InputError("the file holds no data (every sheet is blank)", file=path.name)
    return tables


def _load_rvtools_csv_folder(folder: Path, limits: Limits, sheet_filter: SheetFilter | None,
                             column_filter: ColumnFilter | None) -> list[Table]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and RVTOOLS_CSV_RE.match(p.name))
    if sheet_filter is not None and files:
        wanted = set(sheet_filter([_csv_sheet_name(p) or p.name for p in files]))
        files = [p for p in files if (_csv_sheet_name(p) or p.name) in wanted]
    if not files:
        raise InputError(
            "the folder holds no RVTools_tab*.csv files",
            file=folder.name,
            hint="pass the inventory files themselves",
        )
    tables: list[Table] = []
    for p in files:
        tables += _load_file(p, limits, display=folder.name, column_filter=column_filter)
    if not tables:
        raise InputError("every RVTools_tab*.csv file in the folder is blank", file=folder.name)
    return tables


def _load_file(path: Path, limits: Limits, *, display: str,
               sheet_filter: SheetFilter | None = None,
               column_filter: ColumnFilter | None = None) -> list[Table]:
    magic = check_file(path, limits, display)
    if magic.startswith(ZIP_MAGIC):
        worksheets = check_zip(path, limits, display, sheet_filter)
        return load_workbook(path, limits, display, sheet_filter, column_filter,
                             worksheets=worksheets)
    if magic == OLE_MAGIC:
        check_xls(path, limits, display)
        return load_xls_isolated(path, limits, display, sheet_filter, column_filter)
    return [load_csv(path, limits, display=display, sheet=_csv_sheet_name(path),
                     column_filter=column_filter)]


def _csv_sheet_name(path: Path) -> str | None:
    m = RVTOOLS_CSV_RE.match(path.name)
    return m.group("tab") if m else None
