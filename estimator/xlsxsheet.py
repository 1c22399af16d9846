"""Worksheet XML for large tables, built column by column, and spliced into an xlsx package.

openpyxl writes about 25,000 cells a second here, minutes for 100,000 rows × 25 columns. So the
big sheets (the report's VMs sheet, the sample estate's tabs) are written as XML directly: each
column is rendered once per distinct value (text escaped once), the cells are looked up by code
and joined row-major in one C-level `str.join`, and the rows are spliced into a package that
openpyxl or a minimal writer made (`splice`).

Cells carry their reference (`r="B7"`) and blanks are left out, or they go by position (smaller
files). Numbers are written in shortest round-trip form (whole numbers without a decimal point,
as Excel writes them), booleans as `t="b"`, dates as Excel serial numbers with a date style, and
text as inline strings (`t="inlineStr"`) or as indices into a shared-string table
(`SharedStrings`), so no text is ever read as a formula or an error code, whatever it starts
with. Characters that XML 1.0 forbids become U+FFFD, a carriage return is kept as `&#13;`, and
text is cut at Excel's 32,767 characters.

>>> cols = [column(["=1+1", None], "A", "text"), column([1.5, 2.0], "B", "number")]
>>> [block.decode() for block in sheet_rows(cols, first_row=2, chunk=1)][1]
'<row r="3"><c r="B3"><v>2</v></c></row>'
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "CHUNK_ROWS",
    "ILLEGAL_XML",
    "MAX_CELL_CHARS",
    "Column",
    "Kind",
    "SharedStrings",
    "column",
    "column_letter",
    "sheet_rows",
    "splice",
    "text_body",
]

#: Characters XML 1.0 does not allow (written as U+FFFD).
ILLEGAL_XML: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Excel's limit of characters per cell.
MAX_CELL_CHARS: Final = 32_767
#: Rows rendered per block: bounds the working memory at a million rows.
CHUNK_ROWS: Final = 20_000
#: Serial day 0 of Excel's 1900 date system (with its leap-year bug, as every writer uses it).
EXCEL_EPOCH: Final = np.datetime64("1899-12-30T00:00:00", "s")

_NEEDS_WORK: Final = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Kind = Literal["text", "number", "bool", "date"]


class SharedStrings:
    """A workbook's shared-string table (xl/sharedStrings.xml): each distinct text once.

    Readers resolve a shared string once per text, so a workbook whose texts repeat a lot (an
    inventory's cluster, OS and host names) reads faster and is smaller than with inline strings.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def ids(self, texts: Sequence[str]) -> npt.NDArray[np.intp]:
        """The index of each text in the table, adding the ones not there yet."""
        ids = self._ids
        return np.fromiter((ids.setdefault(t, len(ids)) for t in texts), np.intp, len(texts))

    def xml(self) -> str:
        """The sharedStrings part."""
        items = "".join([f"<si>{text_body(t)}</si>" for t in self._ids])
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'uniqueCount="{len(self._ids)}">{items}</sst>'
        )


@dataclass(frozen=True)
class Column:
    """One column's cells: row i is `cells[codes[i]]`, and no cell where `codes[i]` is -1.

    letter : the column's letters ("A", "AB").
    codes : (rows,) index into `cells`, -1 for a blank.
    cells : the XML of each distinct value after `<c r="A1`, e.g. `" t="b"><v>1</v></c>`.
    """

    letter: str
    codes: npt.NDArray[np.intp]
    cells: npt.NDArray[np.object_]


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 1-based column index: 1 -> "A", 28 -> "AB"."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def text_body(text: str) -> str:
    """`text` as the `<t>` element of an inline string: cleaned, cut to length, escaped."""
    if _NEEDS_WORK.search(text) is not None or len(text) > MAX_CELL_CHARS:
        text = ILLEGAL_XML.sub("\ufffd", text)[:MAX_CELL_CHARS]
        body = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        body = body.replace("\r", "&#13;")  # a raw CR would be read back as LF
    else:
        body = text
    # Leading or trailing white space survives only where the element asks for it.
    if text[:1].isspace() or text[-1:].isspace():
        return f'<t xml:space="preserve">{body}</t>'
    return f"<t>{body}</t>"


def number_text(values: npt.NDArray[np.generic]) -> npt.NDArray[np.str_]:
    """Shortest round-trip text of each number; whole numbers without a decimal point, as Excel
    writes them."""
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str)
    floats = values.astype(np.float64)
    whole = np.isfinite(floats) & (floats == np.round(floats)) & (np.abs(floats) < 2**53)
    ints = np.where(whole, floats, 0).astype(np.int64).astype(str)
    return np.where(whole, ints, floats.astype(str))


def column(
    values: pd.Series | npt.ArrayLike,
    letter: str,
    kind: Kind,
    style: int | None = None,
    strings: SharedStrings | None = None,
) -> Column:
    """The cells of one column of values, each distinct value rendered once.

    kind : "text" (str of each value; "" is a blank), "number" (non-numbers and non-finite values
        are blanks), "bool", or "date" (datetime64, as an Excel serial number; give a date style).
    style : cell style index (`s` attribute) for numbers and dates, e.g. a number format.
    strings : text goes to this shared-string table instead of inline strings.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    s_attr = f' s="{style}"' if style is not None else ""
    if kind == "text":
        codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
        texts = [str(u) for u in uniques]
        if strings is not None:
            ids = strings.ids(texts).astype(str).tolist()
            cells = np.asarray([f'" t="s"><v>{i}</v></c>' for i in ids], dtype=object)
        else:
            cells = np.asarray(
                [f'" t="inlineStr"><is>{text_body(t)}</is></c>' for t in texts], dtype=object
            )
        # "" leaves no cell, like a missing value (code -1 reads the last flag, True).
        empty = np.asarray([t == "" for t in texts] + [True], dtype=bool)
        return Column(letter, np.where(empty[codes], -1, codes).astype(np.intp), cells)
    if kind == "bool":
        flags = series.astype("boolean")
        codes = np.where(flags.isna().to_numpy(), -1, flags.fillna(False).to_numpy(dtype=np.intp))
        cells = np.asarray(['" t="b"><v>0</v></c>', '" t="b"><v>1</v></c>'], dtype=object)
        return Column(letter, codes.astype(np.intp), cells)
    if kind == "date":
        stamps = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[s]")
        days = (stamps - EXCEL_EPOCH).astype(np.int64) / 86400.0
        series = pd.Series(np.where(np.isnat(stamps), np.nan, days))
    if series.dtype.kind not in "iuf":
        series = pd.to_numeric(series, errors="coerce").astype("float64")
    if series.dtype.kind == "f":
        series = series.where(np.isfinite(series.to_numpy(dtype=np.float64, na_value=np.nan)))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = number_text(np.asarray(uniques))
    cells = np.asarray([f'"{s_attr}><v>{t}</v></c>' for t in text.tolist()], dtype=object)
    return Column(letter, codes.astype(np.intp), cells)


def sheet_rows(
    columns: Sequence[Column], first_row: int, chunk: int = CHUNK_ROWS, *, refs: bool = True
) -> Iterator[bytes]:
    """The `<row>` elements of the columns' rows, numbered from `first_row`, in UTF-8 blocks.

    With `refs`, each cell is three pieces (`<c r="` + letter, the row number, the value's XML)
    and blanks are left out. Without, rows and cells go by position (`<c/>` for a blank), which
    the standard allows and every reader here takes: the part is about half the size, because
    references are unique and compress badly. Either way a block is one `str.join` over
    pre-rendered strings: no Python code runs per cell.
    """
    n = len(columns[0].codes) if columns else 0
    if refs:
        tables = [np.append(col.cells, "") for col in columns]  # code -1 reads the last, ""
    else:
        tables = [np.asarray([*("<c" + c[1:] for c in col.cells), "<c/>"], dtype=object)
                  for col in columns]
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        if refs:
            rows = np.arange(first_row + lo, first_row + hi).astype(str)
            row_list = rows.tolist()
            pieces: list[Iterable[str]] = [
                repeat('<row r="', hi - lo), row_list, repeat('">', hi - lo)
            ]
        else:
            pieces = [repeat("<row>", hi - lo)]
        for col, table in zip(columns, tables, strict=True):
            codes = col.codes[lo:hi]
            if refs:
                blank = codes < 0
                if blank.any():
                    pieces.append(np.where(blank, "", f'<c r="{col.letter}').tolist())
                    pieces.append(np.where(blank, "", rows).tolist())
                else:
                    pieces.append(repeat(f'<c r="{col.letter}', hi - lo))
                    pieces.append(row_list)
            pieces.append(table[codes].tolist())
        pieces.append(repeat("</row>", hi - lo))
        yield "".join(chain.from_iterable(zip(*pieces, strict=True))).encode("utf-8")


def splice(package: bytes, path: Path, rows: Mapping[str, Iterable[bytes]]) -> None:
    """Write the xlsx `package` to `path` with `rows[part]` added at the end of each named
    worksheet part's sheetData (an empty `<sheetData/>` is opened up).

    Members keep their names, order and timestamps, so a package with fixed timestamps gives the
    same bytes every time. Everything is deflated at level 1: sheet XML is repetitive, so the
    fastest level already shrinks it about tenfold.
    """
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
    ) as dst:
        missing = set(rows) - set(src.namelist())
        if missing:  # a bug in the caller, not bad input
            raise RuntimeError(f"the package has no part {sorted(missing)[0]}")
        for info in src.infolist():
            data = src.read(info.filename)
            out_info = zipfile.ZipInfo(info.filename, info.date_time)
            out_info.external_attr = info.external_attr
            out_info.compress_type = zipfile.ZIP_DEFLATED
            out_info._compresslevel = 1  # type: ignore[attr-defined]  # public from 3.13
            if info.filename not in rows:
                dst.writestr(out_info, data)
                continue
            xml = data.decode("utf-8")
            end = xml.find("</sheetData>")
            if end < 0:
                empty = xml.find("<sheetData/>")
                if empty < 0:
                    raise RuntimeError(f"{info.filename} has no sheetData")
                xml = xml[:empty] + "<sheetData></sheetData>" + xml[empty + len("<sheetData/>"):]
                end = xml.find("</sheetData>")
            with dst.open(out_info, "w", force_zip64=True) as out:
                out.write(xml[:end].encode("utf-8"))
                for block in rows[info.filename]:
                    out.write(block)
                out.write(xml[end:].encode("utf-8"))
