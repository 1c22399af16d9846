"""Tests for estimator.sample: layout, realism, determinism and the writers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator import sample
from estimator.errors import OutputError
from estimator.sample import SHEETS, sample_output_path, sample_tables, write_sample

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
EXAMPLE1 = SHARED / "data" / "real" / "rvtools-kubev2v-example1" / "example1.xlsx"
BUNDLED = ROOT / "data" / "sample-rvtools.xlsx"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return sample_tables(800, seed=42)


def _assert_same_values(expected: pd.DataFrame, got: pd.DataFrame, sheet: str) -> None:
    """Cell-by-cell equality of a generated frame and the same frame read back from a file."""
    assert list(got.columns) == list(expected.columns), sheet
    assert len(got) == len(expected), sheet
    for col in expected.columns:
        a, b = expected[col], got[col]
        if a.dtype.kind in "iuf":
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), err_msg=col)
        elif a.dtype.kind == "M":
            assert (a.isna().to_numpy() == b.isna().to_numpy()).all(), col
            assert (a.dropna() == pd.to_datetime(b.dropna())).all(), col
        else:
            assert (a.fillna("<blank>") == b.astype("str").fillna("<blank>")).all(), col


def test_same_seed_gives_identical_tables(tables: dict[str, pd.DataFrame]) -> None:
    again = sample_tables(800, seed=42)
    for sheet in SHEETS:
        pd.testing.assert_frame_equal(tables[sheet], again[sheet])
    other = sample_tables(800, seed=43)
    assert not tables["vInfo"]["VM UUID"].equals(other["vInfo"]["VM UUID"])


def test_bundled_sample_is_800_vms_seed_42(tables: dict[str, pd.DataFrame]) -> None:
    assert BUNDLED.stat().st_size < 1_000_000
    got = pd.read_excel(BUNDLED, sheet_name=None, engine="calamine")
    assert list(got) == list(SHEETS)
    for sheet in SHEETS:
        _assert_same_values(tables[sheet], got[sheet], sheet)


def test_headers_follow_rvtools_new_layout(tables: dict[str, pd.DataFrame]) -> None:
    """Every header RVTools writes in example1 appears, spelt the same and in the same order."""
    real = pd.read_excel(EXAMPLE1, sheet_name=None, engine="calamine", nrows=0)
    for sheet in SHEETS:
        ours = list(tables[sheet].columns)
        # example1 carries two custom attributes of its own (owner, mmtest-tags); ours differ.
        theirs = [c for c in real[sheet].columns
                  if not str(c).startswith("Unnamed") and c not in ("owner", "mmtest-tags")]
        assert [c for c in ours if c in theirs] == theirs, sheet
    info = list(tables["vInfo"].columns)
    for col in ("VI SDK Server", "VI SDK UUID", "VM UUID", "Environment", "Owner",
                "SecurityZone", "Annotation", "DNS Name"):
        assert col in info
    assert info.index("Annotation") < info.index("Environment") < info.index("Datacenter")


def test_estate_is_believable(tables: dict[str, pd.DataFrame]) -> None:
    info, host, cpu = tables["vInfo"], tables["vHost"], tables["vCPU"]
    assert len(info) == 800
    assert info["VM"].str.startswith("vCLS-").sum() == info["Cluster"].nunique() == 3
    assert (info.loc[info["VM"].str.startswith("vCLS-"), "Powerstate"] == "poweredOn").all()
    assert (info["Template"] == "True").sum() == 12
    assert (info["SRM Placeholder"] == "True").sum() == 2
    assert (info.loc[info["Template"] == "True", "Powerstate"] == "poweredOff").all()
    on = info["Powerstate"] == "poweredOn"
    assert 0.85 < on.mean() < 0.95
    assert (info["Powerstate"] == "suspended").sum() >= 1
    # Powers of two dominate vCPU counts; memory grows with vCPU.
    regular = ~info["VM"].str.startswith("vCLS-")
    assert info.loc[regular, "CPUs"].between(1, 32).all()
    assert info.loc[regular, "CPUs"].isin([1, 2, 4, 8, 16, 32]).mean() > 0.9
    assert info.loc[regular, "Memory"].between(2048, 256 * 1024).all()
    assert np.corrcoef(info.loc[regular, "CPUs"], info.loc[regular, "Memory"])[0, 1] > 0.6
    os_config = info["OS according to the configuration file"]
    assert os_config.str.startswith("Microsoft Windows Server").mean() > 0.3
    assert "Red Hat Enterprise Linux 9 (64-bit)" in set(os_config)
    assert "Microsoft Windows Server 2008 R2 (64-bit)" in set(os_config)
    assert 1 <= os_config.isna().sum() <= 30
    # Tools only report the guest OS while the VM runs.
    assert info.loc[~on, "OS according to the VMware Tools"].isna().all()
    # Hosts: 2 sockets of 16-32 cores, 512-1536 GiB, at roughly 3-5 vCPU per core.
    assert (host["# CPU"] == 2).all() and host["Cores per CPU"].between(16, 32).all()
    assert host["# Memory"].between(500 * 1024, 1536 * 1024).all()
    ratio = info.loc[on, "CPUs"].sum() / host["# Cores"].sum()
    assert 2.5 < ratio < 5.5
    assert host["# VMs total"].sum() == len(info)
    # Usage: skewed, some idle VMs and a few zombies at exactly 0.
    util = cpu.loc[on, "Overall"] / cpu.loc[on, "Max"]
    assert util.median() < 0.25
    assert (cpu.loc[on, "Overall"] == 0).sum() >= 5
    assert 0.05 < (util < 0.05).mean() < 0.4
    # Several vCenters; an SRM placeholder shares its name with the protected VM elsewhere.
    assert info["VI SDK Server"].nunique() == 2
    placeholder = info.loc[info["SRM Placeholder"] == "True"].iloc[0]
    twins = info[info["VM"] == placeholder["VM"]]
    assert len(twins) == 2 and twins["VI SDK UUID"].nunique() == 2
    assert info["VM UUID"].is_unique
    assert set(info["Environment"].dropna()) == {"prod", "test", "dev"}
    assert info["SecurityZone"].nunique() >= 3


def test_partitions_match_disks(tables: dict[str, pd.DataFrame]) -> None:
    part, info = tables["vPartition"], tables["vInfo"]
    assert (part["Free MiB"] == part["Capacity MiB"] - part["Consumed MiB"]).all()
    assert (part["Consumed MiB"] >= 0).all()
    running = set(info.loc[info["Guest state"] == "running", "VM UUID"])
    assert set(part["VM UUID"]) == running
    windows = part["OS according to the configuration file"].fillna("").str.contains("Windows")
    assert part.loc[windows, "Disk"].str.match(r"^[C-F]:\\$").all()


def test_small_estates_work() -> None:
    for vms in (1, 7, 60):
        t = sample_tables(vms, seed=1)
        assert len(t["vInfo"]) == vms
        assert len(t["vHost"]) >= 1


def test_rejects_zero_vms() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        sample_tables(0)


def test_xlsx_round_trips_through_openpyxl(tmp_path: Path) -> None:
    expected = sample_tables(120, seed=5)
    out = write_sample(tmp_path / "s.xlsx", vms=120, seed=5)
    assert out == tmp_path / "s.xlsx"
    got = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    for sheet in SHEETS:
        _assert_same_values(expected[sheet], got[sheet], sheet)
    assert [p.name for p in tmp_path.iterdir()] == ["s.xlsx"]  # no temporary left behind


def test_xlsx_is_deterministic_with_shared_strings_and_no_formulas(tmp_path: Path) -> None:
    a = write_sample(tmp_path / "a.xlsx", vms=60, seed=8)
    b = write_sample(tmp_path / "b.xlsx", vms=60, seed=8)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == len(SHEETS)
        # Text is shared (as RVTools writes it), so each distinct value is stored once.
        sst = z.read("xl/sharedStrings.xml").decode()
        assert sst.count("<t>poweredOn</t>") == 1
        assert all(b"<f>" not in z.read(n) and b"inlineStr" not in z.read(n) for n in sheets)


def test_csv_writes_an_rvtools_csv_folder(tmp_path: Path) -> None:
    expected = sample_tables(90, seed=3)
    out = write_sample(tmp_path / "estate.csv", vms=90, seed=3)
    assert out == tmp_path / "estate"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"RVTools_tab{s}.csv" for s in SHEETS)
    info = pd.read_csv(out / "RVTools_tabvInfo.csv")
    assert list(info.columns) == list(expected["vInfo"].columns)
    assert info["VM"].tolist() == expected["vInfo"]["VM"].tolist()
    assert info["Memory"].tolist() == expected["vInfo"]["Memory"].tolist()
    # Values with commas are quoted, so the owner "Data & Analytics" and dates survive.
    assert info["Creation date"].iloc[0] == str(expected["vInfo"]["Creation date"].iloc[0])
    # Writing again replaces the folder as a whole.
    write_sample(tmp_path / "estate.csv", vms=10, seed=3)
    assert len(pd.read_csv(out / "RVTools_tabvInfo.csv")) == 10


def test_output_paths_and_bad_suffix(tmp_path: Path) -> None:
    assert sample_output_path(tmp_path / "a.XLSX") == tmp_path / "a.XLSX"
    assert sample_output_path(tmp_path / "a.csv") == tmp_path / "a"
    assert sample_output_path(tmp_path / "folder") == tmp_path / "folder"
    with pytest.raises(OutputError, match=r"\.txt"):
        write_sample(tmp_path / "a.txt", vms=5)


def test_xlsx_row_limit_points_to_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sample.workbook, "XLSX_MAX_ROWS", 100)
    with pytest.raises(OutputError, match=r"more than an \.xlsx sheet holds") as err:
        write_sample(tmp_path / "big.xlsx", vms=200)
    assert "csv" in (err.value.hint or "").lower()
    assert not (tmp_path / "big.xlsx").exists()
