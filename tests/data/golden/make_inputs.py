"""Build the golden test's own inputs in `inputs/`: `python tests/data/golden/make_inputs.py`.

Small files with the quirks the readers must keep handling the same way: an RVTools CSV
folder (from `estimator.sample`, then edited: placeholders, a blank line, quoted newlines),
a European RVTools CSV folder (`;`, decimal commas, cp1252), hand-made sheets with a title
line, units and mixed cells, a workbook whose data starts at B3 with placeholders, custom
attributes and duplicate headers, and one file each for Azure Migrate and AWS.

The files are committed: `golden.py` snapshots what the readers make of them, so they must
not change when `estimator.sample` does. Rerun only to change the inputs on purpose (and
then rewrite the snapshots with `python tests/inventory/golden.py`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"


def _edit_line(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a plain comma CSV (no quoted commas in that line)."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    header = lines[0].split(",")
    cells = lines[line].split(",")
    cells[header.index(column)] = value
    lines[line] = ",".join(cells)
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode())


def rvtools_csv(folder: Path) -> None:
    from estimator.sample import write_sample

    if folder.exists():
        shutil.rmtree(folder)
    write_sample(folder.with_suffix(".csv"), vms=60, seed=5)
    vinfo = folder / "RVTools_tabvInfo.csv"
    _edit_line(vinfo, 3, "CPUs", "n/a")
    _edit_line(vinfo, 5, "Memory", "unknown")
    _edit_line(vinfo, 7, "Active Memory", "-")
    _edit_line(vinfo, 9, "Annotation", '"Owner: Smith, J.\nline two ""quoted"""')
    _edit_line(vinfo, 11, "In Use MiB", "")
    _edit_line(folder / "RVTools_tabvHost.csv", 2, "CPU usage %", "")
    _edit_line(folder / "RVTools_tabvMemory.csv", 4, "Active", "")
    # A blank line between data rows.
    text = vinfo.read_bytes().split(b"\n")
    vinfo.write_bytes(b"\n".join([*text[:15], b"", *text[15:]]))


def rvtools_csv_eu(folder: Path) -> None:
    """A European-locale RVTools CSV export: `;`, decimal commas, cp1252."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    vinfo = (
        "VM;Powerstate;Template;CPUs;Memory;Active Memory;In Use MiB;Provisioned MiB;"
        "Annotation;Datacenter;Cluster;Host;OS according to the configuration file;VM UUID;"
        "VI SDK Server;Kostenstelle\n"
        "app-01;poweredOn;False;2;4096;1024;20480,5;40960;Büro Zürich;DC1;CL1;esx1;"
        "Microsoft Windows Server 2019 (64-bit);u-1;vc1;4711\n"
        "app-02;poweredOff;False;4;8192;0;1,5;2048;Café;DC1;CL1;esx2;"
        "Red Hat Enterprise Linux 8 (64-bit);u-2;vc1;n/a\n"
        "app-03;poweredOn;True;1;1024;;;;;DC1;CL1;esx1;Other Linux (64-bit);u-3;vc1;\n"
    )
    vhost = (
        "Host;Datacenter;Cluster;Speed;HT Active;# CPU;Cores per CPU;# Cores;CPU usage %;"
        "# Memory;Memory usage %;# VMs;# vCPUs;vCPUs per Core\n"
        "esx1;DC1;CL1;2600;True;2;16;32;41;524288;63;2;3;0,09375\n"
        "esx2;DC1;CL1;2600;False;2;16;32;7;524288;12;1;4;0,125\n"
    )
    (folder / "RVTools_tabvInfo.csv").write_bytes(vinfo.encode("cp1252"))
    (folder / "RVTools_tabvHost.csv").write_bytes(vhost.encode("cp1252"))


def generic_eu(path: Path) -> None:
    text = (
        "Name;vCPU;RAM (GB);Disk;OS;Umgebung;CPU %\n"
        "srv-01;2;16;100 GB;Windows Server 2019;prod;45,5\n"
        "srv-02;4;0,5;1,5 TB;Ubuntu 22.04;test;\n"
        "\n"
        "srv-03;zwei;8;;RHEL 8;dev;3\n"
        "srv-04;8;1.024,5;200;Windows Server 2012 R2;prod;100\n"
    )
    path.write_bytes(text.encode("cp1252"))


def generic_title(path: Path) -> None:
    """A title line above the header, ragged rows, quoted delimiters."""
    text = (
        "Server export 2024-05-01\n"
        "name,cpu_count,mem_mib,os,notes\n"
        'vm-a,2,4096,Windows Server 2022,"db, primary"\n'
        "vm-b,1,2048,Debian 12\n"
        "vm-c,4,8192,Rocky Linux 9,,extra\n"
    )
    path.write_bytes(text.encode())


def _sheet(wb: Workbook, name: str, rows: list[list[object]], *, start_row: int = 1,
           start_col: int = 1, formatted_blank_rows: int = 0) -> None:
    ws = wb.create_sheet(name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.cell(row=start_row + r, column=start_col + c, value=value)
    width = max(len(r) for r in rows)
    last = start_row + len(rows)
    for r in range(last, last + formatted_blank_rows):
        for c in range(start_col, start_col + width):
            ws.cell(row=r, column=c).font = Font(bold=True)


def quirks_rvtools(path: Path) -> None:
    """Data from B3, placeholders, custom attributes of every cell type, a duplicate header."""
    wb = Workbook()
    wb.remove(wb.active)
    when = dt.datetime(2024, 3, 1, 12, 30)
    vinfo = [
        ["VM", "Powerstate", "Template", "CPUs", "Memory", "Active Memory", "In Use MB",
         "Provisioned MB", "Annotation", "Datacenter", "Cluster", "Host",
         "OS according to the configuration file", "OS according to the VMware Tools",
         "VM UUID", "VI SDK Server", "Environment", "CostCenter", "Backup", "LastBackup",
         "Annotation", "Folder"],
        ["web-01", "poweredOn", False, 2, 4096, 1024, 10240.5, 20480, "  front end  ", "DC1",
         "CL1", "esx1", "Microsoft Windows Server 2019 (64-bit)", None, "u-1", "vc1", "prod",
         4711, True, when, "second", "/web"],
        ["web-02", "poweredOn", False, "n/a", 4096, "", 5120, 20480, None, "DC1", "CL1",
         "esx1", "Microsoft Windows Server 2019 (64-bit)", None, "u-2", "vc1", "prod",
         "n/a", False, "never", None, "/web"],
        [None] * 22,
        ["db-01", "poweredOff", False, 8, "unknown", 0, 0.25, 40960, "", "DC1", "CL2", "esx2",
         "Red Hat Enterprise Linux 8 (64-bit)", "Red Hat Enterprise Linux 8.6", "u-3", "vc1",
         "test", 42.5, "yes", None, None, None],
        ["tmpl-01", "poweredOff", True, 1, 1024, None, "-", "-", None, "DC1", "CL2", "esx2",
         "Other Linux (64-bit)", None, "u-4", "vc1", None, None, None, None, None, None],
        [1001, "poweredOn", "False", 4.0, 8192.0, 8192, 100, 200, None, "DC1", "CL2", "esx2",
         "Ubuntu Linux (64-bit)", None, None, "vc1", None, None, None, None, None, None],
        ["  ", None, None, None, None, None, None, None, None, None, None, None, None, None,
         None, None, None, None, None, None, None, "/orphan"],
    ]
    _sheet(wb, "vInfo", vinfo, start_row=3, start_col=2, formatted_blank_rows=40)
    _sheet(wb, "vCPU", [
        ["VM", "CPUs", "Max", "Overall", "VM UUID", "VI SDK Server"],
        ["web-01", 2, 5200, 1300, "u-1", "vc1"],
        ["web-02", 2, 5200, "n/a", "u-2", "vc1"],
        ["1001", 4, 10400, 10400, None, "vc1"],
    ])
    _sheet(wb, "vMemory", [
        ["VM", "Size MiB", "Consumed", "Active", "VM UUID", "VI SDK Server"],
        ["web-01", 4096, 3000, 1000, "u-1", "vc1"],
        ["web-02", 4096, 2500, None, "u-2", "vc1"],
        ["db-01", 16384, 0, 0, "u-3", "vc1"],
        [1001, 8192, 8192, 9000, None, "vc1"],
    ])
    _sheet(wb, "vDisk", [["VM", "Disk", "Capacity MiB"], ["web-01", "disk 1", 20480]])
    _sheet(wb, "vHost", [
        ["Host", "Datacenter", "Cluster", "Speed", "HT Active", "# CPU", "Cores per CPU",
         "# Cores", "CPU usage %", "# Memory", "Memory usage %", "# VMs", "# vCPUs",
         "VI SDK Server"],
        ["esx1", "DC1", "CL1", 2600, True, 2, 12, 24, 37, 393216, 58, 2, 4, "vc1"],
        ["esx2", "DC1", "CL2", 2600, False, 2, 12, None, "n/a", 393216, 21.5, 3, 13, "vc1"],
        [None, "DC1", "CL2", None, None, None, None, None, None, None, None, None, None, None],
    ])
    wb.save(path)


def generic_xlsx(path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Servers", [
        ["Server export 2024-05-01", None, None, None, None, None, None],
        ["name", "vcpu", "ram_gb", "os", "env", "mem used (GB)", "Notes"],
        [1001, 2, 8, "Windows Server 2016 Standard", "prod", 4, None],
        ["app-02", "4", "16 GB", "Ubuntu 20.04", "test", 12.5, True],
        ["app-03", 2, "0,5", "CentOS 7", None, "n/a", dt.datetime(2023, 1, 2)],
        ["app-04", None, 4, "SLES 12", "dev", 1, "spare"],
    ])
    _sheet(wb, "Notes", [["remark"], ["this sheet is not read"]])
    wb.save(path)


def azure(path: Path) -> None:
    text = (
        "*Server name,IP addresses,*Cores,*Memory (In MB),*OS name,OS version,OS architecture,"
        "CPU utilization percentage,Memory utilization percentage,Storage in use (In GB),"
        "Disk 1 size (In GB),Disk 2 size (In GB),Cost centre\n"
        "web01,10.0.0.1,4,8192,Windows Server 2016 Datacenter,10.0.14393,x64,45,60,80,100,50,"
        "cc1\n"
        "db01,,8,16384,Ubuntu,20.04.6 LTS,x64,,,,200,,cc2\n"
        "old01,,two,2048,Microsoft Windows Server 2008 R2 Standard,,x64,5.5,,,,,\n"
    )
    path.write_bytes(text.encode())


def aws_ads(path: Path) -> None:
    text = (
        "ExternalId,HostName,VMware.VMName,CPU.NumberOfProcessors,CPU.NumberOfCores,"
        "CPU.NumberOfLogicalCores,OS.Name,OS.Version,RAM.TotalSizeInMB,RAM.UsedSizeInMB.Avg,"
        "RAM.UsedSizeInMB.Max,CPU.UsagePct.Avg,CPU.UsagePct.Max,Tags\n"
        'srv-1,pay-app01.corp,pay-app01,4,8,16,Red Hat Enterprise Linux,9.2,32768,12000,20480,'
        '15,60,"environment:prod, owner:finance"\n'
        "srv-2,win02.corp,,1,2,,Windows Server 2016,,8192,1024,,10,,\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())


def aws_mpa(path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Servers", [
        ["Serverid", "isPhysical", "hypervisor", "HOSTNAME", "osName", "osVersion", "numCpus",
         "numCoresPerCpu", "numThreadsPerCore", "maxCpuUsagePctDec (%)",
         "avgCpuUsagePctDec (%)", "totalRAM (GB)", "maxRamUsagePctDec (%)",
         "avgRamUtlPctDec (%)", "Environment Type", "Storage-Total Disk Size (GB)",
         "Storage-Utilization %"],
        ["s1", False, "VMware", "app01", "Microsoft Windows Server 2019 Standard", None, 2, 2,
         1, 55, 20, 16, 70, 50, "Production", 200, 40],
        ["s2", True, None, "db01", "Red Hat Enterprise Linux", "7.9", 2, 8, 2, None, 10, 256,
         None, None, "Dev", 1000, None],
    ])
    wb.save(path)


def main() -> None:
    INPUTS.mkdir(exist_ok=True)
    rvtools_csv(INPUTS / "rvtools-csv")
    rvtools_csv_eu(INPUTS / "rvtools-csv-eu")
    generic_eu(INPUTS / "generic-eu.csv")
    generic_title(INPUTS / "generic-title.csv")
    quirks_rvtools(INPUTS / "quirks-rvtools.xlsx")
    generic_xlsx(INPUTS / "generic.xlsx")
    azure(INPUTS / "azure.csv")
    aws_ads(INPUTS / "aws-ads.csv")
    aws_mpa(INPUTS / "aws-mpa.xlsx")


if __name__ == "__main__":
    main()
