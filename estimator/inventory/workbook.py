"""Workbooks (xlsx, xlsm, ods and, in a child process, legacy xls) into `Table`s.

The file-safety guards (`guards.check_zip`, `guards.check_xls`) have run before anything
here opens the file.
"""

from __future__ import annotations

from pathlib import Path

from estimator.errors import InputError
from estimator.inventory.cells import ColumnFilter, Table, table_from_rows
from estimator.inventory.guards import (
    Limits,
    SheetFilter,
    check_sheet_size,
    reader_failure,
    short,
)


def load_workbook(path: Path, limits: Limits, display: str,
                  sheet_filter: SheetFilter | None = None,
                  column_filter: ColumnFilter | None = None) -> list[Table]:
    """Every worksheet `sheet_filter` keeps, as Tables (blank sheets left out)."""
    return load_cells(path, limits, display, sheet_filter, column_filter)


def load_cells(path: Path, limits: Limits, display: str,
               sheet_filter: SheetFilter | None = None,
               column_filter: ColumnFilter | None = None) -> list[Table]:
    """Read the worksheets with python-calamine, cell by cell as Python objects.

    Any format calamine knows (xlsx, xlsm, xlsb, ods, xls); the reference behaviour the
    Arrow path must match.
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
