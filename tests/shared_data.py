"""Test helpers shared by many test files: the read-only ../shared material and small
workbook fixtures. Import as `from shared_data import real_data, write_xlsx` (a module name
of its own, because several folders have a conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_path() -> Path:
    """`../shared` beside the project (or $ESTIMATOR_SHARED_DIR)."""
    env = os.environ.get("ESTIMATOR_SHARED_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared").resolve()


def real_data(*parts: str) -> Path:
    """A file under ../shared/data/real; the test is skipped when the folder is absent."""
    path = shared_path() / "data" / "real" / Path(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


IBM_WORKSHOP = ("rvtools-ibm-sizingworkshop", "SizingWorkshop-RVTools.xlsx")
KUBEV2V_EXAMPLE1 = ("rvtools-kubev2v-example1", "example1.xlsx")


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], *,
               formatted_blank_rows: int = 0) -> Path:
    """Write a small workbook with openpyxl: sheet name -> rows (first row = header).

    `formatted_blank_rows` adds that many styled but empty rows under each sheet's data,
    as many real exports have.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        width = max((len(r) for r in rows), default=1)
        for r in range(len(rows) + 1, len(rows) + 1 + formatted_blank_rows):
            for c in range(1, width + 1):
                ws.cell(row=r, column=c).font = Font(bold=True)
    wb.save(path)
    return path
