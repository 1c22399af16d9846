"""CSV files into a `Table`: encoding, delimiter, then the cells.

Text is decoded by byte-order mark, then UTF-8, then cp1252 (latin-1 as last resort), and
its delimiter is sniffed among `,` `;` and tab.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.errors import InputError
from estimator.inventory.cells import ColumnFilter, Table, table_from_matrix
from estimator.inventory.guards import Limits, check_cells, limit_hint, short

DELIMITERS = (",", ";", "\t")


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
    return _load_text(path.read_bytes(), path, limits, display=display, sheet=sheet,
                      column_filter=column_filter)


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
        fields = len(next(csv.reader([lines[i]], delimiter=delim), []))
        if fields > limits.max_columns:
            raise InputError(f"{fields} columns, above the {limits.max_columns} column limit",
                             file=display, sheet=sheet, row=int(i) + 1,
                             hint=limit_hint("max_columns"))
        width = max(width, fields)  # the delimiters over the limit were quoted text
    return width
