"""Azure Migrate "import servers" CSV reader.

Microsoft's template marks required columns with `*` (`*Server name`, `*Cores`,
`*Memory (In MB)`, `*OS name`); older templates spell them without it. Both read the
same: headers are compared after `generic.header_key` (which drops the `*`, case and
punctuation).

Read: cores -> `vcpus`; memory (MB, binary) -> `memory_gib`; `OS name` + `OS version`
-> `os_raw`; `CPU utilization percentage` / `Memory utilization percentage` (0-100) ->
`cpu_util` / `memory_util` fractions; `Storage in use (In GB)` -> `storage_used_gib`;
the sum of `Disk N size (In GB)` -> `storage_provisioned_gib`. The file lists servers
to assess, which are running: every row is set `poweredOn` and that is reported as an
imputation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from estimator.errors import InputError, Problem
from estimator.formatting import noun
from estimator.inventory.generic import RawBuilder, header_key, join_os, text

if TYPE_CHECKING:
    from estimator.inventory.tabular import Table

FORMAT = "azure-migrate"

# header_key -> field. "memory in mb" is "*Memory (In MB)" normalised.
_FIELDS: dict[str, str] = {
    "server name": "name",
    "cores": "vcpus",
    "memory in mb": "memory_mib",
    "os name": "os_name",
    "os version": "os_version",
    "cpu utilization percentage": "cpu_util",
    "memory utilization percentage": "memory_util",
    "storage in use in gb": "storage_used_gib",
    "virtual machine id": "uuid",
    "hypervisor vm id": "uuid",
    "bios guid": "uuid",
    "bios id": "uuid",
}
_REQUIRED = {"name": "*Server name", "vcpus": "*Cores", "memory_mib": "*Memory (In MB)"}
# Template columns the estimate does not need: known, so not reported as unmapped.
_KNOWN_UNUSED = {
    "ip addresses", "os architecture", "server type", "hypervisor",
    "hypervisor version number", "virtual machine manager id", "mac address", "mac addresses",
    "fqdn", "network adapters", "network in throughput", "network out throughput",
    "boot type", "number of disks", "vmfqdn", "vm fqdn", "server fqdn",
}
_DISK_SIZE = re.compile(r"^disk (\d+) size in gb$")
_DISK_PERF = re.compile(r"^disk \d+ (read|write) (throughput|ops)\b")


def matches(headers: Sequence[str]) -> bool:
    """True for an Azure Migrate import header (with or without the `*` marks)."""
    keys = {header_key(h) for h in headers}
    return {"server name", "cores", "memory in mb"} <= keys


def to_raw(table: Table, *, mapping: Mapping[str, str] | None = None,
           problems: list[Problem]) -> pd.DataFrame:
    """Raw canonical rows from an Azure Migrate import table (the mapping is not used)."""
    b = RawBuilder(table, problems)
    cols: dict[str, str] = {}
    disks: list[str] = []
    for header in table.headers:
        key = header_key(header)
        field = _FIELDS.get(key)
        if field is not None and field not in cols:
            cols[field] = header
        elif _DISK_SIZE.match(key):
            disks.append(header)
        elif field is None and not (key in _KNOWN_UNUSED or _DISK_PERF.match(key)):
            b.unmapped(header)
    missing = [label for field, label in _REQUIRED.items() if field not in cols]
    if missing:
        raise InputError(
            f"required {noun(len(missing), 'column')} {', '.join(repr(m) for m in missing)} "
            f"not found; headers found: {', '.join(repr(h) for h in table.headers)}",
            file=table.file, sheet=table.sheet, hint="is this an Azure Migrate import file?")

    raw = b.raw
    raw["name"] = text(b.cells(cols["name"]))
    raw["vcpus"] = b.number(cols["vcpus"], required=True)
    raw["memory_gib"] = b.size_gib(cols["memory_mib"], default_unit="MiB", required=True)
    if "uuid" in cols:
        raw["uuid"] = text(b.cells(cols["uuid"]))
    os_name = text(b.cells(cols["os_name"])) if "os_name" in cols else None
    os_version = text(b.cells(cols["os_version"])) if "os_version" in cols else None
    if os_name is not None and os_version is not None:
        raw["os_raw"] = join_os(os_name, os_version)
    elif os_name is not None or os_version is not None:
        raw["os_raw"] = os_name if os_name is not None else os_version
    for field in ("cpu_util", "memory_util"):
        if field in cols:
            raw[field], _ = b.fraction(cols[field], scale="percent")
    if "storage_used_gib" in cols:
        raw["storage_used_gib"] = b.size_gib(cols["storage_used_gib"], default_unit="GB")
    if disks:
        sizes = pd.concat([b.size_gib(h, default_unit="GB") for h in disks], axis=1)
        raw["storage_provisioned_gib"] = sizes.sum(axis=1, min_count=1).astype("float64")
    raw["power_state"] = pd.Series("poweredOn", index=raw.index, dtype="string")
    b.imputed("power_state", "Azure Migrate import lists running servers: power state set "
              "to poweredOn", len(raw))
    return b.finish()
