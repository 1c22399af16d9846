"""CSV files into a `Table`: encoding, delimiter, then the cells.

Text is decoded by byte-order mark, then UTF-8, then cp1252 (latin-1 as last resort), and
its delimiter is sniffed among `,` `;` and tab.

Two parsers share these rules. The Arrow one (`pyarrow.csv`, C++) reads the columns a
reader uses as strings and types them with Arrow compute: it takes files whose records
all have the header's width. Anything else (ragged rows, a title line of another width,
an unbalanced quote, whitespace-only lines, UTF-16, odd line breaks, a file near a limit)
goes to the cell-by-cell reader (pandas' C parser), which words every refusal. Both give
the same Table; the golden test holds them to it.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from estimator.errors import InputError
from estimator.inventory.cells import (
    HEADER_LOOK_ROWS,
    ColumnFilter,
    Table,
    finish_table,
    header_index,
    header_names,
    table_from_matrix,
)
from estimator.inventory.guards import Limits, check_cells, limit_hint, short

DELIMITERS = (",", ";", "\t")
_UTF8_BOM = b"\xef\xbb\xbf"
# Line breaks str.splitlines() knows beyond \n and \r\n: a file with any goes to the careful
# reader, which counts lines the way the limits are worded.
_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ODD_ASCII_BREAKS = tuple(c.encode() for c in _ODD_BREAKS if c < "\x80")
# Blocks of the file searched for a line break, in the check that no line is too long.
_MAX_BLOCKS = 100_000
_DECODE_CHUNK = 16 * 2**20
# Bytes of a file checked at a time before Arrow parses it from disk (rounded to whole blocks
# of the line-length check).
_SCAN_CHUNK = 16 * 2**20
# Bytes Arrow's CSV reader parses at a time (one chunk of every column per block).
_BLOCK_BYTES = 8 * 2**20


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
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def load_csv(path: Path, limits: Limits, *, display: str, sheet: str | None,
             column_filter: ColumnFilter | None = None) -> Table:
    """One CSV file as a Table; `InputError` naming the file when it cannot be used."""
    span = _scan_file(path, limits)
    if span is not None:
        # Plain UTF-8, checked in chunks: Arrow parses it from the file, never held whole.
        table = _load_arrow_span(span, path, limits, display=display, sheet=sheet,
                                 column_filter=column_filter)
        if table is not None:
            return table
        data = path.read_bytes()
    else:
        data = path.read_bytes()
        table = _load_arrow(data, path, limits, display=display, sheet=sheet,
                            column_filter=column_filter)
        if table is not None:
            return table
    return _load_text(data, path, limits, display=display, sheet=sheet,
                      column_filter=column_filter)


# --- Arrow ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _FileSpan:
    """A plain UTF-8 file from byte `start` (past a byte-order mark) that passed the Arrow
    path's checks, with its line count."""

    path: Path
    start: int
    lines: int


def _load_arrow(data: bytes, path: Path, limits: Limits, *, display: str,
                sheet: str | None, column_filter: ColumnFilter | None) -> Table | None:
    """The Table through pyarrow, or None when the file needs the careful reader."""
    utf8 = _as_utf8(data)
    if utf8 is None:
        return None
    lines = _line_count(utf8, limits)
    if lines is None:
        return None
    head_bytes = utf8[: _nth_line_end(utf8, 200)]
    return _arrow_table(utf8, head_bytes, len(head_bytes) < len(utf8), lines, path, limits,
                        display=display, sheet=sheet, column_filter=column_filter)


def _load_arrow_span(span: _FileSpan, path: Path, limits: Limits, *, display: str,
                     sheet: str | None, column_filter: ColumnFilter | None) -> Table | None:
    """`_load_arrow` of a file `_scan_file` passed, reading it from disk."""
    with open(span.path, "rb") as f:
        f.seek(span.start)
        head_bytes, more = _head_lines(f, 200)
    return _arrow_table(span, head_bytes, more, span.lines, path, limits, display=display,
                        sheet=sheet, column_filter=column_filter)


def _arrow_table(source: bytes | _FileSpan, head_bytes: bytes, more: bool, lines: int,
                 path: Path, limits: Limits, *, display: str, sheet: str | None,
                 column_filter: ColumnFilter | None) -> Table | None:
    """The Arrow parse of checked UTF-8 (`more`: the data goes on past the head lines)."""
    head = head_bytes.decode("utf-8")
    delim = sniff_delimiter(_sample(head.splitlines()))
    width = head.split("\n", 1)[0].count(delim) + 1  # an upper bound of the first row's fields
    if width > limits.max_columns or lines * width > limits.max_cells:
        return None
    try:
        return _parse_arrow(source, head_bytes, more, delim, width, path, display=display,
                            sheet=sheet, column_filter=column_filter)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None  # ragged rows, a title line, an open quote: the careful reader decides


def _scan_file(path: Path, limits: Limits) -> _FileSpan | None:
    """What `_as_utf8` and `_line_count` decide, read in chunks: a span when the file is
    plain UTF-8 (no NUL bytes, no odd line breaks) and its lines pass; None leaves the
    decision to the in-memory path (cp1252 to transcode, or a file it declines)."""
    size = path.stat().st_size
    block = max(limits.max_csv_line_chars // 2, 1)
    if size // block > _MAX_BLOCKS:
        return None  # the in-memory path measures every line of such a file
    # Whole line-check blocks per chunk, so that no block straddles two chunks.
    chunk_size = block * max(1, _SCAN_CHUNK // block)
    decoder = codecs.getincrementaldecoder("utf-8")()
    nonblank = False
    newlines = returns = 0
    last = b""
    with open(path, "rb") as f:
        start = len(_UTF8_BOM) if f.read(len(_UTF8_BOM)) == _UTF8_BOM else 0
        n = size - start
        f.seek(start)
        pos = 0
        while chunk := _read_full(f, chunk_size):
            pending = decoder.getstate()[0]
            if pending or int(np.frombuffer(chunk, dtype=np.uint8).max()) >= 0x80:
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError:
                    return None
                if any(c in text for c in _ODD_BREAKS):
                    return None
            elif any(b in chunk for b in _ODD_ASCII_BREAKS):
                return None
            if b"\x00" in chunk:
                return None
            nonblank = nonblank or re.search(rb"\S", chunk) is not None
            for s in range(0, len(chunk), block):
                if pos + s >= n - block:
                    break
                if chunk.find(b"\n", s, s + block) < 0:
                    return None  # a line may be over the line limit
            newlines += chunk.count(b"\n")
            returns += chunk.count(b"\r")
            last = chunk[-1:]
            pos += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return None
        if not nonblank:
            return None
        lines = newlines + (last not in (b"\n", b"\r"))
        if returns and lines + returns > limits.max_rows + 1:  # near the limit: count exactly
            f.seek(start)
            returns -= _count_crlf(f, chunk_size)
    lines += returns
    return None if lines > limits.max_rows + 1 else _FileSpan(path, start, lines)


def _read_full(f: BinaryIO, size: int) -> bytes:
    """`size` bytes, fewer only at the end of the file."""
    chunk = f.read(size)
    while chunk and len(chunk) < size:
        more = f.read(size - len(chunk))
        if not more:
            break
        chunk += more
    return chunk


def _count_crlf(f: BinaryIO, chunk_size: int) -> int:
    """\\r\\n pairs from the file position on, counted in chunks."""
    count = 0
    prev = b""
    while chunk := f.read(chunk_size):
        count += chunk.count(b"\r\n") + (prev == b"\r" and chunk[:1] == b"\n")
        prev = chunk[-1:]
    return count


def _head_lines(f: BinaryIO, n: int) -> tuple[bytes, bool]:
    """The first `n` lines from the file position (as `_nth_line_end` cuts them), and whether
    anything follows them."""
    head = b""
    while True:
        piece = f.read(2**20)
        head += piece
        end = _nth_line_end(head, n)
        if end < len(head) or not piece:
            return head[:end], end < len(head) or bool(f.read(1))


def _as_utf8(data: bytes) -> bytes | None:
    """The file as UTF-8 bytes, decoded the way `decode_text` decides; None for what the
    Arrow path does not take (UTF-16, NUL bytes, line breaks other than \\n and \\r\\n)."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
        if _plain_utf8(data) is not True:
            return None  # bad bytes (decode_text replaces them) or odd line breaks
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    else:
        plain = _plain_utf8(data)
        if plain is None:
            return None
        if not plain:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            if any(c in text for c in _ODD_BREAKS):
                return None
            data = text.encode("utf-8")
    return None if b"\x00" in data else data


def _plain_utf8(data: bytes) -> bool | None:
    """True for UTF-8 without odd line breaks, False for bytes that are not UTF-8, None for
    UTF-8 with odd line breaks. Checked in chunks so as not to hold a decoded copy."""
    if not data or int(np.frombuffer(data, dtype=np.uint8).max()) < 0x80:  # ASCII
        return None if any(b in data for b in _ODD_ASCII_BREAKS) else True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    odd = False
    try:
        for start in range(0, len(data), _DECODE_CHUNK):
            chunk = decoder.decode(view[start:start + _DECODE_CHUNK])
            odd = odd or any(c in chunk for c in _ODD_BREAKS)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return None if odd else True


def _line_count(data: bytes, limits: Limits) -> int | None:
    """Lines in the file as str.splitlines() counts them (a lone \\r ends a line, as it does
    for both CSV parsers); None for a file of blank lines, one with a line that may be over
    the line limit, or one over the row limit."""
    if not re.search(rb"\S", data):
        return None
    # A byte count bounds the character count from above. Every block of max_chars // 2
    # bytes holding a line break means no line reaches max_chars.
    block = max(limits.max_csv_line_chars // 2, 1)
    if len(data) > block:
        if len(data) // block > _MAX_BLOCKS:
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
            gaps = np.diff(ends, prepend=-1, append=len(data))
            if int(gaps.max()) - 1 > limits.max_csv_line_chars:
                return None
        elif any(data.find(b"\n", start, start + block) < 0
                 for start in range(0, len(data) - block, block)):
            return None
    lines = data.count(b"\n") + (not data.endswith((b"\n", b"\r")))
    if b"\r" in data:
        returns = data.count(b"\r")
        if lines + returns > limits.max_rows + 1:  # near the limit: count exactly
            returns -= data.count(b"\r\n")
        lines += returns
    return None if lines > limits.max_rows + 1 else lines


def _nth_line_end(data: bytes, n: int) -> int:
    """Offset just past the n-th line break (or the end of the data)."""
    pos = -1
    for _ in range(n):
        pos = data.find(b"\n", pos + 1)
        if pos < 0:
            return len(data)
    return pos + 1


def _arrow_options(delim: str) -> pa_csv.ParseOptions:
    return pa_csv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True,
                               escape_char=False, newlines_in_values=True,
                               ignore_empty_lines=False)


def _read_strings(source: bytes | _FileSpan, delim: str, *, columns: int,
                  include: Sequence[int] | None = None) -> pa.Table:
    """Every record as strings, columns named f0, f1, ... (only `include` when given).

    `columns` bounds the number of fields from above; a record of another width than the
    first is an error.
    """
    names = {f"f{i}": pa.string() for i in range(columns)}
    convert = pa_csv.ConvertOptions(
        column_types=names, strings_can_be_null=False, quoted_strings_can_be_null=False,
        include_columns=None if include is None else [f"f{i}" for i in include])
    # One thread: on the 2-vCPU machine the threaded reader took twice as long (1M-VM vInfo,
    # 2.0 s against 1.0 s), splitting blocks that may hold quoted line breaks.
    # Blocks of 8 MiB, not 1 MiB: a column of 1,000,000 VMs in about 120 chunks instead of
    # 930 halves the time every later step spends per chunk, for the same parse time.
    read = pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False,
                              block_size=_BLOCK_BYTES)
    stream: pa.NativeFile
    if isinstance(source, bytes):
        stream = pa.BufferReader(source)
    else:
        stream = pa.OSFile(str(source.path))
        stream.seek(source.start)
    with stream:
        return pa_csv.read_csv(stream, read_options=read, parse_options=_arrow_options(delim),
                               convert_options=convert)


def _parse_arrow(data: bytes | _FileSpan, head: bytes, more: bool, delim: str, width: int,
                 path: Path, *, display: str, sheet: str | None,
                 column_filter: ColumnFilter | None) -> Table | None:
    # The header is found in the first lines, so that only the columns used are converted.
    top = _read_strings(head, delim, columns=width)
    cells = [[_strip(v) for v in top.column(j).to_pylist()] for j in range(top.num_columns)]
    rows = list(zip(*cells, strict=True))
    h = header_index([sum(v is not None for v in row) for row in rows])
    if h is None:
        raise ValueError("no header in the first lines")
    if sum(1 for row in rows if any(v is not None for v in row)) < HEADER_LOOK_ROWS and more:
        raise ValueError("too few non-blank lines to find the header")
    header = rows[h]
    blank = [v is None for v in header]
    names = header_names(header, blank)
    keep = [j for j, name in enumerate(names)
            if column_filter is None or column_filter(sheet, name)]
    table = _read_strings(data, delim, columns=width, include=keep)
    # Typed column by column, each string column let go once typed, so that the strings
    # and the typed columns of a large file are never all held at once.
    strings = {j: table.column(f"f{j}") for j in keep}
    del table
    columns = {names[j]: _typed(strings.pop(j).slice(h + 1)) for j in keep}
    result = finish_table(columns, {names[j]: blank[j] for j in keep}, first_row=h + 2,
                          header_row=h + 1, file=display, sheet=sheet, path=path)
    if result is None:
        raise InputError("the file holds no data", file=display)
    return result


def _strip(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def _blank_as_null(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Empty strings as nulls. Only a validity bitmap is made: the chunks keep their offsets
    and characters (an empty string and a null both span no characters)."""
    chunks = []
    for chunk in text.chunks:
        filled = pc.greater(pc.binary_length(chunk), 0)
        if chunk.null_count or chunk.offset or filled.offset:
            chunks.append(pc.if_else(filled, chunk, pa.scalar(None, chunk.type)))
        elif filled.false_count:
            chunks.append(pa.Array.from_buffers(chunk.type, len(chunk),
                                                [filled.buffers()[1], *chunk.buffers()[1:]]))
        else:
            chunks.append(chunk)
    return pa.chunked_array(chunks, type=text.type)


def _typed(strings: pa.ChunkedArray) -> pd.Series:
    """A CSV column: stripped text with blanks NA, or float64 when every value is a number
    as `pandas.to_numeric` reads numbers (so both parsers agree)."""
    text = _blank_as_null(pc.utf8_trim_whitespace(strings))  # as str.strip() strips
    present = len(text) - text.null_count
    if present == 0:
        return pd.Series(np.nan, index=pd.RangeIndex(len(text)), dtype="float64")
    series = pd.Series(pd.arrays.ArrowStringArray(text))
    # A column of words shows it at its first value: no pass over the rest.
    first = series.iat[int(series.notna().to_numpy().argmax())]
    if pd.to_numeric(pd.Series([first]), errors="coerce").isna().iat[0]:
        return series
    try:
        numbers = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        numbers = None
    # Arrow reads fewer spellings than pandas, and "nan" it reads but pandas calls text.
    if numbers is not None and not pc.any(pc.is_nan(numbers)).as_py():
        return pd.Series(numbers.to_numpy(zero_copy_only=False), dtype="float64")
    parsed = pd.to_numeric(series, errors="coerce")
    if int(parsed.notna().sum()) == present:
        return parsed.astype("float64")
    return series


# --- cell by cell ---------------------------------------------------------------------


def _load_text(data: bytes, path: Path, limits: Limits, *, display: str, sheet: str | None,
               column_filter: ColumnFilter | None) -> Table:
    """Decode, check and parse with pandas' C parser, cell by cell."""
    text = decode_text(data, display)
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
    delim = sniff_delimiter(_sample(lines))
    # Lines may have different widths (a title line above the header, ragged rows): name
    # enough columns up front. Delimiters inside quotes only over-count, and the surplus
    # columns are blank and dropped later.
    width = _csv_width(lines, delim, limits, display, sheet)
    check_cells(len(lines), width, limits, display, sheet)
    try:
        raw = pd.read_csv(
            io.StringIO(text), sep=delim, header=None, names=list(range(width)), dtype=str,
            keep_default_na=False, skip_blank_lines=False, quotechar='"',
            engine="python" if longest > 100_000 else "c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"not a readable CSV file ({short(exc)})", file=display) from None
    rows = raw.to_numpy(dtype=object)
    table = table_from_matrix(rows, file=display, sheet=sheet, path=path, numeric_text=True,
                              column_filter=column_filter)
    if table is None:
        raise InputError("the file holds no data", file=display)
    return table


def _sample(lines: Sequence[str]) -> list[str]:
    """The lines the delimiter is sniffed from: the first 50 non-blank of the first 200."""
    return [line for line in lines[:200] if line.strip()][:50]


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
        fields = len(next(csv.reader([lines[int(i)]], delimiter=delim), []))
        if fields > limits.max_columns:
            raise InputError(f"{fields} columns, above the {limits.max_columns} column limit",
                             file=display, sheet=sheet, row=int(i) + 1,
                             hint=limit_hint("max_columns"))
        width = max(width, fields)  # the delimiters over the limit were quoted text
    return width
