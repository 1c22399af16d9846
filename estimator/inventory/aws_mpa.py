"""AWS Migration Portfolio Assessment (MPA) server sheet reader (xlsx sheet or CSV).

Columns: `Serverid`, `isPhysical`, `hypervisor`, `HOSTNAME`, `osName`, `osVersion`,
`numCpus`, `numCoresPerCpu`, `numThreadsPerCore`, `maxCpuUsagePctDec (%)`,
`avgCpuUsagePctDec (%)`, `totalRAM (GB)`, `maxRamUsagePctDec (%)`, `avgRamUtlPctDec (%)`,
`Uptime`, `Environment Type`, `Storage-Total Disk Size (GB)`, `Storage-Utilization %`,
matched ignoring case and spaces.

vCPUs are logical processors: `numCpus` × `numCoresPerCpu` × `numThreadsPerCore`, the
way MPA itself counts them (for a VM exported with one core per CPU and one thread per
core this is just `numCpus`). A blank factor counts as 1 and is reported.

The `...PctDec (%)` columns are a fraction (0-1) in some exports and a percentage (0-100)
in others, as their name suggests both. The scale is judged once over all utilisation
columns of the sheet: any value above 1.5 means percent. The choice is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from estimator.errors import InputError, Problem
from estimator.inventory.generic import RawBuilder, join_os, text
from estimator.inventory.units import parse_number, percent_scale

if TYPE_CHECKING:
    from estimator.inventory.tabular import Table

FORMAT = "aws-mpa"

_FIELDS: dict[str, str] = {
    "serverid": "server_id",
    "hostname": "host_name",
    "osname": "os_name",
    "osversion": "os_version",
    "numcpus": "num_cpus",
    "numcorespercpu": "cores_per_cpu",
    "numthreadspercore": "threads_per_core",
    "maxcpuusagepctdec(%)": "cpu_max",
    "avgcpuusagepctdec(%)": "cpu_avg",
    "totalram(gb)": "ram_gib",
    "maxramusagepctdec(%)": "ram_max",
    "avgramutlpctdec(%)": "ram_avg",
    "avgramusagepctdec(%)": "ram_avg",
    "environmenttype": "environment",
    "storage-totaldisksize(gb)": "storage_gib",
    "storage-utilization%": "storage_util",
    "storage-utilization(%)": "storage_util",
    "isphysical": "is_physical",
    "hypervisor": "hypervisor",
}
_KNOWN_UNUSED = {"uptime", "cpuname", "cpuspeed(ghz)", "ipaddress", "application",
                 "applications", "serialnumber", "manufacturer", "model"}
_SHARES = ("cpu_max", "cpu_avg", "ram_max", "ram_avg", "storage_util")


def _key(header: str) -> str:
    return "".join(str(header).split()).lower()


def matches(headers: Sequence[str]) -> bool:
    """True for an MPA server sheet header."""
    keys = {_key(h) for h in headers}
    return {"numcpus", "totalram(gb)"} <= keys and bool(keys & {"serverid", "hostname"})


def to_raw(table: Table, *, mapping: Mapping[str, str] | None = None,
           problems: list[Problem]) -> pd.DataFrame:
    """Raw canonical rows from an MPA server sheet (the mapping is not used)."""
    b = RawBuilder(table, problems)
    cols: dict[str, str] = {}
    for header in table.headers:
        key = _key(header)
        if key in _FIELDS:
            cols.setdefault(_FIELDS[key], header)
        elif key not in _KNOWN_UNUSED:
            b.unmapped(header)
    if not ({"num_cpus", "ram_gib"} <= cols.keys() and cols.keys() & {"host_name",
                                                                      "server_id"}):
        raise InputError(
            "required columns 'HOSTNAME' (or 'Serverid'), 'numCpus' and 'totalRAM (GB)' "
            f"not all found; headers found: {', '.join(repr(h) for h in table.headers)}",
            file=table.file, sheet=table.sheet, hint="is this an MPA server sheet?")
    raw = b.raw
    name = pd.Series(pd.NA, index=raw.index, dtype="string")
    for field in ("host_name", "server_id"):
        if field in cols:
            name = name.fillna(text(b.cells(cols[field])))
    raw["name"] = name
    if "server_id" in cols:
        raw["uuid"] = text(b.cells(cols["server_id"]))

    # vCPUs = CPUs x cores per CPU x threads per core; blank factors count as 1.
    vcpus = b.number(cols["num_cpus"], required=True)
    for field in ("cores_per_cpu", "threads_per_core"):
        if field not in cols:
            continue
        factor = b.number(cols[field])
        blank = factor.isna() & vcpus.notna()
        b.imputed("vcpus", f"{cols[field]!r} blank, counted as 1", int(blank.sum()))
        vcpus = vcpus * factor.fillna(1.0)
    raw["vcpus"] = vcpus
    raw["memory_gib"] = b.size_gib(cols["ram_gib"], default_unit="GB", required=True)

    if "os_name" in cols or "os_version" in cols:
        os_name = text(b.cells(cols["os_name"])) if "os_name" in cols else None
        os_version = text(b.cells(cols["os_version"])) if "os_version" in cols else None
        raw["os_raw"] = (join_os(os_name, os_version) if os_name is not None
                         and os_version is not None else
                         os_name if os_name is not None else os_version)

    # One scale for every utilisation column of the sheet.
    present = [f for f in _SHARES if f in cols]
    scale = "fraction"
    if present:
        plain = pd.concat([parse_number(b.cells(cols[f]))[0] for f in present],
                          ignore_index=True)
        scale = percent_scale(plain)
        where = ", ".join(repr(cols[f]) for f in present)
        problems.append(Problem(
            "imputed", f"utilisation columns ({where}) read as "
            f"{'percentages (0-100)' if scale == 'percent' else 'fractions (0-1)'}: "
            f"{'a value is above 1.5' if scale == 'percent' else 'no value is above 1.5'}",
            file=table.file, sheet=table.sheet, column=cols[present[0]]))
    shares = {f: b.fraction(cols[f], scale=scale)[0] for f in present}
    for target, peak, avg in (("cpu_util", "cpu_max", "cpu_avg"),
                              ("memory_util", "ram_max", "ram_avg")):
        value = pd.Series(np.nan, index=raw.index)
        if peak in shares:
            value = shares[peak]
        if avg in shares:
            fill = value.isna() & shares[avg].notna()
            value = value.where(~fill, shares[avg])
            b.imputed(target, f"{target} from the average {cols[avg]!r} (no peak)",
                      int(fill.sum()))
        raw[target] = value

    if "storage_gib" in cols:
        raw["storage_provisioned_gib"] = b.size_gib(cols["storage_gib"], default_unit="GB")
        if "storage_util" in shares:
            raw["storage_used_gib"] = raw["storage_provisioned_gib"] * shares["storage_util"]
            b.imputed("storage_used_gib", f"used storage = total disk size x "
                      f"{cols['storage_util']!r}", int(raw["storage_used_gib"].notna().sum()))
    if "environment" in cols:
        raw["environment"] = text(b.cells(cols["environment"]))
    tags = pd.Series(pd.NA, index=raw.index, dtype="string")
    for field, label in (("is_physical", "physical"), ("hypervisor", "hypervisor")):
        if field in cols:
            pair = label + "=" + text(b.cells(cols[field]))
            tags = tags.str.cat(pair, sep="; ").fillna(tags).fillna(pair)
    raw["tags"] = tags
    return b.finish()
