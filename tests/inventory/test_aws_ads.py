import io

import numpy as np
import pandas as pd
import pytest

from estimator.errors import InputError, Problem
from estimator.inventory import aws_ads, read_inventory
from estimator.inventory.aws_ads import parse_tags
from estimator.inventory.tabular import Table

HEADER = ("ExternalId,SMBiosId,IPAddress,MACAddress,HostName,VMware.MoRefId,VMware.VCenterId,"
          "CPU.NumberOfProcessors,CPU.NumberOfCores,CPU.NumberOfLogicalCores,OS.Name,OS.Version,"
          "VMware.VMName,RAM.TotalSizeInMB,RAM.UsedSizeInMB.Avg,RAM.UsedSizeInMB.Max,"
          "CPU.UsagePct.Avg,CPU.UsagePct.Max,DiskReadsOpsPerSecond.Max,"
          "NetworkReadsPerSecondInKB.Avg,Applications,ApplicationWave,Tags,Rack\n")
ROWS = (
    # AWS's own example shape: 4 processors, 8 cores, 16 logical cores.
    'srv-1,,10.0.0.1,,pay-app01.corp,vm-1001,vc01,4,8,16,Red Hat Enterprise Linux,9.2,'
    'pay-app01,32768,12000,20480,15,60,300,10,"Payments",Wave 2,'
    '"environment:prod, owner:finance, cc:42",r1\n'
    # no logical cores, no VM name, averages only
    'srv-2,,10.0.0.2,,win02.corp,,,1,2,,Windows Server 2016,,,8192,1024,,10,,,,,,,r2\n'
    # only processors and an external id
    'srv-3,,,,,,,2,,,Linux,,,4096,,,,,,,,,,\n'
)


def table(csv: str) -> Table:
    frame = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False).replace("", None)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return Table(file="ads.csv", sheet=None, frame=frame, header_row=1)


def test_matches():
    assert aws_ads.matches(HEADER.strip().split(","))
    assert aws_ads.matches(["HostName", "CPU.NumberOfCores", "RAM.TotalSizeInMB"])
    assert not aws_ads.matches(["HostName", "CPU.NumberOfCores"])
    assert not aws_ads.matches(["*Server name", "*Cores", "*Memory (In MB)"])


def test_to_raw_fields_and_fallbacks():
    problems: list[Problem] = []
    raw = aws_ads.to_raw(table(HEADER + ROWS), problems=problems)
    assert raw["name"].tolist() == ["pay-app01", "win02.corp", "srv-3"]
    assert raw["uuid"].tolist() == ["srv-1", "srv-2", "srv-3"]
    assert raw["vcenter"].tolist()[0] == "vc01"
    # logical cores; else total cores (not x processors); else processors
    assert raw["vcpus"].tolist() == [16.0, 2.0, 2.0]
    assert raw["memory_gib"].tolist() == [32.0, 8.0, 4.0]
    assert raw["cpu_util"].tolist()[:2] == [0.6, 0.1] and np.isnan(raw["cpu_util"].iloc[2])
    assert raw["memory_util"].tolist()[:2] == [0.625, 0.125]
    assert raw["os_raw"].tolist() == ["Red Hat Enterprise Linux 9.2", "Windows Server 2016",
                                      "Linux"]
    assert raw["environment"].tolist()[0] == "prod" and raw["owner"].tolist()[0] == "finance"
    assert raw["tags"].tolist()[0] == "applications=Payments; cc=42"
    messages = [p.message for p in problems if p.kind == "imputed"]
    assert any("'CPU.NumberOfCores'" in m and m.endswith(": 1 VM") for m in messages)
    assert any("'CPU.NumberOfProcessors'" in m and m.endswith(": 1 VM") for m in messages)
    assert any("'CPU.UsagePct.Avg'" in m for m in messages)
    assert any("'RAM.UsedSizeInMB.Avg'" in m for m in messages)
    assert [p.column for p in problems if p.kind == "unmapped_column"] == ["Rack"]


def test_parse_tags_separators_and_keys():
    out = parse_tags(pd.Series(["Environment:test; zone:dmz", None, "plain, owner=ann"]))
    assert out["environment"].tolist()[0] == "test"
    assert out["security_zone"].tolist()[0] == "dmz"
    assert out["owner"].tolist()[2] == "ann"
    assert out["tags"].tolist()[2] == "plain"
    assert out.iloc[1].isna().all()


def test_missing_required_columns():
    with pytest.raises(InputError, match=r"RAM\.TotalSizeInMB"):
        aws_ads.to_raw(table("HostName,CPU.NumberOfCores\na,2\n"), problems=[])


def test_end_to_end(tmp_path):
    path = tmp_path / "ads-import.csv"
    path.write_bytes(("\ufeff" + HEADER + ROWS).encode())
    inv = read_inventory(path)
    assert inv.files[0].format == "aws-ads"
    vms = inv.vms.set_index("name")
    assert vms.loc["pay-app01", "os_name"] == "RHEL" and vms.loc["pay-app01", "os_version"] == "9"
    assert vms.loc["win02.corp", "os_family"] == "windows"
    assert vms.loc["srv-3", "os_family"] == "linux"
    assert inv.vms["vcpus"].sum() == 20.0
