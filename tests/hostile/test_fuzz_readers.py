"""Fuzzing `read_inventory`: random bytes, random CSV text, random and mutated workbooks.

Whatever the file holds, a reader either returns a valid `Inventory` (the VM schema's columns and
dtypes, every VM with a name and positive vCPU and memory) or raises the package's own
`EstimatorError`; never another exception, and within the hypothesis deadline.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from corpus import make_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from estimator.errors import EstimatorError
from estimator.inventory import Inventory, read_inventory
from estimator.inventory.generic import HEADER_ALIASES
from estimator.inventory.schema import HOST_SCHEMA, VM_SCHEMA

FUZZ = settings(max_examples=100, deadline=timedelta(seconds=3),
                suppress_health_check=[HealthCheck.too_slow], derandomize=True)

# Headers real exports use, so that random tables often reach the readers' value checks.
RVTOOLS_HEADERS = ["VM", "Powerstate", "Template", "CPUs", "Memory", "Provisioned MiB",
                   "In Use MiB", "OS according to the configuration file", "VM UUID",
                   "VI SDK Server", "Cluster", "Host", "Datacenter", "SRM Placeholder"]
AZURE_HEADERS = ["*Server name", "*Cores", "*Memory (In MB)", "*OS name", "OS version",
                 "CPU utilization percentage", "Memory utilization percentage"]
ALIAS_HEADERS = [*list(HEADER_ALIASES)[:80], "Name", "vCPU", "RAM (GB)", "Memory GB", "mem_mib",
                 "cpu_count", "CPU %"]
HEADERS = st.sampled_from(RVTOOLS_HEADERS + AZURE_HEADERS + ALIAS_HEADERS + ["", "x", "vCPU"])

HOSTILE = ['=HYPERLINK("http://x","y")', "<script>alert(1)</script>", "\x00", "\ufeff",
           "NaN", "inf", "-inf", "1e400", "-0", "16 GB", "0,5 GB", "1.024,5", "#N/A", "TRUE",
           "poweredOn", "poweredOff", '"', "''", ";", "\t", "é", "𝔘"]
CELL_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.integers(-10**6, 10**7).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def _check(path: Path) -> None:
    try:
        inv = read_inventory(path)
    except EstimatorError as exc:
        assert str(exc).strip()  # a message the user can read
        return
    _check_inventory(inv)


def _check_inventory(inv: Inventory) -> None:
    assert isinstance(inv, Inventory)
    vms = inv.vms
    assert list(vms.columns) == [c.name for c in VM_SCHEMA]
    for col in VM_SCHEMA:
        assert str(vms[col.name].dtype) == col.dtype, (col.name, vms[col.name].dtype)
    assert list(inv.hosts.columns) == [c.name for c in HOST_SCHEMA]
    assert len(vms) > 0
    assert vms["name"].notna().all()
    vcpus = vms["vcpus"].to_numpy(float)
    mem = vms["memory_gib"].to_numpy(float)
    assert np.isfinite(vcpus).all() and (vcpus > 0).all()
    assert np.isfinite(mem).all() and (mem > 0).all()
    assert vms["vm_id"].is_unique
    assert sum(f.vms_kept for f in inv.files) == len(vms)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".txt"]),
       magic=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                              b"\xef\xbb\xbf", b"\xff\xfe"]))
def test_random_bytes(data: bytes, suffix: str, magic: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"junk{suffix}"
        path.write_bytes(magic + data)
        _check(path)
        assert path.read_bytes() == magic + data


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    headers = draw(st.lists(HEADERS, min_size=1, max_size=8))
    n_rows = draw(st.integers(0, 6))
    rows = [[draw(CELL_TEXT) for _ in headers] for _ in range(n_rows)]
    # A third of the time, make the rows plausible so the value checks see real numbers.
    if draw(st.booleans()) and {"Name", "vCPU", "Memory GB"} - set(headers):
        headers = ["Name", "vCPU", "Memory GB", *headers]
        rows = [[f"vm{i}", draw(CELL_TEXT | st.integers(1, 64).map(str)),
                 draw(CELL_TEXT | st.integers(1, 512).map(str)), *r]
                for i, r in enumerate(rows)]
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    quote_all = draw(st.booleans())

    def cell(v: str) -> str:
        if quote_all or any(ch in v for ch in (delim, '"', "\n", "\r")):
            return '"' + v.replace('"', '""') + '"'
        return v

    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(delim.join(cell(v) for v in r) for r in [headers, *rows]) + newline
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace" if encoding == "cp1252" else "surrogatepass")
    return data, draw(st.sampled_from([".csv", ".xlsx", ".txt"]))


@FUZZ
@given(csv_files())
def test_random_csv(file: tuple[bytes, str]) -> None:
    data, suffix = file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"inventory{suffix}"
        path.write_bytes(data)
        _check(path)


CELL_VALUE = st.one_of(
    st.none(), CELL_TEXT, st.integers(-10**9, 10**12), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2100-01-01").to_pydatetime()),
)


@st.composite
def workbooks(draw: st.DrawFn) -> dict[str, list[list[object]]]:
    names = draw(st.lists(st.sampled_from(["vInfo", "vHost", "vCPU", "vMemory", "vPartition",
                                           "Sheet1", "Servers", "data"]),
                          min_size=1, max_size=3, unique=True))
    sheets: dict[str, list[list[object]]] = {}
    for name in names:
        headers = draw(st.lists(HEADERS, min_size=0, max_size=8))
        if name == "vInfo" and draw(st.booleans()):
            headers = ["VM", "CPUs", "Memory", *headers]
        rows = [[draw(CELL_VALUE) for _ in headers] for _ in range(draw(st.integers(0, 5)))]
        blank_top = draw(st.integers(0, 2))
        sheets[name] = [[None] * len(headers)] * blank_top + [list(headers), *rows]
    return sheets


def _save(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                if isinstance(value, float) and not np.isfinite(value):
                    value = repr(value)  # xlsx has no NaN or infinity; keep the text
                if isinstance(value, str):
                    # XML 1.0 cannot hold most control characters.
                    value = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # keep "=..." as text, as a user's sheet would
    wb.save(path)


@FUZZ
@given(workbooks())
def test_random_workbooks(sheets: dict[str, list[list[object]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.xlsx"
        _save(path, sheets)
        _check(path)


MC = make_corpus()
BASE_PARTS = MC.xlsx_bytes_parts({"vInfo": MC.sheet_xml(
    [MC.VINFO_HEADER] + [MC.vinfo_row(i) for i in range(1, 6)])})
XML_TOKENS = [b"<", b">", b'"', b"&", b' r="', b' t="s"', b"<v>", b"</c>", b"<row>", b"XFD",
              b"99999999999", b"-1", b"\x00", b"\xff", b'<c r="A0">', b"<is>",
              b' t="inlineStr"', b' t="e"', b' t="b"', b' t="d"', b"<f>", b' s="999"',
              b"<!DOCTYPE", b'uniqueCount="9"', b"<dimension ref=\"A1:C9\"/>"]


@st.composite
def mutated_workbooks(draw: st.DrawFn) -> dict[str, bytes]:
    """A valid workbook with a few parts cut, spliced with XML tokens or bit-flipped."""
    parts = dict(BASE_PARTS)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(parts)))
        data = bytearray(parts[name])
        for _ in range(draw(st.integers(1, 6))):
            pos = draw(st.integers(0, len(data) - 1))
            op = draw(st.sampled_from(["cut", "insert", "flip"]))
            if op == "cut":
                del data[pos:pos + draw(st.integers(0, 8))]
            elif op == "insert":
                data[pos:pos] = draw(st.sampled_from(XML_TOKENS))
            else:
                data[pos] = draw(st.integers(0, 255))
        parts[name] = bytes(data)
    return parts


@FUZZ
@given(mutated_workbooks())
def test_mutated_workbooks(parts: dict[str, bytes]) -> None:
    """Broken XML inside a well-formed zip (found: a non-UTF-8 relationship target)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = MC.write_zip(Path(tmp) / "inventory.xlsx", parts)
        _check(path)
