import io

import numpy as np
import pandas as pd
import pytest

from estimator.errors import InputError, Problem
from estimator.inventory import aws_mpa, read_inventory
from estimator.inventory.tabular import Table

HEADER = ("Serverid,isPhysical,hypervisor,HOSTNAME,osName,osVersion,numCpus,numCoresPerCpu,"
          "numThreadsPerCore,maxCpuUsagePctDec (%),avgCpuUsagePctDec (%),totalRAM (GB),"
          "maxRamUsagePctDec (%),avgRamUtlPctDec (%),Uptime,Environment Type,"
          "Storage-Total Disk Size (GB),Storage-Utilization %,Rack\n")
PERCENT_ROWS = (
    "s1,FALSE,VMware,app01,Microsoft Windows Server 2019 Standard,,2,2,1,55,20,16,70,50,100,"
    "Production,200,40,r1\n"
    "s2,TRUE,,db01,Red Hat Enterprise Linux,7.9,2,8,2,,10,256,,,100,Dev,1000,,r2\n"
    "s3,FALSE,VMware,,CentOS,7,4,,,1,0.5,8,1,1,,Test,,,\n"
)
FRACTION_ROWS = (
    "s1,FALSE,VMware,app01,Ubuntu,22.04,4,1,1,0.55,0.2,16,0.7,0.5,100,Prod,100,0.4,\n"
    "s2,FALSE,VMware,app02,Ubuntu,22.04,2,1,1,0.05,0.01,8,,0.2,100,Prod,100,,\n"
)


def table(csv: str) -> Table:
    frame = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False).replace("", None)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return Table(file="mpa.csv", sheet=None, frame=frame, header_row=1)


def test_matches():
    assert aws_mpa.matches(HEADER.strip().split(","))
    assert not aws_mpa.matches(["HOSTNAME", "numCpus"])
    assert not aws_mpa.matches(["name", "vcpu", "ram_gb"])


def test_percent_scale_fields_and_vcpu_product():
    problems: list[Problem] = []
    raw = aws_mpa.to_raw(table(HEADER + PERCENT_ROWS), problems=problems)
    assert raw["name"].tolist() == ["app01", "db01", "s3"]
    assert raw["uuid"].tolist() == ["s1", "s2", "s3"]
    # numCpus x numCoresPerCpu x numThreadsPerCore; blanks count as 1
    assert raw["vcpus"].tolist() == [4.0, 32.0, 4.0]
    assert raw["memory_gib"].tolist() == [16.0, 256.0, 8.0]
    # judged percent for the whole sheet, so s3's "1" is 1 %, not 100 %
    assert raw["cpu_util"].tolist() == pytest.approx([0.55, 0.10, 0.01])
    assert raw["memory_util"].iloc[0] == pytest.approx(0.7)
    assert np.isnan(raw["memory_util"].iloc[1])
    assert raw["storage_provisioned_gib"].tolist()[:2] == [200.0, 1000.0]
    assert raw["storage_used_gib"].iloc[0] == pytest.approx(80.0)
    assert raw["environment"].tolist() == ["Production", "Dev", "Test"]
    assert raw["os_raw"].tolist() == ["Microsoft Windows Server 2019 Standard",
                                      "Red Hat Enterprise Linux 7.9", "CentOS 7"]
    assert raw["tags"].tolist()[0] == "physical=FALSE; hypervisor=VMware"
    scale = [p for p in problems if p.kind == "imputed" and "percentages" in p.message]
    assert len(scale) == 1 and "above 1.5" in scale[0].message
    blanks = [p.message for p in problems if p.kind == "imputed" and "counted as 1" in p.message]
    assert len(blanks) == 2 and all(m.endswith(": 1 VM") for m in blanks)
    assert [p.column for p in problems if p.kind == "unmapped_column"] == ["Rack"]


def test_fraction_scale_is_kept_and_reported():
    problems: list[Problem] = []
    raw = aws_mpa.to_raw(table(HEADER + FRACTION_ROWS), problems=problems)
    assert raw["cpu_util"].tolist() == pytest.approx([0.55, 0.05])
    assert raw["memory_util"].tolist() == pytest.approx([0.7, 0.2])  # avg when no max
    assert raw["storage_used_gib"].iloc[0] == pytest.approx(40.0)
    assert any("fractions (0-1)" in p.message for p in problems if p.kind == "imputed")
    assert any("'avgRamUtlPctDec (%)'" in p.message for p in problems if p.kind == "imputed")


def test_missing_required_columns():
    with pytest.raises(InputError, match="numCpus"):
        aws_mpa.to_raw(table("HOSTNAME,totalRAM (GB)\na,4\n"), problems=[])


def test_end_to_end_xlsx_with_other_sheets(tmp_path):
    path = tmp_path / "mpa.xlsx"
    servers = pd.read_csv(io.StringIO(HEADER + PERCENT_ROWS), dtype=str, keep_default_na=False)
    for c in ("numCpus", "totalRAM (GB)"):
        servers[c] = servers[c].astype(int)
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"About": ["MPA export"]}).to_excel(xl, sheet_name="Info", index=False)
        servers.to_excel(xl, sheet_name="Servers", index=False)
    inv = read_inventory(path)
    assert inv.files[0].format == "aws-mpa"
    vms = inv.vms.set_index("name")
    assert vms.loc["app01", "os_version"] == "2019" and vms.loc["app01", "os_edition"] == \
        "Standard"
    assert vms.loc["db01", "os_name"] == "RHEL"
    assert vms.loc["s3", "os_name"] == "CentOS" and bool(vms.loc["s3", "os_end_of_support"])
    assert inv.vms["source_sheet"].tolist() == ["Servers"] * 3
