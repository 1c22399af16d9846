"""File-safety guards: the checks every inventory file passes before a parser sees it.

A hostile or broken file must become one `InputError`, never a hang, a memory blow-up or
an aborted process. The guards here look at raw bytes only (no XML parser, no spreadsheet
reader): size limits, the zip central directory (zip bombs), XML prologs (DTDs and entity
expansion), declared sheet extents and far cell references (calamine reserves its cell
grid from them before reading a cell), shared-string counts, and the BIFF records of a
legacy .xls.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from estimator.errors import InputError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
PROLOG_BYTES = 64 * 1024
_COMMENT_OR_PI_RE = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_ELEMENT_RE = re.compile(rb"<[A-Za-z_]")
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


def size_text(n: float) -> str:
    """Bytes for people: `512 MiB`, `19.5 GiB`, `1 KiB`."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} bytes"


def check_file(path: Path, limits: Limits, display: str) -> bytes:
    """Refuse a missing, empty or oversized file; return its first 8 bytes (the magic)."""
    if not path.exists():
        raise InputError("no such file", file=str(path))
    size = path.stat().st_size
    if size == 0:
        raise InputError("the file is empty", file=display)
    if size > limits.max_file_bytes:
        raise InputError(
            f"the file is {size_text(size)}, above the {size_text(limits.max_file_bytes)} "
            "limit", file=display, hint=limit_hint("max_file_bytes"),
        )
    with path.open("rb") as fh:
        return fh.read(8)


def check_cells(rows: int, columns: int, limits: Limits, display: str,
                sheet: str | None, row: int | None = None) -> None:
    if rows * columns > limits.max_cells:
        raise InputError(
            f"the sheet spans {rows} rows by {columns} columns ({rows * columns} cells), above "
            f"the {limits.max_cells} cell limit", file=display, sheet=sheet, row=row,
            hint=limit_hint("max_cells"))


def check_sheet_size(height: int, width: int, limits: Limits, display: str,
                     sheet: str) -> None:
    """Refuse a parsed sheet of `height` rows (header included) beyond the limits."""
    if height > limits.max_rows + 1:
        raise InputError(f"{height} rows, above the {limits.max_rows} row limit",
                         file=display, sheet=sheet, hint=limit_hint("max_rows"))
    if width > limits.max_columns:
        raise InputError(f"{width} columns, above the {limits.max_columns} column limit",
                         file=display, sheet=sheet, hint=limit_hint("max_columns"))
    check_cells(height, width, limits, display, sheet)


def reader_failure(exc: BaseException) -> bool:
    """An error of the reader on a bad file: any Exception, or a Rust panic inside calamine
    (pyo3's PanicException derives from BaseException, so `except Exception` misses it)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def short(exc: BaseException) -> str:
    """The first line of an exception's text, for a one-line message."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


# --- xlsx / ods: the zip container ---------------------------------------------------


def check_zip(path: Path, limits: Limits, display: str,
              sheet_filter: SheetFilter | None = None) -> dict[str, str]:
    """Refuse zip bombs and DTD-bearing XML before any XML parser sees the file.

    Returns the worksheets (part path -> sheet name) of an xlsx/xlsm; empty for other zips
    (ods, xlsb).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()  # the central directory only: cheap
            total = sum(i.file_size for i in infos)
            if total > limits.max_uncompressed_bytes:
                raise InputError(
                    f"the workbook would expand to {size_text(total)}, above the "
                    f"{size_text(limits.max_uncompressed_bytes)} limit",
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
                with zf.open(i) as fh:
                    head = fh.read(PROLOG_BYTES)
                problem = _unsafe_prolog(head)
                if problem:
                    raise InputError(f"part {i.filename!r} {problem}; refusing it (entity "
                                     "expansion can exhaust memory)", file=display)
                if i.filename.lower().startswith("xl/worksheets/"):
                    _check_dimension(zf, i.filename, head, limits, display)
                _check_declared_counts(i, head, limits, display)
            names = sheet_names(zf)
            wanted = (set(sheet_filter(list(names.values()))) if sheet_filter is not None
                      else None)
            for part, name in names.items():
                if (wanted is None or name in wanted) and part in zf.NameToInfo:
                    _check_cell_refs(zf, part, name, limits, display)
            return {part: name for part, name in names.items()
                    if part.startswith("xl/worksheets/") and part.endswith(".xml")
                    and part in zf.NameToInfo}
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable workbook ({exc})", file=display) from None


_DIMENSION_RE = re.compile(rb'<dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')


def column_number(letters: str) -> int:
    """1-based column number of spreadsheet column letters: `A` 1, `AA` 27."""
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
    column = column_number(letters)
    sheet = sheet_names(zf).get(part)
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
                row, col = int(digits), column_number(letters.decode())
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
    check_cells(max_row, max_col, limits, display, sheet)


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


def sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part path -> sheet name, from workbook.xml and its relationships."""
    try:
        workbook = zf.read("xl/workbook.xml")[:PROLOG_BYTES * 16]
        rels = zf.read("xl/_rels/workbook.xml.rels")[:PROLOG_BYTES * 16]
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
    if len(head) == PROLOG_BYTES and (b"<!--" in rest or not _ELEMENT_RE.search(rest)):
        return f"has no root element within its first {PROLOG_BYTES // 1024} KiB"
    return None


# --- legacy .xls ---------------------------------------------------------------------

# BIFF8 DIMENSIONS record: type 0x0200, length 14, then first row, last row + 1 (u32), first
# column, last column + 1 (u16).
_XLS_DIMENSIONS = b"\x00\x02\x0e\x00"
# Fixed-size BIFF8 cell records (type, length): LABELSST, NUMBER, RK, BLANK, BOOLERR. Row and
# column (u16) follow the 4-byte header.
_XLS_CELL_RECORDS = (b"\xfd\x00\x0a\x00", b"\x03\x02\x0e\x00", b"\x7e\x02\x0a\x00",
                     b"\x01\x02\x06\x00", b"\x05\x02\x08\x00")


def check_xls(path: Path, limits: Limits, display: str) -> None:
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
        check_cells(rows, cols, limits, display, None)
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
