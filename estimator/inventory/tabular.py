"""Opening inventory files safely and turning them into `Table`s.

One `Table` per sheet (xlsx) or per CSV file. Workbooks are read with python-calamine
(fast, no XML entity expansion) after two cheap safety checks on the zip container:
the central directory must not promise a zip bomb, and no XML part may declare a DTD
(the "billion laughs" attack). CSV text is decoded by byte-order mark, then UTF-8,
then cp1252, and its delimiter is sniffed among `,` `;` and tab.

The file type is detected from content (zip or OLE2 magic bytes), never from the
extension, so a workbook renamed to `.csv` still opens.
"""

from __future__ import annotations

import csv
import html
import io
import operator
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.errors import InputError

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_BYTES = 64 * 1024
_COMMENT_OR_PI_RE = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_ELEMENT_RE = re.compile(rb"<[A-Za-z_]")
# RVTools per-tab CSV export: RVTools_tabvInfo.csv, RVTools_tabvHost.csv, ...
RVTOOLS_CSV_RE = re.compile(r"^RVTools_tab(?P<tab>\w+)\.csv$", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t")
# Given a workbook's (or CSV folder's) sheet names, the ones worth reading.
SheetFilter = Callable[[Sequence[str]], Sequence[str]]


@dataclass(frozen=True)
class Limits:
    """Ceilings that keep a hostile or broken file from exhausting memory or time."""

    max_file_bytes: int = 512 * 2**20
    max_uncompressed_bytes: int = 4 * 2**30  # all parts of one xlsx, as the zip declares
    max_compression_ratio: float = 200.0  # uncompressed / compressed, per part
    max_rows: int = 2_000_000
    max_columns: int = 2_000
    max_cells: int = 200_000_000  # rows x columns of one sheet: 2M rows of 100 columns
    max_csv_line_chars: int = 1_000_000


def limit_hint(name: str) -> str:
    """How to raise limit `name`, for the message that refuses a file."""
    return (f"if the file is genuine, raise it with --limit {name}=N, or Limits({name}=N) "
            "in Python")


def _size(n: float) -> str:
    """Bytes for people: `512 MiB`, `19.5 GiB`, `1 KiB`."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} bytes"


@dataclass(frozen=True)
class Table:
    """One sheet (or CSV file) as read, under its header row.

    `frame` columns are the raw header strings (stripped; blank headers become
    `Unnamed N`, repeated ones get ` (2)`...); cells are numbers or strings, blanks NA.
    `frame.index` holds the 1-based spreadsheet row number of each row. Fully blank rows
    are dropped (`blank_rows` counts the ones between data rows), so with no blank rows
    in between, row `i` is `header_row + 1 + i`; use `row_numbers()` to be exact.
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


def load_tables(path: str | Path, limits: Limits | None = None, *,
                sheet_filter: SheetFilter | None = None) -> list[Table]:
    """Read every sheet of a workbook, a CSV file, or a folder of `RVTools_tab*.csv` files.

    `sheet_filter` picks the sheets to read from the names (e.g. only the RVTools tabs a
    reader uses); the rest are never parsed. Raises `InputError` naming the file when it is
    missing, empty, too big, unsafe or not a spreadsheet. Sheets with no non-blank cell
    are skipped; a file with none at all is an error.
    """
    limits = limits or Limits()
    path = Path(path)
    if path.is_dir():
        return _load_rvtools_csv_folder(path, limits, sheet_filter)
    tables = _load_file(path, limits, display=path.name, sheet_filter=sheet_filter)
    if not tables:
        raise InputError("the file holds no data (every sheet is blank)", file=path.name)
    return tables


def _load_rvtools_csv_folder(folder: Path, limits: Limits,
                             sheet_filter: SheetFilter | None) -> list[Table]:
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
        tables += _load_file(p, limits, display=folder.name)
    if not tables:
        raise InputError("every RVTools_tab*.csv file in the folder is blank", file=folder.name)
    return tables


def _load_file(path: Path, limits: Limits, *, display: str,
               sheet_filter: SheetFilter | None = None) -> list[Table]:
    if not path.exists():
        raise InputError("no such file", file=str(path))
    size = path.stat().st_size
    if size == 0:
        raise InputError("the file is empty", file=display)
    if size > limits.max_file_bytes:
        raise InputError(
            f"the file is {_size(size)}, above the {_size(limits.max_file_bytes)} limit",
            file=display, hint=limit_hint("max_file_bytes"),
        )
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(_ZIP_MAGIC):
        _check_zip(path, limits, display, sheet_filter)
        return _load_workbook(path, limits, display, sheet_filter)
    if magic == _OLE_MAGIC:
        _check_xls_dimensions(path, limits, display)
        return _load_xls_isolated(path, limits, display, sheet_filter)
    sheet = _csv_sheet_name(path)
    return [_load_csv(path, limits, display=display, sheet=sheet)]


def _csv_sheet_name(path: Path) -> str | None:
    m = RVTOOLS_CSV_RE.match(path.name)
    return m.group("tab") if m else None


# --- xlsx --------------------------------------------------------------------------


def _check_zip(path: Path, limits: Limits, display: str,
               sheet_filter: SheetFilter | None = None) -> None:
    """Refuse zip bombs and DTD-bearing XML before any XML parser sees the file."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()  # the central directory only: cheap
            total = sum(i.file_size for i in infos)
            if total > limits.max_uncompressed_bytes:
                raise InputError(
                    f"the workbook would expand to {_size(total)}, above the "
                    f"{_size(limits.max_uncompressed_bytes)} limit",
                    file=display, hint=limit_hint("max_uncompressed_bytes"),
                )
            for i in infos:
                ratio = i.file_size / max(i.compress_size, 1)
                # Small parts compress well legitimately; only a big part with a wild ratio
                # is a bomb.
                if i.file_size > 10 * 2**20 and ratio > limits.max_compression_ratio:
                    raise InputError(
                        f"part {i.filename!r} expands {ratio:.0f}-fold (limit "
                        f"{limits.max_compression_ratio:.0f}); refusing a possible zip bomb",
                        file=display, hint=limit_hint("max_compression_ratio"),
                    )
            for i in infos:
                if not i.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with zf.open(i) as part:
                    head = part.read(_PROLOG_BYTES)
                problem = _unsafe_prolog(head)
                if problem:
                    raise InputError(f"part {i.filename!r} {problem}; refusing it (entity "
                                     "expansion can exhaust memory)", file=display)
                if i.filename.lower().startswith("xl/worksheets/"):
                    _check_dimension(zf, i.filename, head, limits, display)
                _check_declared_counts(i, head, limits, display)
            names = _sheet_names(zf)
            wanted = (set(sheet_filter(list(names.values()))) if sheet_filter is not None
                      else None)
            for part, name in names.items():
                if (wanted is None or name in wanted) and part in zf.NameToInfo:
                    _check_cell_refs(zf, part, name, limits, display)
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable workbook ({exc})", file=display) from None


_DIMENSION_RE = re.compile(rb'<dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _check_dimension(zf: zipfile.ZipFile, part: str, head: bytes, limits: Limits,
                     display: str) -> None:
    """Refuse a sheet whose declared extent is beyond the limits.

    calamine sizes its cell grid from `<dimension ref>` before reading a cell, so a
    forged `A1:XFD1048576` would make it reserve billions of cells (a hard abort).
    """
    m = _DIMENSION_RE.search(head)
    if not m:
        return
    letters, row = m.group(1).decode(), int(m.group(2))
    column = _column_number(letters)
    sheet = _sheet_names(zf).get(part)
    hint_key = None
    if column > limits.max_columns:
        message = (f"a cell at {letters}{row} (column {column}) is beyond the "
                   f"{limits.max_columns} column limit")
        hint_key = "max_columns"
    elif row > limits.max_rows + 1:
        message = (f"a cell at {letters}{row} (row {row}) is beyond the {limits.max_rows} "
                   "row limit")
        hint_key = "max_rows"
    if hint_key:
        raise InputError(message, file=display, sheet=sheet, hint=limit_hint(hint_key))


# Cell references that can stretch a sheet: a column beyond DZ (130) or a row beyond 99,999.
# Genuine sheets rarely have either, so the scan finds next to nothing in them; every other
# cell lies within 99,999 x 130 (13 million cells), which calamine can reserve safely.
_FAR_REF_RE = re.compile(rb' r="(?:([A-Z]{3}|[E-Z][A-Z])(\d+)|([A-Z]{1,2})(\d{6,}))"')
_SCAN_CHUNK = 16 * 2**20


def _check_cell_refs(zf: zipfile.ZipFile, part: str, sheet: str, limits: Limits,
                     display: str) -> None:
    """Refuse a sheet whose cell references reach beyond the limits, before calamine reads it.

    calamine reserves the grid spanned by the cells' `r="XFD1048576"` references before a
    caller can look at its size, so one far cell would make it reserve billions of cells
    (the process aborts). The references are found by streaming the part (no XML parsing).
    """
    max_row = max_col = 0
    where = ""
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            buf = tail + chunk
            for wide_col, wide_row, deep_col, deep_row in _FAR_REF_RE.findall(buf):
                letters, digits = (wide_col, wide_row) if wide_col else (deep_col, deep_row)
                row, col = int(digits), _column_number(letters.decode())
                if col > max_col or row > max_row:
                    where = f"{letters.decode()}{row}"
                max_row, max_col = max(max_row, row), max(max_col, col)
            tail = buf[-24:]
    if not where:
        return
    if max_col > limits.max_columns:
        raise InputError(f"a cell at {where} (column {max_col}) is beyond the "
                         f"{limits.max_columns} column limit", file=display, sheet=sheet,
                         hint=limit_hint("max_columns"))
    if max_row > limits.max_rows + 1:
        raise InputError(f"a cell at {where} (row {max_row}) is beyond the {limits.max_rows} "
                         "row limit", file=display, sheet=sheet, hint=limit_hint("max_rows"))
    _check_cells(max_row, max_col, limits, display, sheet)


# calamine reserves `uniqueCount` entries (`count` is the number of uses and may be larger).
# BIFF8 DIMENSIONS record: type 0x0200, length 14, then first row, last row + 1 (u32), first
# column, last column + 1 (u16).
_XLS_DIMENSIONS = b"\x00\x02\x0e\x00"
# Fixed-size BIFF8 cell records (type, length): LABELSST, NUMBER, RK, BLANK, BOOLERR. Row and
# column (u16) follow the 4-byte header.
_XLS_CELL_RECORDS = (b"\xfd\x00\x0a\x00", b"\x03\x02\x0e\x00", b"\x7e\x02\x0a\x00",
                     b"\x01\x02\x06\x00", b"\x05\x02\x08\x00")


def _check_xls_dimensions(path: Path, limits: Limits, display: str) -> None:
    """Refuse a legacy .xls whose DIMENSIONS records declare a sheet beyond the limits.

    calamine sizes the sheet from this record before reading a cell: one corrupt byte asked
    for 1.5 TB and aborted the process. The records are found in the raw file (they are 18
    bytes; one split across two sectors of the compound file would be missed).
    """
    data = path.read_bytes()
    pos = data.find(_XLS_DIMENSIONS)
    while pos >= 0 and pos + 16 <= len(data):
        row_first, row_end = struct.unpack_from("<II", data, pos + 4)
        col_first, col_end = struct.unpack_from("<HH", data, pos + 12)
        rows, cols = max(row_first, row_end), max(col_first, col_end)
        if rows > limits.max_rows + 1:
            raise InputError(f"a sheet declares {rows} rows, above the {limits.max_rows} row "
                             "limit", file=display, hint=limit_hint("max_rows"))
        if cols > limits.max_columns:
            raise InputError(f"a sheet declares {cols} columns, above the {limits.max_columns} "
                             "column limit", file=display, hint=limit_hint("max_columns"))
        _check_cells(rows, cols, limits, display, None)
        pos = data.find(_XLS_DIMENSIONS, pos + 4)
    # A BIFF8 cell has at most 65,536 rows and 256 columns; calamine trusts a corrupt column
    # number and reserves terabytes. The fixed-size cell records are checked where found.
    for header in _XLS_CELL_RECORDS:
        pos = data.find(header)
        while pos >= 0 and pos + 8 <= len(data):
            col = struct.unpack_from("<H", data, pos + 6)[0]
            if col > 255:
                raise InputError(f"a cell record at byte {pos} names column {col + 1}, beyond "
                                 "the 256 columns of the .xls format; the file is corrupt",
                                 file=display, hint="save it again as .xlsx")
            pos = data.find(header, pos + 4)


_SST_COUNT_RE = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\buniqueCount="(\d+)"')
_MIN_SHARED_STRING_BYTES = 5  # "<si/>"


def _check_declared_counts(info: zipfile.ZipInfo, head: bytes, limits: Limits,
                           display: str) -> None:
    """Refuse a shared-strings table that declares more entries than it can hold.

    calamine reserves room for the declared count before reading an entry, so a 1 KB part
    claiming four billion strings asks for ~96 GB and aborts the process.
    """
    counts = [int(m) for m in _SST_COUNT_RE.findall(head)]
    if not counts:
        return
    declared = max(counts)
    room = min(info.file_size // _MIN_SHARED_STRING_BYTES + 1, limits.max_cells)
    if declared > room:
        raise InputError(
            f"part {info.filename!r} declares {declared} shared strings but can hold at most "
            f"{room}; refusing it", file=display,
            hint=limit_hint("max_cells") if declared <= info.file_size else None)


def _check_cells(rows: int, columns: int, limits: Limits, display: str,
                 sheet: str | None, row: int | None = None) -> None:
    if rows * columns > limits.max_cells:
        raise InputError(
            f"the sheet spans {rows} rows by {columns} columns ({rows * columns} cells), above "
            f"the {limits.max_cells} cell limit", file=display, sheet=sheet, row=row,
            hint=limit_hint("max_cells"))


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part path -> sheet name, from workbook.xml and its relationships."""
    try:
        workbook = zf.read("xl/workbook.xml")[:_PROLOG_BYTES * 16]
        rels = zf.read("xl/_rels/workbook.xml.rels")[:_PROLOG_BYTES * 16]
    except KeyError:
        return {}
    targets = {m.group(1): m.group(2) for m in re.finditer(
        rb'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets |= {m.group(2): m.group(1) for m in re.finditer(
        rb'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    out: dict[str, str] = {}
    for m in re.finditer(rb'<sheet\b[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets.get(m.group(2))
        if target:
            # Attribute text: XML-escaped, and not necessarily valid UTF-8 in a broken file.
            t = html.unescape(target.decode("utf-8", "replace")).lstrip("/")
            name = html.unescape(m.group(1).decode("utf-8", "replace"))
            out[t if t.startswith("xl/") else f"xl/{t}"] = name
    return out


def _unsafe_prolog(head: bytes) -> str | None:
    """Why an XML part's start is unsafe, or None.

    A DTD (and so any entity declaration) may only come before the root element, so the
    prolog is all we read: it must hold no `<!DOCTYPE`/`<!ENTITY` and must end, with the
    root element, within the bytes read (comments cannot hide a later DTD).
    """
    if _DTD_RE.search(head):
        return "declares a DTD or XML entities"
    rest = _COMMENT_OR_PI_RE.sub(b"", head)
    if len(head) == _PROLOG_BYTES and (b"<!--" in rest or not _ELEMENT_RE.search(rest)):
        return f"has no root element within its first {_PROLOG_BYTES // 1024} KiB"
    return None


def _load_workbook(path: Path, limits: Limits, display: str,
                   sheet_filter: SheetFilter | None = None) -> list[Table]:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises its own error types for every bad file
        if not _reader_failure(exc):
            raise
        raise InputError(f"not a readable workbook ({_short(exc)})", file=display) from None
    tables: list[Table] = []
    try:
        names = [m.name for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
        wanted = set(sheet_filter(names)) if sheet_filter is not None else set(names)
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet or meta.name not in wanted:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            if sheet.height > limits.max_rows + 1:
                raise InputError(
                    f"{sheet.height} rows, above the {limits.max_rows} row limit",
                    file=display, sheet=meta.name, hint=limit_hint("max_rows"),
                )
            if sheet.width > limits.max_columns:
                raise InputError(
                    f"{sheet.width} columns, above the {limits.max_columns} column limit",
                    file=display, sheet=meta.name, hint=limit_hint("max_columns"),
                )
            _check_cells(sheet.height, sheet.width, limits, display, meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            table = _table_from_rows(rows, file=display, sheet=meta.name, path=path)
            if table is not None:
                tables.append(table)
    except InputError:
        raise
    except BaseException as exc:
        if not _reader_failure(exc):
            raise
        raise InputError(f"not a readable workbook ({_short(exc)})", file=display) from None
    finally:
        wb.close()
    return tables


# Address space a legacy .xls parse may add on top of the parent's (a .xls holds at most
# 65,536 rows x 256 columns per sheet, far below this).
XLS_CHILD_EXTRA_BYTES = 2 * 1024**3
XLS_CHILD_TIMEOUT_S = 120.0


def _load_xls_isolated(path: Path, limits: Limits, display: str,
                       sheet_filter: SheetFilter | None = None) -> list[Table]:
    """Parse a legacy .xls in a forked child with a memory cap.

    Corrupt BIFF records can make the reader allocate terabytes and abort the whole process
    (see docs/security.md); a child that dies or runs over its cap becomes one InputError.
    """
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_xls_child, args=(send, path, limits, display, sheet_filter),
                       daemon=True)
    proc.start()
    send.close()
    result = None
    try:
        if receive.poll(XLS_CHILD_TIMEOUT_S):
            result = receive.recv()
    except (EOFError, OSError):
        result = None
    finally:
        receive.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if result is None:
        raise InputError("the legacy .xls reader failed on this file (corrupt or too large)",
                         file=display, hint="save it as .xlsx and try again")
    kind, payload = result
    if kind == "error":
        raise InputError(payload[0], hint=payload[1])
    return payload


def _xls_child(send: object, path: Path, limits: Limits, display: str,
               sheet_filter: SheetFilter | None) -> None:  # pragma: no cover (child process)
    import faulthandler
    import os
    import resource

    # Whatever a crashing reader prints (Rust panic or abort text) must not reach the user.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = current + XLS_CHILD_EXTRA_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (OSError, ValueError):
        pass  # no /proc or no rlimit: still isolated, just uncapped
    try:
        out: tuple[str, object] = ("ok", _load_workbook(path, limits, display, sheet_filter))
    except InputError as exc:
        out = ("error", (exc.message, exc.hint))
    except MemoryError:
        out = ("error", (f"{display}: the legacy .xls needs more memory than allowed; the file "
                         "is corrupt or too large", "save it as .xlsx and try again"))
    send.send(out)  # type: ignore[attr-defined]
    send.close()  # type: ignore[attr-defined]
    os._exit(0)


def _reader_failure(exc: BaseException) -> bool:
    """An error of the reader on a bad file: any Exception, or a Rust panic inside calamine
    (pyo3's PanicException derives from BaseException, so `except Exception` misses it)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


# --- CSV ---------------------------------------------------------------------------


def decode_text(data: bytes, display: str) -> str:
    """Decode CSV bytes: BOM first, then strict UTF-8, then cp1252 (latin-1 as last resort)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    if "\x00" in text:
        raise InputError("binary data, not a CSV or spreadsheet file", file=display)
    return text


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter among `,` `;` tab that splits the sample lines most consistently."""
    best, best_score = ",", (-1, -1)
    for delim in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _load_csv(path: Path, limits: Limits, *, display: str, sheet: str | None) -> Table:
    text = decode_text(path.read_bytes(), display)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError("the file holds no data (every line is blank)", file=display)
    longest = max(map(len, lines))
    if longest > limits.max_csv_line_chars:
        raise InputError(
            f"a line is {longest} characters long, above the {limits.max_csv_line_chars} limit; "
            "this does not look like a CSV inventory",
            file=display, sheet=sheet, hint=limit_hint("max_csv_line_chars"),
        )
    if len(lines) > limits.max_rows + 1:
        raise InputError(
            f"{len(lines)} lines, above the {limits.max_rows} row limit", file=display,
            sheet=sheet, hint=limit_hint("max_rows"),
        )
    sample = [line for line in lines[:200] if line.strip()][:50]
    delim = sniff_delimiter(sample)
    # Lines may have different widths (a title line above the header, ragged rows): name
    # enough columns up front. Delimiters inside quotes only over-count, and the surplus
    # columns are blank and dropped later.
    width = _csv_width(lines, delim, limits, display, sheet)
    _check_cells(len(lines), width, limits, display, sheet)
    try:
        raw = pd.read_csv(
            io.StringIO(text), sep=delim, header=None, names=list(range(width)), dtype=str,
            keep_default_na=False, skip_blank_lines=False, quotechar='"',
            engine="python" if longest > 100_000 else "c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"not a readable CSV file ({_short(exc)})", file=display) from None
    rows = raw.to_numpy(dtype=object)
    table = _table_from_matrix(rows, file=display, sheet=sheet, path=path, numeric_text=True)
    if table is None:
        raise InputError("the file holds no data", file=display)
    return table


def _csv_width(lines: Sequence[str], delim: str, limits: Limits, display: str,
               sheet: str | None) -> int:
    """Columns to name for `read_csv`: the most fields on any line, checked against the
    column limit before pandas builds a frame that wide.

    Counting delimiters over-counts those inside quotes, so a line over the limit is parsed
    properly before it is refused.
    """
    counts = np.fromiter(map(operator.methodcaller("count", delim), lines), dtype=np.int64,
                         count=len(lines))
    width = int(counts.max()) + 1
    if width <= limits.max_columns:
        return width
    wide = counts + 1 > limits.max_columns
    width = int(counts[~wide].max(initial=0)) + 1
    for i in np.flatnonzero(wide):
        fields = len(next(csv.reader([lines[i]], delimiter=delim), []))
        if fields > limits.max_columns:
            raise InputError(f"{fields} columns, above the {limits.max_columns} column limit",
                             file=display, sheet=sheet, row=int(i) + 1,
                             hint=limit_hint("max_columns"))
        width = max(width, fields)  # the delimiters over the limit were quoted text
    return width


# --- shared: rows -> Table -----------------------------------------------------------


def _table_from_rows(rows: list[list[object]], *, file: str, sheet: str | None,
                     path: Path) -> Table | None:
    if not rows or not rows[0]:
        return None
    matrix = np.empty((len(rows), len(rows[0])), dtype=object)
    matrix[:] = rows  # calamine rows are rectangular
    return _table_from_matrix(matrix, file=file, sheet=sheet, path=path, numeric_text=False)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value))


def _table_from_matrix(
    matrix: np.ndarray, *, file: str, sheet: str | None, path: Path, numeric_text: bool,
) -> Table | None:
    """Header = first non-blank row that is not a title line; below it, blank rows and
    formatting-only columns go."""
    h = _header_index(matrix)
    if h is None:
        return None
    header_blank = np.fromiter(map(_is_blank, matrix[h]), dtype=bool, count=matrix.shape[1])
    headers = _headers(matrix[h], header_blank)
    body = matrix[h + 1 :]
    index = pd.Index(np.arange(h + 2, h + 2 + body.shape[0], dtype="int64"), name="row")
    columns = {name: _column(body[:, j], index, numeric_text) for j, name in enumerate(headers)}
    frame = pd.DataFrame(columns, index=index)
    # Columns with neither a header nor a value are formatting only.
    unused = [c for c, hb in zip(headers, header_blank, strict=True)
              if hb and frame[c].isna().all()]
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
    return Table(file=file, sheet=sheet, frame=frame, header_row=h + 1,
                 blank_rows=blank_between, path=path)


def _header_index(matrix: np.ndarray, look: int = 30) -> int | None:
    """The header row: the first non-blank row, unless it is a title line.

    A row filling fewer than half the cells of the fullest row among the first `look`
    non-blank rows (e.g. "Server export 2024-05-01" above the real header) is skipped.
    """
    filled: list[tuple[int, int]] = []
    for i, row in enumerate(matrix):
        n = sum(not _is_blank(v) for v in row)
        if n:
            filled.append((i, n))
            if len(filled) >= look:
                break
    if not filled:
        return None
    widest = max(n for _, n in filled)
    return next(i for i, n in filled if 2 * n >= widest)


def _headers(cells: np.ndarray, blank: np.ndarray) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, (cell, is_blank) in enumerate(zip(cells, blank, strict=True)):
        if is_blank:
            name = f"Unnamed {i + 1}"
        elif isinstance(cell, float) and cell.is_integer():
            name = str(int(cell))
        else:
            name = " ".join(str(cell).split())
        n = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = n
        out.append(name if n == 1 else f"{name} ({n})")
    return out


def _column(values: np.ndarray, index: pd.Index, numeric_text: bool) -> pd.Series:
    """One column with blanks as missing: float64 when all numbers, text when all text."""
    values = values.copy()
    values[values == ""] = None
    s = pd.Series(values, index=index, dtype=object)
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("floating", "integer", "mixed-integer-float"):
        return s.astype("float64")
    if kind == "empty":
        return pd.Series(np.nan, index=s.index, dtype="float64")
    if kind == "string":
        # A plain comprehension beats the pandas string accessor here by about 2x.
        text = pd.Series([(v.strip() or None) if isinstance(v, str) else None for v in values],
                         index=index, dtype="string")
        if numeric_text:
            nums = pd.to_numeric(text, errors="coerce")
            if nums.notna().sum() == text.notna().sum():
                return nums.astype("float64")
        return text
    # Mixed cells (numbers with placeholder text, dates, booleans): keep as read.
    return s.map(lambda v: (v.strip() or None) if isinstance(v, str) else v)
