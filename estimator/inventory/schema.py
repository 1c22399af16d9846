"""The normalised inventory: one glossary of canonical columns, their types and units.

Every reader turns its file into a DataFrame with exactly `VM_COLUMNS` (one row per VM)
and, where the format knows physical hosts, a DataFrame with exactly `HOST_COLUMNS`.
Downstream code (scope, sizing, packing, costs, reports) reads only these names.
`docs/glossary.md` is generated from this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # pandas dtype string
    unit: str  # "" when unit-less
    description: str


# Values `power_state` may take.
POWER_STATES = ("poweredOn", "poweredOff", "suspended", "unknown")
# Values `os_family` may take.
OS_FAMILIES = ("windows", "linux", "other", "unknown")
# Values `usage_source` may take (NA: no usage figure).
USAGE_SOURCES = ("snapshot", "summary", "timeseries")

VM_SCHEMA: tuple[Column, ...] = (
    Column("vm_id", "string", "", "Stable VM key: VM UUID + vCenter UUID when known, "
           "otherwise source file + name. Unique across a merged estate."),
    Column("name", "string", "", "VM or server name as exported."),
    Column("source", "string", "", "File the row came from (file name, not full path)."),
    Column("source_format", "string", "", "Reader that produced the row: rvtools, "
           "rvtools-csv, azure-migrate, aws-ads, aws-mpa, generic."),
    Column("source_sheet", "string", "", "Sheet (xlsx) or file (CSV folder) of the row."),
    Column("source_row", "Int64", "", "1-based row number in the source sheet, header = 1."),
    Column("vcenter", "string", "", "vCenter (VI SDK server or UUID) the VM belongs to."),
    Column("uuid", "string", "", "VM UUID (or external ID) when exported."),
    Column("power_state", "string", "", f"One of {', '.join(POWER_STATES)}."),
    Column("is_template", "boolean", "", "VM is a template, not a running workload."),
    Column("is_srm_placeholder", "boolean", "", "VM is a Site Recovery Manager placeholder."),
    Column("vcpus", "float64", "vCPU", "Configured virtual CPUs."),
    Column("memory_gib", "float64", "GiB", "Configured memory."),
    Column("storage_provisioned_gib", "float64", "GiB", "Provisioned disk capacity."),
    Column("storage_used_gib", "float64", "GiB", "Disk space in use (vPartition consumed, "
           "else In Use)."),
    Column("os_raw", "string", "", "OS string(s) as exported (configuration file, then tools)."),
    Column("os_family", "string", "", f"One of {', '.join(OS_FAMILIES)}."),
    Column("os_name", "string", "", "Normalised OS product, e.g. 'Windows Server', 'RHEL', "
           "'Ubuntu'."),
    Column("os_version", "string", "", "OS version where known, e.g. '2008 R2', '7', '22.04'."),
    Column("os_edition", "string", "", "Edition where known, e.g. 'Standard', 'Datacenter'."),
    Column("os_end_of_support", "boolean", "", "Vendor mainstream/extended support has ended "
           "(NA when the version is unknown)."),
    Column("datacenter", "string", "", "Datacenter (RVTools) or site."),
    Column("cluster", "string", "", "Cluster the VM runs in."),
    Column("host", "string", "", "Physical host the VM runs on."),
    Column("environment", "string", "", "Environment tag (prod, test, dev...) where given."),
    Column("owner", "string", "", "Owner tag where given."),
    Column("security_zone", "string", "", "Security zone tag where given."),
    Column("tags", "string", "", "Other custom attributes as 'key=value; key=value'."),
    Column("annotation", "string", "", "Free-text annotation / notes."),
    Column("cpu_util", "float64", "fraction", "CPU use as a fraction of allocated vCPU "
           "(0..1), NA when unknown. The best peak-like figure the source offers."),
    Column("memory_util", "float64", "fraction", "Memory use as a fraction of allocated "
           "memory (0..1), NA when unknown."),
    Column("memory_active_gib", "float64", "GiB", "vSphere Active memory (RVTools vMemory "
           "'Active', else vInfo 'Active Memory'): what the guest touched recently. NA when "
           "unknown or the VM is not powered on."),
    Column("memory_consumed_gib", "float64", "GiB", "vSphere Consumed memory (RVTools "
           "vMemory 'Consumed'): host memory backing the VM. NA when unknown or the VM is not "
           "powered on."),
    Column("usage_source", "string", "", f"Where `cpu_util` / `memory_util` came from: "
           f"{', '.join(USAGE_SOURCES)}. snapshot = RVTools counters at export time; "
           "summary = a utilisation figure of an assessment import (Azure Migrate, AWS ADS or "
           "MPA, a generic sheet's utilisation or memory-used columns); timeseries = a "
           "per-VM time series (`inventory.timeseries.apply_timeseries`). NA when the VM has "
           "no usage figure."),
    Column("usage_period_days", "float64", "days", "Span of the history behind the usage "
           "figure: last minus first timestamp of the matched time series for timeseries, "
           "NA otherwise."),
)

HOST_SCHEMA: tuple[Column, ...] = (
    Column("host", "string", "", "Physical host name."),
    Column("source", "string", "", "File the row came from."),
    Column("vcenter", "string", "", "vCenter the host belongs to, where known."),
    Column("datacenter", "string", "", "Datacenter."),
    Column("cluster", "string", "", "Cluster."),
    Column("cpu_sockets", "float64", "sockets", "Physical CPU packages (# CPU)."),
    Column("cores_per_socket", "float64", "cores", "Physical cores per CPU."),
    Column("cores", "float64", "cores", "Physical cores in total (# Cores)."),
    Column("memory_gib", "float64", "GiB", "Physical memory."),
    Column("cpu_mhz", "float64", "MHz", "Clock speed per core."),
    Column("vms", "float64", "VMs", "VMs registered on the host, as exported."),
    Column("cpu_usage_fraction", "float64", "fraction", "Host CPU in use at export time "
           "(RVTools vHost 'CPU usage %' / 100)."),
    Column("memory_usage_fraction", "float64", "fraction", "Host memory in use at export "
           "time (RVTools vHost 'Memory usage %' / 100)."),
    Column("hyperthreading", "boolean", "", "Hyper-threading is active (RVTools vHost "
           "'HT Active')."),
    Column("vcpus", "float64", "vCPU", "Virtual CPUs of the VMs on the host (RVTools vHost "
           "'# vCPUs')."),
)

VM_COLUMNS: tuple[str, ...] = tuple(c.name for c in VM_SCHEMA)
HOST_COLUMNS: tuple[str, ...] = tuple(c.name for c in HOST_SCHEMA)


def empty_frame(schema: tuple[Column, ...], index: pd.Index | None = None) -> pd.DataFrame:
    """A frame with every schema column, typed and all-missing, on `index`."""
    index = index if index is not None else pd.RangeIndex(0)
    return pd.DataFrame(
        {c.name: pd.Series(pd.NA if c.dtype != "float64" else np.nan, index=index,
                           dtype=c.dtype) for c in schema}
    )


def conform(frame: pd.DataFrame, schema: tuple[Column, ...]) -> pd.DataFrame:
    """Return `frame` with exactly the schema's columns, in order and typed.

    Missing columns are added as missing values; extra columns are dropped.
    """
    out = empty_frame(schema, frame.index)
    for c in schema:
        if c.name in frame.columns:
            out[c.name] = frame[c.name].astype(c.dtype)
    return out.reset_index(drop=True)


def glossary_markdown() -> str:
    """The glossary table for docs/glossary.md."""
    lines = ["# Glossary of inventory columns", "",
             "Generated from `estimator/inventory/schema.py`; do not edit by hand.", ""]
    for title, schema in (("VMs", VM_SCHEMA), ("Hosts", HOST_SCHEMA)):
        lines += [f"## {title}", "", "| column | type | unit | meaning |", "|---|---|---|---|"]
        lines += [f"| `{c.name}` | {c.dtype} | {c.unit or '–'} | {c.description} |"
                  for c in schema]
        lines.append("")
    return "\n".join(lines)
