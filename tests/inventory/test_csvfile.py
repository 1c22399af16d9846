"""The Arrow CSV path gives the same Table as the cell-by-cell reader, and knows its limits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator.inventory import csvfile
from estimator.inventory.cells import Table
from estimator.inventory.guards import Limits


def both(path: Path, column_filter=None) -> tuple[Table | None, Table]:
    """(Arrow Table or None when it passes, cell-by-cell Table) of one CSV file."""
    data = path.read_bytes()
    arrow = csvfile._load_arrow(data, path, Limits(), display=path.name, sheet=None,
                                column_filter=column_filter)
    text = csvfile._load_text(data, path, Limits(), display=path.name, sheet=None,
                              column_filter=column_filter)
    return arrow, text


def assert_same(a: Table, b: Table) -> None:
    assert (a.header_row, a.blank_rows) == (b.header_row, b.blank_rows)
    assert list(a.frame.columns) == list(b.frame.columns)
    assert a.row_numbers().tolist() == b.row_numbers().tolist()
    for c in a.frame.columns:
        x, y = a.frame[c], b.frame[c]
        assert (x.dtype == "float64") == (y.dtype == "float64"), c
        assert x.isna().tolist() == y.isna().tolist(), c
        kept = x.notna().to_numpy()
        assert x[kept].tolist() == y[kept].tolist(), c


CASES = {
    "plain": b"VM,CPUs,Memory,Note\nweb,2,4096,a\ndb,4,8192,\n",
    "crlf and bom": b"\xef\xbb\xbfVM;CPUs;Memory\r\nweb;2;4096\r\ndb;4;8192\r\n",
    "quoted newline and delimiter": (b'VM,Annotation,CPUs\nweb,"Owner: Smith, J.\nline 2",2\n'
                                     b'db,"say ""hi""",4\n'),
    "blank lines between and under": b"VM,CPUs\nweb,2\n\ndb,4\n\n\n",
    "whitespace and nbsp": "VM,CPUs,Env\n web ,\u00a02\u00a0, \ndb,4,prod\n".encode(),
    "numbers pandas reads": b"VM,A,B,C,D\nweb,inf,+5,.5,1E5\ndb,-inf,5.,-.5,00012\n",
    "nan is text": b"VM,A\nweb,nan\ndb,1\n",
    "decimal commas stay text": b"VM;CPUs;RAM\nweb;2;0,5\ndb;4;1,5\n",
    "numeric names": b"VM,CPUs\n001,2\n002,4\n",
    "cp1252": "VM;Owner;CPUs\nweb;Müller;2\ndb;Café;4\n".encode("cp1252"),
    "no final line break": b"VM,CPUs\nweb,2\ndb,4",
    "blank header": b"VM,,CPUs\nweb,x,2\ndb,,4\n",
    "repeated header": b"VM,vm,CPUs\nweb,a,2\ndb,b,4\n",
    "empty column": b"VM,X,CPUs\nweb,,2\ndb,,4\n",
    "header only": b"VM,CPUs\n",
    "trailing delimiter": b"VM,CPUs,\nweb,2,\ndb,4,\n",
    "lone carriage returns": b"VM,CPUs\rweb,2\rdb,4\r",
    "mixed line breaks": b"VM,CPUs\r\nweb,2\ndb,4\r\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_arrow_path_matches_the_cell_by_cell_reader(tmp_path: Path, name: str) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes(CASES[name])
    arrow, text = both(path)
    assert arrow is not None, "the Arrow path should take this file"
    assert_same(arrow, text)


# Files the Arrow path leaves to the cell-by-cell reader (which reads or refuses them).
DECLINED = {
    "ragged rows": b"VM,CPUs\nweb,2,extra\ndb,4\n",
    "title line": b"Export 2024-05-01\nVM,CPUs\nweb,2\n",
    "whitespace-only line": b"VM,CPUs\nweb,2\n   \ndb,4\n",
    "unbalanced quote": b'VM,CPUs\n"web,2\ndb,4\n',
    "utf-16": "VM,CPUs\nweb,2\n".encode("utf-16"),
    "form feed": b"VM,CPUs\nweb,2\x0c\n",
    "nul byte": b"VM,CPUs\nweb,\x002\n",
    "bom with bad bytes": b"\xef\xbb\xbfVM,CPUs\nw\xffb,2\n",
}


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_arrow_path_declines_odd_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes(DECLINED[name])
    assert csvfile._load_arrow(path.read_bytes(), path, Limits(), display=path.name,
                               sheet=None, column_filter=None) is None


def test_arrow_path_declines_files_near_a_limit(tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes(b"VM,CPUs\n" + b"web,2\n" * 20)
    for limits in (Limits(max_rows=10), Limits(max_columns=1), Limits(max_cells=30),
                   Limits(max_csv_line_chars=5)):
        assert csvfile._load_arrow(path.read_bytes(), path, limits, display=path.name,
                                   sheet=None, column_filter=None) is None


def test_only_the_columns_kept_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "RVTools_tabvInfo.csv"
    path.write_bytes(b"VM,Folder,CPUs\nweb,/a,2\n,/orphan,\ndb,/b,4\n")
    arrow, text = both(path, column_filter=lambda _sheet, header: header != "Folder")
    assert arrow is not None
    assert_same(arrow, text)
    assert list(arrow.frame.columns) == ["VM", "CPUs"]
    # Blank in every column read: a blank row between data rows.
    assert arrow.blank_rows == 1 and arrow.row_numbers().tolist() == [2, 4]


def test_long_files_keep_row_numbers_and_types(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 5_000
    frame = pd.DataFrame({"VM": [f"vm-{i}" for i in range(n)],
                          "CPUs": rng.integers(1, 64, n),
                          "Memory": rng.random(n) * 1e5,
                          "Note": np.where(rng.random(n) < 0.5, "", "x, y")})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    arrow, text = both(path)
    assert arrow is not None
    assert_same(arrow, text)
    assert arrow.frame["Memory"].tolist() == pytest.approx(frame["Memory"].tolist(), rel=1e-15)
    assert arrow.row_numbers()[-1] == n + 1


def test_arrow_trims_the_characters_python_strips() -> None:
    """Both readers strip cells; Arrow's trim must remove exactly what str.strip() does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # Every whitespace character is in the Basic Multilingual Plane.
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    cells = [f"{c}x{c}" for c in chars]
    trimmed = pc.utf8_trim_whitespace(pa.array(cells)).to_pylist()
    assert trimmed == [cell.strip() for cell in cells]


def _span_table(path: Path, limits: Limits | None = None, column_filter=None) -> Table | None:
    """The Table the file-streaming Arrow path gives, or None when it leaves the file to the
    in-memory path."""
    limits = limits or Limits()
    span = csvfile._scan_file(path, limits)
    if span is None:
        return None
    return csvfile._load_arrow_span(span, path, limits, display=path.name, sheet=None,
                                    column_filter=column_filter)


@pytest.mark.parametrize("name", sorted(CASES))
def test_streamed_arrow_path_is_the_in_memory_one(tmp_path: Path, name: str) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes(CASES[name])
    memory = csvfile._load_arrow(path.read_bytes(), path, Limits(), display=path.name,
                                 sheet=None, column_filter=None)
    streamed = _span_table(path)
    if name == "cp1252":
        assert streamed is None  # transcoded in memory
        return
    assert memory is not None and streamed is not None
    assert (streamed.header_row, streamed.blank_rows) == (memory.header_row, memory.blank_rows)
    pd.testing.assert_frame_equal(streamed.frame, memory.frame, check_exact=True)


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_streamed_arrow_path_declines_odd_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes(DECLINED[name])
    assert _span_table(path) is None


def test_streamed_arrow_path_declines_files_near_a_limit(tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes(b"VM,CPUs\n" + b"web,2\n" * 20)
    for limits in (Limits(max_rows=10), Limits(max_columns=1), Limits(max_cells=30),
                   Limits(max_csv_line_chars=5)):
        assert _span_table(path, limits) is None


_PIECES = ["a", "b,", ",", " ", "\n", "\r", "\r\n", "é", "€", "\u2028", "\x0c", "\x85",
           "\x00", "\t"]


@pytest.mark.parametrize("chunk", [1, 3, 8, 64])
def test_chunked_checks_decide_as_the_whole_file_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The scan in chunks accepts exactly the files `_as_utf8` keeps as they are and
    `_line_count` passes, with the same line count, wherever the chunks end."""
    monkeypatch.setattr(csvfile, "_SCAN_CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    path = tmp_path / "f.csv"
    accepted = 0
    for trial in range(400):
        n = int(rng.integers(0, 40))
        weights = np.array([8, 4, 4, 2, 6, 1, 3, 1, 1, 0.1, 0.1, 0.1, 0.1, 1])
        picks = rng.choice(len(_PIECES), size=n, p=weights / weights.sum())
        data = "".join(_PIECES[i] for i in picks).encode()
        if trial % 5 == 0:
            data = b"\xef\xbb\xbf" + data
        if trial % 23 == 0:
            data += b"\xff"  # not UTF-8
        path.write_bytes(data)
        limits = Limits(max_csv_line_chars=int(rng.choice([2, 5, 11, 1_000_000])),
                        max_rows=int(rng.choice([3, 10, 1_000])))
        start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        utf8 = csvfile._as_utf8(data)
        lines = csvfile._line_count(utf8, limits) if utf8 is not None else None
        kept = utf8 is not None and utf8 == data[start:] and lines is not None
        span = csvfile._scan_file(path, limits)
        assert (span is not None) == kept, (data, limits)
        if span is not None:
            accepted += 1
            assert (span.start, span.lines) == (start, lines)
    assert accepted > 50


@pytest.mark.parametrize("rows", [150, 199, 200, 201, 5_000])
def test_streamed_head_and_body_match_in_memory(tmp_path: Path, rows: int) -> None:
    # Long cells push the first 200 lines past the 1 MiB pieces the head is read in.
    rng = np.random.default_rng(rows)
    notes = np.where(rng.random(rows) < 0.1, "x" * 100_000, "note, with comma")
    frame = pd.DataFrame({"VM": [f"vm-{i}" for i in range(rows)],
                          "CPUs": rng.integers(1, 64, rows), "Note": notes})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    memory = csvfile._load_arrow(path.read_bytes(), path, Limits(), display=path.name,
                                 sheet=None, column_filter=None)
    streamed = _span_table(path)
    assert memory is not None and streamed is not None
    pd.testing.assert_frame_equal(streamed.frame, memory.frame, check_exact=True)
    with open(path, "rb") as f:
        head, more = csvfile._head_lines(f, 200)
    data = path.read_bytes()
    end = csvfile._nth_line_end(data, 200)
    assert (head, more) == (data[:end], end < len(data))


def test_blank_as_null_is_the_if_else_it_replaced() -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(2)
    words = ["", "a", "bb", "", "ccc ", None]
    for _ in range(50):
        chunks = [pa.array(rng.choice(words, int(rng.integers(0, 30))).tolist(), pa.string())
                  for _ in range(int(rng.integers(1, 5)))]
        text = pa.chunked_array(chunks, type=pa.string())
        if len(text) > 3 and rng.random() < 0.5:
            text = text.slice(int(rng.integers(1, 3)))
        old = pc.if_else(pc.equal(pc.utf8_length(text), 0), pa.scalar(None, pa.string()), text)
        new = csvfile._blank_as_null(text)
        assert new.to_pylist() == old.to_pylist()
        assert new.null_count == old.null_count
