from pathlib import Path

import pandas as pd
import pytest
from shared_data import IBM_WORKSHOP, KUBEV2V_EXAMPLE1, real_data, write_xlsx

from estimator.errors import InputError
from estimator.inventory import read_inventory
from estimator.inventory.schema import HOST_COLUMNS, VM_COLUMNS

HEADER = ["VM", "Powerstate", "CPUs", "Memory", "VM UUID", "VI SDK Server"]


def vinfo(path: Path, *rows: list) -> Path:
    return write_xlsx(path, {"vInfo": [HEADER, *rows]})


def test_same_name_in_two_vcenters_is_two_vms(tmp_path: Path) -> None:
    a = vinfo(tmp_path / "vc1.xlsx", ["app", "poweredOn", 2, 2048, "u-1", "vc1"])
    b = vinfo(tmp_path / "vc2.xlsx", ["app", "poweredOn", 4, 4096, "u-1", "vc2"])
    inv = read_inventory([a, b])
    assert inv.vms["name"].tolist() == ["app", "app"]
    assert inv.vms["source"].tolist() == ["vc1.xlsx", "vc2.xlsx"]
    assert inv.problems == ()


def test_true_duplicate_is_counted_once_and_reported(tmp_path: Path) -> None:
    a = vinfo(tmp_path / "a.xlsx", ["app", "poweredOn", 2, 2048, "u-1", "vc1"],
              ["db", "poweredOn", 2, 2048, "u-2", "vc1"])
    b = vinfo(tmp_path / "b.xlsx", ["app", "poweredOn", 2, 2048, "U-1", "VC1"])
    inv = read_inventory([a, b])
    assert len(inv.vms) == 2
    [dup] = inv.problems
    assert dup.kind == "duplicate" and dup.file == "b.xlsx" and dup.row == 2
    assert "a.xlsx row 2" in dup.message
    assert [(f.file, f.rows_read, f.vms_kept) for f in inv.files] == [
        ("a.xlsx", 2, 2), ("b.xlsx", 1, 0)]


def test_rvtools_csv_folder_and_loose_tab_files(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_bytes(
        b"\xef\xbb\xbfVM,Powerstate,Template,CPUs,Memory,In Use MiB\n"
        b"web,poweredOn,False,2,4096,2048\ntmpl,poweredOff,True,1,1024,0\n")
    (folder / "RVTools_tabvHost.csv").write_bytes(
        b"\xef\xbb\xbfHost,# CPU,Cores per CPU,# Cores,# Memory\nesx1,2,8,16,131072\n")
    for inv in (read_inventory(folder), read_inventory(sorted(folder.glob("*.csv")))):
        assert inv.vms["name"].tolist() == ["web", "tmpl"]
        assert inv.vms["source_format"].eq("rvtools-csv").all()
        assert inv.vms["source"].eq("export").all()
        assert inv.vms["source_sheet"].eq("vInfo").all()
        assert inv.vms["storage_used_gib"].tolist() == [2.0, 0.0]
        assert inv.hosts["cores"].tolist() == [16.0]
        assert inv.hosts["source"].tolist() == ["export"]
        assert inv.files[0].format == "rvtools-csv"


def test_generic_csv_and_rvtools_merge(tmp_path: Path) -> None:
    rv = vinfo(tmp_path / "rv.xlsx", ["app", "poweredOn", 2, 2048, "u-1", "vc1"])
    hand = tmp_path / "hand.csv"
    hand.write_text("name;vcpu;ram (GB);os\nlegacy;2;8;Windows Server 2012\n", encoding="utf-8")
    inv = read_inventory([rv, hand])
    assert inv.vms["source"].tolist() == ["rv.xlsx", "hand.csv"]
    assert inv.vms["source_format"].tolist() == ["rvtools", "generic"]
    assert inv.vms["memory_gib"].tolist() == [2.0, 8.0]
    assert list(inv.vms.columns) == list(VM_COLUMNS)
    assert list(inv.hosts.columns) == list(HOST_COLUMNS)


def test_file_of_bad_rows_is_an_input_error(tmp_path: Path) -> None:
    bad = vinfo(tmp_path / "bad.xlsx", ["a", "poweredOn", "abc", 2048, "u", "v"],
                ["b", "poweredOn", "n/a", 2048, "u2", "v"])
    with pytest.raises(InputError, match="none of the 2 rows is usable") as info:
        read_inventory(bad)
    assert "row 2" in str(info.value) and "'CPUs'" in str(info.value)


def test_header_only_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no data rows"):
        read_inventory(vinfo(tmp_path / "empty.xlsx"))
    with pytest.raises(InputError, match="no such file"):
        read_inventory(tmp_path / "nope.xlsx")
    with pytest.raises(InputError, match="unknown format"):
        read_inventory(tmp_path / "nope.xlsx", format="bogus")


def test_some_rows_rejected_rest_kept(tmp_path: Path) -> None:
    path = vinfo(tmp_path / "m.xlsx", ["ok", "poweredOn", 2, 2048, "u1", "v"],
                 ["neg", "poweredOn", -2, 2048, "u2", "v"])
    inv = read_inventory(path)
    assert inv.vms["name"].tolist() == ["ok"]
    [rejected] = [p for p in inv.files[0].problems if p.kind == "rejected"]
    assert (rejected.row, rejected.column) == (3, "vcpus")


def test_real_exports_merge() -> None:
    inv = read_inventory([real_data(*IBM_WORKSHOP), real_data(*KUBEV2V_EXAMPLE1)])
    assert len(inv.vms) == 805 + 9
    assert inv.vms.groupby("source").size().to_dict() == {
        "SizingWorkshop-RVTools.xlsx": 805, "example1.xlsx": 9}
    assert len(inv.hosts) == 34 + 7
    assert inv.hosts["cores"].sum() == 528 + 7 * 32
    example = inv.vms[inv.vms["source"] == "example1.xlsx"]
    assert (example["power_state"] == "poweredOn").sum() == 3
    assert (example["os_family"] == "unknown").sum() == 1


def test_forced_format_and_blank_rows_reported(tmp_path: Path) -> None:
    csv = tmp_path / "vms.csv"
    csv.write_text("VM,CPUs,Memory\nweb,2,2048\n,,\ndb,4,4096\n", encoding="utf-8")
    inv = read_inventory(csv, format="rvtools")
    assert inv.vms["source_row"].tolist() == [2, 4]
    assert inv.vms["source_format"].tolist() == ["rvtools-csv"] * 2
    assert inv.vms["power_state"].tolist() == ["unknown"] * 2
    assert any(p.message == "1 blank row between data rows skipped"
               for p in inv.files[0].problems)


def test_other_formats_are_detected_and_merged(tmp_path: Path) -> None:
    azure = tmp_path / "az.csv"
    azure.write_text("*Server name,*Cores,*Memory (In MB),*OS name,CPU utilization percentage\n"
                     "web01,4,8192,Windows Server 2016 Datacenter,35\n", encoding="utf-8")
    ads = tmp_path / "ads.csv"
    ads.write_text("ExternalId,HostName,OS.Name,CPU.NumberOfCores,RAM.TotalSizeInMB\n"
                   "ext-1,h1,Red Hat Enterprise Linux 7,4,4096\n", encoding="utf-8")
    inv = read_inventory([azure, ads])
    assert inv.vms["source_format"].tolist() == ["azure-migrate", "aws-ads"]
    assert inv.vms["memory_gib"].tolist() == [8.0, 4.0]
    assert inv.vms["os_family"].tolist() == ["windows", "linux"]
    assert [f.format for f in inv.files] == ["azure-migrate", "aws-ads"]


def test_usage_source_says_where_the_usage_came_from(tmp_path: Path) -> None:
    golden = Path(__file__).resolve().parents[1] / "data" / "golden" / "inputs"
    azure = read_inventory(golden / "azure.csv").vms.set_index("name")
    # web01 has CPU and memory utilisation, db01 neither.
    assert azure.loc["web01", "usage_source"] == "summary"
    assert pd.isna(azure.loc["db01", "usage_source"])
    assert azure["usage_period_days"].isna().all()
    mpa = read_inventory(golden / "aws-mpa.xlsx").vms
    assert mpa["usage_source"].eq("summary").all()
    rv = read_inventory(vinfo(tmp_path / "rv.xlsx", ["app", "poweredOn", 2, 2048, "u-1", "vc1"]))
    # An RVTools vInfo alone carries no usage counter.
    assert rv.vms["usage_source"].isna().all()
    assert rv.vms[["memory_active_gib", "memory_consumed_gib"]].isna().all().all()
