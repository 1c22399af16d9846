from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shared_data import IBM_WORKSHOP, KUBEV2V_EXAMPLE1, real_data, write_xlsx

from estimator.errors import InputError, Problem
from estimator.inventory import rvtools
from estimator.inventory.tabular import load_tables

OLD_VINFO = [
    ["VM", "Powerstate", "Template", "CPUs", "Memory", "Provisioned MB", "In Use MB",
     "Cluster", "OS according to the configuration file", "vCenter UUID"],
    ["web1", "poweredOn", "False", 2.0, 4096.0, 10240.0, 5120.0, "C1",
     "Microsoft Windows Server 2012 (64-bit)", "VC-A"],
    ["db1", "poweredOff", "True", 4, 8192, 20480, 1024, "C1", "Red Hat Enterprise Linux 6 (64-bit)",
     "VC-A"],
]

NEW_VINFO = [
    ["VM", "Powerstate", "Template", "SRM Placeholder", "CPUs", "Memory", "Active Memory",
     "Provisioned MiB", "In use MiB", "Annotation", "Environment", "Owner", "Security Zone",
     "Backup Policy", "OS according to the configuration file",
     "OS according to the VMware Tools", "VM UUID", "VI SDK Server", "VI SDK UUID"],
    ["app", "poweredOn", "False", "False", 4.0, 8192.0, 2048.0, 51200.0, 10240.0, "note",
     "prod", "alice", "dmz", "gold", "Ubuntu Linux (64-bit)", "Ubuntu 22.04", "u-1",
     "vc1.example", "VCU-1"],
    ["app", "poweredOn", "False", "False", 2.0, 4096.0, "", 51200.0, 10240.0, "", "test", "",
     "", "", "", "Microsoft Windows Server 2019 (64-bit)", "u-2", "vc2.example", "VCU-2"],
]

VCPU = [["VM", "CPUs", "Max", "Overall", "VM UUID", "VI SDK Server"],
        ["app", 4.0, 8000.0, 2000.0, "u-1", "vc1.example"],
        ["app", 2.0, 4000.0, 3000.0, "u-2", "vc2.example"]]
VMEM = [["VM", "Size MiB", "Consumed", "Active", "VM UUID", "VI SDK Server"],
        ["app", 8192.0, 4096.0, 1024.0, "u-1", "vc1.example"],
        ["app", 4096.0, 2048.0, "", "u-2", "vc2.example"]]
VPART = [["VM", "Disk", "Capacity MiB", "Consumed MiB", "VM UUID", "VI SDK Server"],
         ["app", "/", 10240.0, 1024.0, "u-1", "vc1.example"],
         ["app", "/var", 10240.0, 3072.0, "u-1", "vc1.example"]]
VHOST = [["Host", "Datacenter", "Cluster", "Speed", "# CPU", "Cores per CPU", "# Cores",
          "# Memory", "# VMs", "VI SDK Server"],
         ["esx1", "DC", "C1", 2600.0, 2.0, 16.0, 32.0, 524288.0, 20.0, "vc1.example"],
         ["esx2", "DC", "C1", 2600.0, 2.0, 12.0, "", 262144.0, 10.0, "vc1.example"]]


def read(tmp_path: Path, sheets: dict, **kw: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                           list[Problem]]:
    path = write_xlsx(tmp_path / "rv.xlsx", sheets, **kw)
    problems: list[Problem] = []
    raw, hosts = rvtools.read_tables(load_tables(path), problems=problems)
    return raw, hosts, problems


def test_old_layout_mb_headers_are_mib(tmp_path: Path) -> None:
    raw, hosts, _ = read(tmp_path, {"vInfo": OLD_VINFO}, formatted_blank_rows=300)
    assert len(raw) == 2
    assert raw["memory_gib"].tolist() == [4.0, 8.0]
    assert raw["storage_provisioned_gib"].tolist() == [10.0, 20.0]
    assert raw["storage_used_gib"].tolist() == [5.0, 1.0]
    assert raw["vcpus"].tolist() == [2.0, 4.0]
    assert raw["is_template"].tolist() == [False, True]
    assert raw["vcenter"].tolist() == ["vc-a", "vc-a"]  # vCenter UUID before 3.9
    assert raw["source_row"].tolist() == [2, 3]
    assert len(hosts) == 0


def test_new_layout_attributes_usage_and_joins_by_uuid(tmp_path: Path) -> None:
    raw, hosts, problems = read(tmp_path, {"vInfo": NEW_VINFO, "vCPU": VCPU, "vMemory": VMEM,
                                           "vPartition": VPART, "vHost": VHOST})
    first, second = raw.iloc[0], raw.iloc[1]
    # Same VM name in two vCenters: joined by UUID, not mixed up.
    assert first["cpu_util"] == pytest.approx(0.25)
    assert second["cpu_util"] == pytest.approx(0.75)
    assert first["memory_util"] == pytest.approx(1024 / 8192)  # vMemory Active
    assert second["memory_util"] == pytest.approx(2048 / 4096)  # Consumed fallback
    assert first["storage_used_gib"] == pytest.approx(4.0)  # vPartition summed
    assert second["storage_used_gib"] == pytest.approx(10.0)  # vInfo In use MiB
    assert first["environment"] == "prod" and first["owner"] == "alice"
    assert first["security_zone"] == "dmz"
    assert first["tags"] == "Backup Policy=gold"
    assert pd.isna(second["tags"])
    assert first["annotation"] == "note"
    assert first["uuid"] == "u-1" and first["vcenter"] == "vc1.example"
    assert first["os_tools_raw"] == "Ubuntu 22.04"
    assert pd.isna(second["os_raw"])
    messages = [p.message for p in problems if p.kind == "imputed"]
    assert any("vMemory 'Active'" in m and m.endswith(": 1 VM") for m in messages)
    assert any("vMemory 'Consumed'" in m and m.endswith(": 1 VM") for m in messages)
    assert any("'Overall' / 'Max'" in m and m.endswith(": 2 VMs") for m in messages)
    assert any("vPartition 'Consumed MiB'" in m and m.endswith(": 1 VM") for m in messages)
    assert any(m.endswith("vInfo 'In Use MiB' (not in vPartition): 1 VM") for m in messages)
    assert hosts["host"].tolist() == ["esx1", "esx2"]
    assert hosts["cores"].tolist() == [32.0, 24.0]  # # Cores blank: sockets x cores/CPU
    assert hosts["memory_gib"].tolist() == [512.0, 256.0]
    assert hosts["vcenter"].tolist() == ["vc1.example", "vc1.example"]


def test_vinfo_active_memory_used_when_vmemory_missing(tmp_path: Path) -> None:
    raw, _, problems = read(tmp_path, {"vInfo": NEW_VINFO})
    assert raw["memory_util"].iloc[0] == pytest.approx(0.25)
    assert np.isnan(raw["memory_util"].iloc[1])
    assert np.isnan(raw["cpu_util"]).all()
    assert any("vInfo 'Active Memory'" in p.message for p in problems)


def test_join_by_name_when_no_uuid_and_repeated_names_not_guessed(tmp_path: Path) -> None:
    vinfo = [["VM", "Powerstate", "CPUs", "Memory"], ["a", "poweredOn", 2, 1024],
             ["b", "poweredOn", 2, 1024], ["b", "poweredOn", 2, 1024]]
    vcpu = [["VM", "Max", "Overall"], ["a", 1000, 500], ["b", 1000, 100]]
    raw, _, _ = read(tmp_path, {"vInfo": vinfo, "vCPU": vcpu})
    assert raw["cpu_util"].iloc[0] == pytest.approx(0.5)
    assert raw["cpu_util"].iloc[1:].isna().all()


def test_usage_only_for_running_vms(tmp_path: Path) -> None:
    vinfo = [["VM", "Powerstate", "CPUs", "Memory"], ["off", "poweredOff", 2, 1024]]
    vcpu = [["VM", "Max", "Overall"], ["off", 1000, 0]]
    raw, _, _ = read(tmp_path, {"vInfo": vinfo, "vCPU": vcpu})
    assert np.isnan(raw["cpu_util"].iloc[0])


def test_placeholder_text_rejects_required_and_warns_optional(tmp_path: Path) -> None:
    vinfo = [["VM", "Powerstate", "CPUs", "Memory", "In Use MiB"],
             ["a", "poweredOn", "placeholder", 1024, 100],
             ["b", "poweredOn", 2, 1024, "n/a"]]
    raw, _, problems = read(tmp_path, {"vInfo": vinfo})
    assert raw["_reject_reason"].iloc[0] == "CPUs is not a number: 'placeholder'"
    assert raw["_reject_column"].iloc[0] == "CPUs"
    assert pd.isna(raw["_reject_reason"].iloc[1])
    assert np.isnan(raw["storage_used_gib"].iloc[1])
    [warning] = [p for p in problems if p.kind == "warning"]
    assert warning.column == "In Use MiB" and "'n/a'" in warning.message


def test_blank_vinfo_counts_filled_from_vcpu_and_vmemory(tmp_path: Path) -> None:
    vinfo = [["VM", "Powerstate", "CPUs", "Memory"], ["a", "poweredOn", None, None],
             ["b", "poweredOn", 1, 512]]
    vcpu = [["VM", "CPUs"], ["a", 8.0], ["b", 1]]
    vmem = [["VM", "Size MiB"], ["a", 16384.0], ["b", 512]]
    raw, _, problems = read(tmp_path, {"vInfo": vinfo, "vCPU": vcpu, "vMemory": vmem})
    assert raw["vcpus"].tolist() == [8.0, 1.0]
    assert raw["memory_gib"].tolist() == [16.0, 0.5]
    assert [p.sheet for p in problems if "blank in vInfo" in p.message] == ["vCPU", "vMemory"]


def test_missing_required_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'CPUs'") as info:
        read(tmp_path, {"vInfo": [["VM", "Memory"], ["a", 1]]})
    assert info.value.sheet == "vInfo"


def test_no_vinfo_sheet(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no vInfo sheet"):
        read(tmp_path, {"vHost": VHOST})


def test_matches_header_case_insensitively() -> None:
    assert rvtools.matches(["vm", "POWERSTATE", "cpus", " Memory "])
    assert not rvtools.matches(["Server name", "Cores", "Memory (In MB)"])


def test_ibm_sizing_workshop_real_export() -> None:
    problems: list[Problem] = []
    raw, hosts = rvtools.read_tables(load_tables(real_data(*IBM_WORKSHOP)), problems=problems)
    assert len(raw) == 805
    assert (raw["power_state"] == "poweredOff").sum() == 42
    assert raw["is_template"].sum() == 10
    assert len(hosts) == 34
    assert hosts["cores"].sum() == 528
    assert raw["storage_used_gib"].notna().all()


def test_kubev2v_example1_new_layout_libreoffice() -> None:
    problems: list[Problem] = []
    raw, hosts = rvtools.read_tables(load_tables(real_data(*KUBEV2V_EXAMPLE1)),
                                     problems=problems)
    assert len(raw) == 9
    assert (raw["power_state"] == "poweredOn").sum() == 3
    assert raw["os_raw"].isna().sum() == 1
    # vm-9 has blank CPUs/Memory in vInfo; vCPU/vMemory give 18 vCPU and 40 GiB.
    last = raw.iloc[-1]
    assert (last["name"], last["vcpus"], last["memory_gib"]) == ("vm-9", 18.0, 40.0)
    assert raw["cpu_util"].notna().sum() == 3
    assert len(hosts) == 7


# --- the evidence columns for sizing (memory figures, usage source, host usage) -----------


def test_ibm_vhost_usage_hyperthreading_and_vcpus() -> None:
    """Old layout: vHost has CPU usage %, Memory usage %, HT Active and # vCPUs; no vMemory."""
    problems: list[Problem] = []
    raw, hosts = rvtools.read_tables(load_tables(real_data(*IBM_WORKSHOP)), problems=problems)
    host = hosts.set_index("host").loc["vmsp-01"]  # hand-checked in the workbook, row 2
    assert host["cpu_usage_fraction"] == pytest.approx(0.38)
    assert host["memory_usage_fraction"] == pytest.approx(0.50)
    assert host["hyperthreading"] is True or host["hyperthreading"] == True  # noqa: E712
    assert host["vcpus"] == 38.0
    assert hosts["hyperthreading"].eq(True).all()
    assert hosts["vcpus"].sum() == 2474.0
    assert hosts.set_index("host").loc["vmsp-03", "memory_usage_fraction"] == pytest.approx(0.69)
    # No vMemory tab and no vInfo Active Memory column: no memory figures, no usage at all.
    assert raw["memory_active_gib"].isna().all() and raw["memory_consumed_gib"].isna().all()
    assert raw["usage_source"].isna().all()


def test_kubev2v_vmemory_active_and_consumed() -> None:
    """New layout: vMemory Active and Consumed (MiB) for the three powered-on VMs."""
    problems: list[Problem] = []
    raw, hosts = rvtools.read_tables(load_tables(real_data(*KUBEV2V_EXAMPLE1)),
                                     problems=problems)
    vms = raw.set_index("name")
    assert vms.loc["vm-3", "memory_active_gib"] == pytest.approx(286 / 1024)
    assert vms.loc["vm-3", "memory_consumed_gib"] == pytest.approx(3103 / 1024)
    assert vms.loc["vm-8", "memory_active_gib"] == 10.0
    assert vms.loc["vm-8", "memory_consumed_gib"] == pytest.approx(41136 / 1024)
    assert vms.loc["vm-9", "memory_active_gib"] == pytest.approx(9830 / 1024)
    off = vms["power_state"] == "poweredOff"
    assert vms.loc[off, ["memory_active_gib", "memory_consumed_gib"]].isna().all().all()
    assert vms.loc[~off, "usage_source"].eq("snapshot").all()
    assert vms.loc[off, "usage_source"].isna().all()
    esx = hosts.set_index("host").loc["10.17.135.71"]
    assert (esx["cpu_usage_fraction"], esx["memory_usage_fraction"], esx["vcpus"]) == (
        pytest.approx(0.14), pytest.approx(0.36), 39.0)


def csv_folder(tmp_path: Path, tabs: dict[str, str]) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    for tab, text in tabs.items():
        (folder / f"RVTools_tab{tab}.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    return folder


def read_folder(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    problems: list[Problem] = []
    return rvtools.read_tables(load_tables(folder, sheet_filter=rvtools.sheets_to_read,
                                           column_filter=rvtools.columns_to_read),
                               problems=problems)


def test_csv_folder_memory_figures_prefer_vmemory_then_vinfo(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path, {
        "vInfo": "VM,Powerstate,CPUs,Memory,Active Memory,VM UUID,VI SDK Server\n"
                 "a,poweredOn,2,4096,512,u-a,vc\n"      # vMemory wins
                 "b,poweredOn,2,4096,1536,u-b,vc\n"     # no vMemory Active: vInfo's
                 "c,poweredOff,2,4096,100,u-c,vc\n"     # not running: no figures
                 "d,suspended,2,4096,100,u-d,vc\n"
                 "e,poweredOn,2,4096,,u-e,vc\n",        # no vMemory row: nothing
        "vMemory": "VM,Size MiB,Consumed,Active,VM UUID,VI SDK Server\n"
                   "a,4096,3072,1024,u-a,vc\n"
                   "b,4096,2048,,u-b,vc\n"
                   "c,4096,1000,100,u-c,vc\n"
                   "d,4096,1000,-1,u-d,vc\n",
    })
    raw, _ = read_folder(folder)
    vms = raw.set_index("name")
    assert vms["memory_active_gib"].tolist()[:2] == [1.0, 1.5]
    assert vms["memory_consumed_gib"].tolist()[:2] == [3.0, 2.0]
    assert vms.loc[["c", "d", "e"], ["memory_active_gib", "memory_consumed_gib"]].isna().all(
        ).all()
    # memory_util itself is unchanged: Active over the size.
    assert vms.loc["a", "memory_util"] == 0.25 and vms.loc["b", "memory_util"] == 0.375
    assert vms["usage_source"].fillna("-").tolist() == ["snapshot", "snapshot", "-", "-", "-"]


def test_csv_folder_vhost_usage_columns(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path, {
        "vInfo": "VM,Powerstate,CPUs,Memory\na,poweredOn,2,4096\n",
        "vHost": "Host,# CPU,Cores per CPU,# Cores,CPU Usage %,# Memory,MEMORY USAGE %,"
                 "HT Active,# vCPUs\n"
                 "esx1,2,8,16,41,131072,63.5,True,24\n"
                 "esx2,2,8,16,,131072,n/a,False,\n",
    })
    _, hosts = read_folder(folder)
    assert hosts["cpu_usage_fraction"].tolist()[0] == pytest.approx(0.41)
    assert hosts["memory_usage_fraction"].tolist()[0] == pytest.approx(0.635)
    assert hosts["cpu_usage_fraction"].isna().tolist() == [False, True]
    assert hosts["memory_usage_fraction"].isna().tolist() == [False, True]
    assert hosts["hyperthreading"].tolist() == [True, False]
    assert hosts["vcpus"].tolist()[0] == 24.0 and np.isnan(hosts["vcpus"].tolist()[1])


def test_vhost_without_the_new_columns_gives_na(tmp_path: Path) -> None:
    _, hosts, _ = read(tmp_path, {"vInfo": OLD_VINFO, "vHost": VHOST})
    assert hosts[["cpu_usage_fraction", "memory_usage_fraction", "vcpus"]].isna().all().all()
    assert hosts["hyperthreading"].isna().all()
