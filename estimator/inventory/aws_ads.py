"""AWS Application Discovery Service (Migration Hub) import CSV reader.

Columns as in AWS's import template (`ExternalId`, `HostName`, `VMware.VMName`,
`CPU.NumberOfLogicalCores`, `RAM.TotalSizeInMB`, `CPU.UsagePct.Max`...), matched
case-insensitively.

vCPUs: `CPU.NumberOfLogicalCores`, else `CPU.NumberOfCores`, else
`CPU.NumberOfProcessors`. AWS's template defines `NumberOfCores` as the *total* number
of physical cores of the server (its example: 4 processors, 8 cores, 16 logical cores),
so it is not multiplied by the processor count. Logical cores are what a VM's vCPUs
correspond to; the fallbacks are reported as imputations.

Usage: `CPU.UsagePct.Max` (percent) else `.Avg`; memory `RAM.UsedSizeInMB.Max` else
`.Avg`, over `RAM.TotalSizeInMB`. Name: `VMware.VMName`, else `HostName`, else
`ExternalId`. The file carries no power state; it is left unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from estimator.errors import InputError, Problem
from estimator.formatting import noun
from estimator.inventory.generic import RawBuilder, join_os, text

if TYPE_CHECKING:
    from estimator.inventory.tabular import Table

FORMAT = "aws-ads"

_FIELDS: dict[str, str] = {
    "externalid": "external_id",
    "smbiosid": "smbios_id",
    "hostname": "host_name",
    "vmware.vmname": "vm_name",
    "vmware.vcenterid": "vcenter",
    "os.name": "os_name",
    "os.version": "os_version",
    "cpu.numberofprocessors": "processors",
    "cpu.numberofcores": "cores",
    "cpu.numberoflogicalcores": "logical_cores",
    "cpu.usagepct.avg": "cpu_avg",
    "cpu.usagepct.max": "cpu_max",
    "ram.totalsizeinmb": "ram_mib",
    "ram.usedsizeinmb.avg": "ram_used_avg_mib",
    "ram.usedsizeinmb.max": "ram_used_max_mib",
    "applications": "applications",
    "tags": "tags",
}
_KNOWN_UNUSED = {"ipaddress", "macaddress", "vmware.morefid", "applicationwave", "serverid",
                 "hypervisor", "servertype"}
_PERF = re.compile(r"^(disk|network)\w*\.(avg|max)$")
_ENV_KEYS = {"environment", "env", "stage", "lifecycle"}
_OWNER_KEYS = {"owner", "contact", "appowner", "applicationowner"}
_ZONE_KEYS = {"securityzone", "zone", "seczone", "networkzone"}


def _key(header: str) -> str:
    return "".join(str(header).split()).lower()


def matches(headers: Sequence[str]) -> bool:
    """True for an ADS import header: RAM size plus a CPU count and a server key."""
    keys = {_key(h) for h in headers}
    cpu = {"cpu.numberoflogicalcores", "cpu.numberofcores", "cpu.numberofprocessors"}
    ident = {"externalid", "hostname", "vmware.vmname"}
    return "ram.totalsizeinmb" in keys and bool(keys & cpu) and bool(keys & ident)


def to_raw(table: Table, *, mapping: Mapping[str, str] | None = None,
           problems: list[Problem]) -> pd.DataFrame:
    """Raw canonical rows from an ADS import table (the mapping is not used)."""
    b = RawBuilder(table, problems)
    cols: dict[str, str] = {}
    for header in table.headers:
        key = _key(header)
        if key in _FIELDS:
            cols.setdefault(_FIELDS[key], header)
        elif not (key in _KNOWN_UNUSED or _PERF.match(key)):
            b.unmapped(header)
    idents = [f for f in ("vm_name", "host_name", "external_id") if f in cols]
    counts = [f for f in ("logical_cores", "cores", "processors") if f in cols]
    if not idents or not counts or "ram_mib" not in cols:
        need = [label for ok, label in (
            (bool(idents), "'VMware.VMName', 'HostName' or 'ExternalId'"),
            (bool(counts), "'CPU.NumberOfLogicalCores' (or NumberOfCores/NumberOfProcessors)"),
            ("ram_mib" in cols, "'RAM.TotalSizeInMB'")) if not ok]
        raise InputError(f"required {noun(len(need), 'column')} missing: {'; '.join(need)}",
                         file=table.file, sheet=table.sheet,
                         hint="is this an AWS ADS import file?")
    raw = b.raw

    # Name: the first identifier a row has.
    name = pd.Series(pd.NA, index=raw.index, dtype="string")
    for ident in idents:
        name = name.fillna(text(b.cells(cols[ident])))
    raw["name"] = name
    for field, target in (("external_id", "uuid"), ("smbios_id", "uuid"),
                          ("vcenter", "vcenter")):
        if field in cols:
            values = text(b.cells(cols[field]))
            raw[target] = raw[target].fillna(values) if target in raw else values

    # vCPUs: logical cores, else total cores, else processors.
    vcpus = pd.Series(np.nan, index=raw.index)
    for field in counts:
        values = b.number(cols[field], required=field == counts[0])
        fill = vcpus.isna() & values.notna()
        vcpus = vcpus.where(~fill, values)
        if field != "logical_cores":
            b.imputed("vcpus", f"vCPUs from {cols[field]!r} (no logical core count)",
                      int(fill.sum()))
    raw["vcpus"] = vcpus
    raw["memory_gib"] = b.size_gib(cols["ram_mib"], default_unit="MiB", required=True)

    if "os_name" in cols or "os_version" in cols:
        os_name = text(b.cells(cols["os_name"])) if "os_name" in cols else None
        os_version = text(b.cells(cols["os_version"])) if "os_version" in cols else None
        raw["os_raw"] = (join_os(os_name, os_version) if os_name is not None
                         and os_version is not None else
                         os_name if os_name is not None else os_version)

    # Usage: peak, else average.
    cpu = pd.Series(np.nan, index=raw.index)
    for field, label in (("cpu_max", "peak"), ("cpu_avg", "average")):
        if field in cols:
            values, _ = b.fraction(cols[field], scale="percent")
            fill = cpu.isna() & values.notna()
            cpu = cpu.where(~fill, values)
            if label == "average":
                b.imputed("cpu_util", f"CPU utilisation from the average {cols[field]!r} "
                          "(no peak)", int(fill.sum()))
    raw["cpu_util"] = cpu
    used = pd.Series(np.nan, index=raw.index)
    for field, label in (("ram_used_max_mib", "peak"), ("ram_used_avg_mib", "average")):
        if field in cols:
            values = b.size_gib(cols[field], default_unit="MiB")
            fill = used.isna() & values.notna()
            used = used.where(~fill, values)
            if label == "average":
                b.imputed("memory_util", f"memory utilisation from the average "
                          f"{cols[field]!r} (no peak)", int(fill.sum()))
    mem = raw["memory_gib"]
    raw["memory_util"] = used / mem.where(mem > 0)

    tags = (parse_tags(text(b.cells(cols["tags"]))) if "tags" in cols
            else pd.DataFrame(index=raw.index))
    for column in ("environment", "owner", "security_zone", "tags"):
        if column in tags:
            raw[column] = tags[column]
    if "applications" in cols:
        apps = "applications=" + text(b.cells(cols["applications"]))
        raw["tags"] = (apps.str.cat(raw["tags"], sep="; ").fillna(apps).fillna(raw["tags"])
                       if "tags" in raw else apps)
    return b.finish()


def parse_tags(values: pd.Series) -> pd.DataFrame:
    """`"key:value, key:value"` (or `key=value; ...`) cells -> environment, owner,
    security_zone and the remaining tags as `"key=value; key=value"`."""
    uniq = values.dropna().unique()
    rows: dict[str, dict[str, str | None]] = {}
    # One parse per distinct tag string; inventories repeat a handful of them.
    for cell in uniq:
        out: dict[str, str | None] = {"environment": None, "owner": None,
                                      "security_zone": None}
        rest: list[str] = []
        for part in re.split(r"[;,]", str(cell)):
            m = re.match(r"\s*([^:=]*?)\s*([:=])\s*(.*?)\s*$", part)
            key, sep, value = m.groups() if m else (part.strip(), "", "")
            if not key:
                continue
            k = re.sub(r"[^a-z]", "", key.lower())
            target = ("environment" if k in _ENV_KEYS else "owner" if k in _OWNER_KEYS
                      else "security_zone" if k in _ZONE_KEYS else None)
            if target and sep and out[target] is None:
                out[target] = value
            else:
                rest.append(f"{key}={value}" if sep else key)
        out["tags"] = "; ".join(rest) or None
        rows[cell] = out
    table = pd.DataFrame.from_dict(rows, orient="index", dtype="string") if rows else \
        pd.DataFrame(columns=["environment", "owner", "security_zone", "tags"], dtype="string")
    return pd.DataFrame({c: values.map(table[c]).astype("string") for c in table.columns},
                        index=values.index)
