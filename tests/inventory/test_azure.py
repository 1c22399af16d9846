import io

import numpy as np
import pandas as pd
import pytest

from estimator.errors import InputError, Problem
from estimator.inventory import azure, read_inventory
from estimator.inventory.tabular import Table

NEW = ("*Server name,IP addresses,*Cores,*Memory (In MB),*OS name,OS version,OS architecture,"
       "CPU utilization percentage,Memory utilization percentage,Network adapters,Boot type,"
       "Number of disks,Storage in use (In GB),Disk 1 size (In GB),"
       "Disk 1 read throughput (MB per second),Disk 1 write ops (operations per second),"
       "Disk 2 size (In GB),Cost centre\n")
OLD = NEW.replace("*", "")
ROWS = ("web01,10.0.0.1,4,8192,Windows Server 2016 Datacenter,10.0.14393,x64,45,60,1,BIOS,"
        "2,80,100,5,20,50,cc1\n"
        "db01,,8,16384,Ubuntu,20.04.6 LTS,x64,,,,UEFI,1,,200,,,,cc2\n"
        "old01,,2,2048,Microsoft Windows Server 2008 R2 Standard,,x64,5.5,,,,,,,,,,\n")


def table(csv: str, file: str = "azure.csv") -> Table:
    frame = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False).replace("", None)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return Table(file=file, sheet=None, frame=frame, header_row=1)


@pytest.mark.parametrize("header", [NEW, OLD])
def test_matches_both_header_spellings(header):
    assert azure.matches(header.strip().split(","))


def test_does_not_match_other_formats():
    assert not azure.matches(["name", "vcpu", "ram_gb"])
    assert not azure.matches(["VM", "CPUs", "Memory", "Powerstate"])


@pytest.mark.parametrize("header", [NEW, OLD])
def test_to_raw_reads_every_field(header):
    problems: list[Problem] = []
    raw = azure.to_raw(table(header + ROWS), mapping=None, problems=problems)
    assert raw["name"].tolist() == ["web01", "db01", "old01"]
    assert raw["vcpus"].tolist() == [4.0, 8.0, 2.0]
    assert raw["memory_gib"].tolist() == [8.0, 16.0, 2.0]
    assert raw["os_raw"].tolist() == ["Windows Server 2016 Datacenter 10.0.14393",
                                      "Ubuntu 20.04.6 LTS",
                                      "Microsoft Windows Server 2008 R2 Standard"]
    assert raw["cpu_util"].tolist()[:1] == [0.45] and raw["cpu_util"].iloc[2] == 0.055
    assert np.isnan(raw["cpu_util"].iloc[1])
    assert raw["memory_util"].iloc[0] == 0.6
    assert raw["storage_used_gib"].iloc[0] == 80.0 and np.isnan(raw["storage_used_gib"].iloc[1])
    # Disk sizes summed per server; no disk at all stays unknown.
    assert raw["storage_provisioned_gib"].tolist()[:2] == [150.0, 200.0]
    assert np.isnan(raw["storage_provisioned_gib"].iloc[2])
    assert raw["power_state"].tolist() == ["poweredOn"] * 3
    assert raw["source_row"].tolist() == [2, 3, 4]
    imputed = [p for p in problems if p.kind == "imputed"]
    assert len(imputed) == 1 and imputed[0].column == "power_state"
    assert "3 VMs" in imputed[0].message and "poweredOn" in imputed[0].message
    # Known template columns are silent; the unknown one is reported by name.
    assert [p.column for p in problems if p.kind == "unmapped_column"] == ["Cost centre"]


def test_bad_cells_reject_rows_or_warn():
    csv = ("Server name,Cores,Memory (In MB),OS name,Storage in use (In GB)\n"
           "a,four,1024,Linux,10\nb,2,1 GB,Linux,lots\nc,2,n/a,Linux,1\n")
    problems: list[Problem] = []
    raw = azure.to_raw(table(csv), problems=problems)
    assert raw["_reject_reason"].tolist()[0] == "not a number: four"
    assert raw["_reject_column"].tolist()[0] == "Cores"
    assert raw["memory_gib"].iloc[1] == 1.0  # a unit in the cell wins over the header's MB
    assert np.isnan(raw["memory_gib"].iloc[2])  # blank marker: missing, finalise rejects it
    assert [p.column for p in problems if p.kind == "warning"] == ["Storage in use (In GB)"]


def test_missing_required_column_is_an_input_error():
    with pytest.raises(InputError) as err:
        azure.to_raw(table("Server name,Cores,OS name\na,1,Linux\n"), problems=[])
    assert "'*Memory (In MB)'" in str(err.value) and "azure.csv" in str(err.value)


def test_end_to_end_detection_utf8_bom(tmp_path):
    path = tmp_path / "AzureMigrate.csv"
    path.write_bytes(("\ufeff" + NEW + ROWS).encode("utf-8"))
    inv = read_inventory(path)
    report = inv.files[0]
    assert report.format == "azure-migrate" and report.vms_kept == 3
    vms = inv.vms.set_index("name")
    assert vms.loc["web01", "os_family"] == "windows"
    assert vms.loc["web01", "os_version"] == "2016"
    assert vms.loc["web01", "os_edition"] == "Datacenter"
    assert vms.loc["db01", "os_name"] == "Ubuntu" and vms.loc["db01", "os_version"] == "20.04"
    assert bool(vms.loc["old01", "os_end_of_support"]) is True
    assert (inv.vms["power_state"] == "poweredOn").all()
    assert inv.vms["source_format"].tolist() == ["azure-migrate"] * 3


def test_end_to_end_old_spelling_semicolons_decimal_commas(tmp_path):
    path = tmp_path / "az.csv"
    path.write_text("Server name;Cores;Memory (In MB);OS name;CPU utilization percentage\n"
                    "srvé;2;4096;Windows Server 2019 Standard;12,5\n", encoding="cp1252")
    inv = read_inventory(path)
    assert inv.files[0].format == "azure-migrate"
    assert inv.vms["name"].tolist() == ["srvé"]
    assert inv.vms["cpu_util"].tolist() == [0.125]
