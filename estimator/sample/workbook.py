"""Write a synthetic estate (`generate.sample_tables`) as RVTools writes it: xlsx or a CSV folder.

- `*.xlsx`: one sheet per tab, like RVTools' own export. The xlsx row limit (1,048,576) caps this at
  roughly 600,000 VMs, because vPartition has about 1.6 rows per VM; above that use CSV.
- `*.csv`, or a path without a suffix: an RVTools CSV export, i.e. a folder of
  `RVTools_tabvInfo.csv`, `RVTools_tabvCPU.csv`, ... The folder is the path without its `.csv`
  suffix (`out/estate.csv` writes the folder `out/estate/`), because an RVTools export is several
  tabs and a single CSV would have to drop or fold them. Preferred for 1,000,000 VMs.

Writing is atomic: the workbook or folder is built under a temporary name beside the target and
renamed into place, so a crash never leaves half a file. The sheets' cells are written as XML by
`estimator.xlsxsheet` (the same writer as the report's VMs sheet) into a minimal package with fixed
timestamps, so the same tables give the same bytes.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from itertools import chain, repeat
from pathlib import Path

import numpy as np
import pandas as pd

from estimator import xlsxsheet
from estimator.errors import OutputError
from estimator.report.atomic import default_mode
from estimator.sample.generate import sample_tables

__all__ = ["XLSX_MAX_ROWS", "sample_output_path", "write_sample"]

# Rows per worksheet in Excel, header included.
XLSX_MAX_ROWS = 1_048_576


def sample_output_path(path: Path) -> Path:
    """Where `write_sample(path)` writes: the .xlsx file, or the CSV export folder."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return path
    if suffix == ".csv":
        return path.with_suffix("")
    if suffix == "":
        return path
    raise OutputError(f"{path}: cannot write a sample as {path.suffix!r}",
                      hint="use a .xlsx file, or .csv for a folder of RVTools_tab*.csv files")


def write_sample(path: Path, *, vms: int, seed: int = 0) -> Path:
    """Write a synthetic RVTools export to `path` and return what was written.

    `*.xlsx` gives a workbook with one sheet per tab. `*.csv` (or a suffix-less path) gives a
    folder named after the path without `.csv`, holding `RVTools_tab<sheet>.csv` files, which is
    how RVTools exports to CSV; use it above ~600,000 VMs (xlsx row limit). An existing file or
    folder at the destination is replaced atomically.

    >>> write_sample(Path("estate.xlsx"), vms=1000, seed=1)  # doctest: +SKIP
    PosixPath('estate.xlsx')
    """
    target = sample_output_path(Path(path))
    tables = sample_tables(vms, seed)
    if target.suffix.lower() == ".xlsx":
        too_long = [s for s, t in tables.items() if len(t) + 1 > XLSX_MAX_ROWS]
        if too_long:
            raise OutputError(
                f"{target}: {vms:,} VMs need {len(tables[too_long[0]]):,} rows in sheet "
                f"{too_long[0]!r}, more than an .xlsx sheet holds ({XLSX_MAX_ROWS - 1:,})",
                hint="write a CSV folder instead (OUT.csv)")
        _atomic_file(target, lambda tmp: _write_xlsx(tmp, tables))
    else:
        _atomic_folder(target, lambda tmp: _write_csv_folder(tmp, tables))
    return target


def _atomic_file(target: Path, write: object) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)  # type: ignore[operator]
        os.chmod(tmp, default_mode(0o666))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _atomic_folder(target: Path, write: object) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder",
                          hint="choose another name, or remove the file")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        write(tmp)  # type: ignore[operator]
        os.chmod(tmp, default_mode(0o777))
        for csv in tmp.iterdir():
            os.chmod(csv, default_mode(0o666))
        if target.exists():
            # A folder cannot be swapped atomically over a non-empty one: move the old one
            # aside first so the target is never missing a tab.
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old",
                                        dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- xlsx ------------------------------------------------------------------------------------
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# Fixed timestamps: the same tables give the same bytes.
_STAMP = (2025, 6, 2, 8, 30, 0)
# Style 1 of the package is the date format of the date columns.
_DATE_STYLE = 1


def _package(names: list[str], shared_strings: str) -> bytes:
    """A minimal workbook with empty sheets `names`, one date style and the shared strings."""
    sheets = "".join(f'<sheet name="{s}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, s in enumerate(names, 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i, _ in enumerate(names, 1))
    k = len(names)
    rels += (f'<Relationship Id="rId{k + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
             f'<Relationship Id="rId{k + 2}" Type="{_NS_REL}/sharedStrings" '
             'Target="sharedStrings.xml"/>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        f'ContentType="{_CT}.worksheet+xml"/>' for i, _ in enumerate(names, 1))
    parts = {
        "[Content_Types].xml": _HEAD + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
            f'{overrides}</Types>'),
        "_rels/.rels": _HEAD + (
            f'<Relationships xmlns="{_NS_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": _HEAD + (
            f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><sheets>{sheets}</sheets>'
            '</workbook>'),
        "xl/_rels/workbook.xml.rels": _HEAD + (
            f'<Relationships xmlns="{_NS_PKG_REL}">{rels}</Relationships>'),
        "xl/styles.xml": _HEAD + (
            f'<styleSheet xmlns="{_NS_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
            'formatCode="yyyy/mm/dd hh:mm:ss"/></numFmts><fonts count="1"><font><sz val="11"/>'
            '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
            'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
            'fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" '
            'borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
            '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
        "xl/sharedStrings.xml": shared_strings,
    }
    for i, _ in enumerate(names, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _HEAD + (
            f'<worksheet xmlns="{_NS_MAIN}"><sheetData></sheetData></worksheet>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in parts.items():
            zf.writestr(zipfile.ZipInfo(name, _STAMP), text)
    return buf.getvalue()


def _columns(frame: pd.DataFrame, strings: xlsxsheet.SharedStrings
             ) -> tuple[list[xlsxsheet.Column], list[xlsxsheet.Column]]:
    """The header cells and the data cells of one tab."""
    letters = [xlsxsheet.column_letter(i) for i in range(1, frame.shape[1] + 1)]
    header = [xlsxsheet.column([str(c)], letter, "text", strings=strings)
              for c, letter in zip(frame.columns, letters, strict=True)]
    cells = []
    for c, letter in zip(frame.columns, letters, strict=True):
        values = frame[c]
        if values.dtype.kind == "M":
            cells.append(xlsxsheet.column(values, letter, "date", _DATE_STYLE))
        elif values.dtype.kind in "iufb":
            cells.append(xlsxsheet.column(values, letter, "number"))
        else:
            cells.append(xlsxsheet.column(values, letter, "text", strings=strings))
    return header, cells


def _write_xlsx(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """One sheet per tab, text in one shared-string table (as RVTools writes it), dates as serial
    numbers in a date style, cells by position (the files are half the size)."""
    strings = xlsxsheet.SharedStrings()
    columns = [_columns(frame, strings) for frame in tables.values()]
    rows = {
        f"xl/worksheets/sheet{i}.xml": chain(
            xlsxsheet.sheet_rows(header, 1, refs=False),
            xlsxsheet.sheet_rows(cells, 2, refs=False),
        )
        for i, (header, cells) in enumerate(columns, 1)
    }
    xlsxsheet.splice(_package(list(tables), strings.xml()), path, rows)


# -- CSV -------------------------------------------------------------------------------------
_CHUNK_ROWS = 50_000


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray, str]:
    """(codes, unique values, kind) of a column; code -1 is a blank. Kind: 'n', 's' or 'd'."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    kind = "d" if series.dtype.kind == "M" else "n" if series.dtype.kind in "iufb" else "s"
    return codes.astype(np.int32), np.asarray(uniques), kind


def _value_text(uniques: np.ndarray, kind: str) -> np.ndarray:
    """Text of unique values: numbers, strings, or dates as 'Y-m-d H:M:S'."""
    if not len(uniques):
        return np.zeros(0, dtype=str)
    if kind == "d":
        seconds = uniques.astype("datetime64[s]")
        return np.char.replace(seconds.astype(str), "T", " ")
    if kind == "n":
        return xlsxsheet.number_text(uniques)
    return uniques.astype(str)


def _lookup(prefix: str, text: np.ndarray, suffix: str, blank: str) -> np.ndarray:
    """Object array of `prefix + text + suffix` per unique value, plus `blank` last (code -1)."""
    cells = np.char.add(np.char.add(prefix, text.astype(str)), suffix) if len(text) else text
    return np.append(np.asarray(cells, dtype=object), blank)


def _rows(codes: list[np.ndarray], tables: list[np.ndarray], start: str, end: str,
          sep: str | None) -> Iterator[str]:
    """Text of the rows in chunks: each column's cells looked up from its codes, then joined
    row-major in one C-level `str.join` (no Python loop per row or cell)."""
    n = len(codes[0]) if codes else 0
    for lo in range(0, n, _CHUNK_ROWS):
        hi = min(n, lo + _CHUNK_ROWS)
        cols: list[Iterator[str] | list[str]] = [repeat(start, hi - lo)]
        for i, (c, t) in enumerate(zip(codes, tables, strict=True)):
            if sep is not None and i:
                cols.append(repeat(sep, hi - lo))
            cols.append(t[c[lo:hi]].tolist())
        cols.append(repeat(end, hi - lo))
        yield "".join(chain.from_iterable(zip(*cols, strict=True)))


def _csv_quote(text: np.ndarray) -> np.ndarray:
    """RFC 4180 quoting where a value needs it."""
    if not len(text):
        return text
    needs = ((np.char.find(text, ",") >= 0) | (np.char.find(text, '"') >= 0)
             | (np.char.find(text, "\n") >= 0))
    if not needs.any():
        return text
    quoted = np.char.add(np.char.add('"', np.char.replace(text, '"', '""')), '"')
    return np.where(needs, quoted, text)


def _write_csv_folder(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """One `RVTools_tab<sheet>.csv` per tab: UTF-8, comma, CRLF, dates as 'Y-m-d H:M:S'.

    Columns are rendered per chunk of rows, so the working memory stays small at 1M VMs.
    """
    for sheet, frame in tables.items():
        with open(folder / f"RVTools_tab{sheet}.csv", "w", encoding="utf-8", newline="") as out:
            out.write(",".join(_csv_quote(np.asarray(list(frame.columns), dtype=str))) + "\r\n")
            for lo in range(0, len(frame), _CHUNK_ROWS):
                chunk = frame.iloc[lo:lo + _CHUNK_ROWS]
                factored = [_factorize(chunk[c]) for c in chunk.columns]
                lookups = [_lookup("", _csv_quote(_value_text(u, k)), "", "")
                           for _c, u, k in factored]
                for block in _rows([c for c, _u, _k in factored], lookups, "", "\r\n", ","):
                    out.write(block)
