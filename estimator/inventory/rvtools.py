"""RVTools reader: vInfo (required), vCPU, vMemory, vPartition and vHost (optional).

Works for the workbook and for the per-tab CSV export, and for old and new layouts:
`... MB` and `... MiB` headers (values are MiB under both), any header case, `vCenter UUID`
(before 3.9) or `VI SDK UUID`, float-typed counts from LibreOffice, literal text where a
number should be, blank formatted rows.

Sheets are joined to vInfo by VM UUID (+ vCenter) when both carry it, else by VM name
(+ vCenter). Usage is taken from vCPU (`Overall` / `Max` MHz) and from vMemory
(`Active`, else vInfo `Active Memory`, else vMemory `Consumed`, against the size); used
disk from vPartition `Consumed` summed per VM, else vInfo `In Use`. Usage is only read for
powered-on VMs: a stopped VM's zero is not a measurement. It is one snapshot, taken when
the export ran (`usage_source` "snapshot").

The memory figures themselves are kept for sizing to weigh: `memory_active_gib` (vMemory
`Active`, else vInfo `Active Memory`) and `memory_consumed_gib` (vMemory `Consumed`), also
for powered-on VMs only. From vHost: cores, memory, clock, `CPU usage %` and `Memory usage
%` (as fractions), `HT Active` and `# vCPUs`. The old layout (ESXi 6, e.g. the IBM sizing
workshop export) has these vHost columns but no vMemory tab; the new one (vCenter 8) has
both.

Only the columns listed here (and vInfo's custom attributes) are read: `columns_to_read`
tells the loaders, which then skip converting the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from estimator.errors import InputError, Problem
from estimator.formatting import noun, plural
from estimator.inventory.tabular import Table

FORMAT = "rvtools"
MIB_PER_GIB = 1024.0

# Normalised header (lower case, single spaces, "mb" read as "mib") -> field.
_VINFO_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("vm", "vm name"),
    "power_state": ("powerstate", "power state"),
    "is_template": ("template",),
    "is_srm_placeholder": ("srm placeholder",),
    "vcpus": ("cpus", "num cpu"),
    "memory_mib": ("memory", "memory mib"),
    "active_memory_mib": ("active memory", "active memory mib"),
    "provisioned_mib": ("provisioned mib",),
    "total_disk_mib": ("total disk capacity mib",),
    "in_use_mib": ("in use mib",),
    "os_config": ("os according to the configuration file",),
    "os_tools": ("os according to the vmware tools",),
    "datacenter": ("datacenter",),
    "cluster": ("cluster",),
    "host": ("host",),
    "annotation": ("annotation",),
    "uuid": ("vm uuid",),
    "vcenter_server": ("vi sdk server",),
    "vcenter_uuid": ("vi sdk uuid", "vcenter uuid"),
}
_REQUIRED = {"name": "VM", "vcpus": "CPUs", "memory_mib": "Memory"}

# Every other standard vInfo column across RVTools 3.x-4.x; anything else is a custom
# attribute (environment, owner, zone, free tags).
_VINFO_STANDARD = {
    "config status", "dns name", "connection state", "guest state", "heartbeat",
    "consolidation needed", "poweron", "suspended to memory", "suspend time",
    "suspend interval", "creation date", "change version", "overall cpu readiness", "nics",
    "disks", "fixed passthru hotplug", "min required evc mode key", "latency sensitivity",
    "op notification timeout", "enableuuid", "cbt", "primary ip address", "num monitors",
    "video ram kib", "video ram kb", "resource pool", "folder id", "folder", "vapp",
    "das protection", "ft state", "ft role", "ft latency", "ft bandwidth", "ft sec. latency",
    "vm failover in progress", "unshared mib", "ha restart priority", "ha isolation response",
    "ha vm monitoring", "cluster rule(s)", "cluster rule name(s)", "boot required",
    "boot delay", "boot retry delay", "boot retry enabled", "boot bios setup",
    "reboot poweroff", "efi secure boot", "firmware", "hw version", "hw upgrade status",
    "hw upgrade policy", "hw target", "path", "log directory", "snapshot directory",
    "suspend directory", "customization info", "guest detailed data", "vm id", "smbios uuid",
    "vi sdk server type", "vi sdk api version", "tools", "tools version", "tools upgradeable",
    "internal sort column", "object id", "vm version", "guest os", "num virtual disks",
    "cpu hot add", "memory hot add", "vcpu hot add", "vmx path", "instance uuid",
}
_NETWORK_COL = re.compile(r"^network #\d+$")
_ENV_KEYS = {"environment", "env", "stage", "environmenttype"}
_OWNER_KEYS = {"owner", "contact", "vmowner", "applicationowner", "owneremail"}
_ZONE_KEYS = {"securityzone", "zone", "networkzone", "seczone"}

_VCPU_FIELDS = {"name": ("vm",), "vcpus": ("cpus",), "max_mhz": ("max",),
                "overall_mhz": ("overall",), "uuid": ("vm uuid",),
                "vcenter_server": ("vi sdk server",), "vcenter_uuid": ("vi sdk uuid",
                                                                        "vcenter uuid")}
_VMEM_FIELDS = {"name": ("vm",), "size_mib": ("size mib",), "active_mib": ("active",),
                "consumed_mib": ("consumed",), "uuid": ("vm uuid",),
                "vcenter_server": ("vi sdk server",), "vcenter_uuid": ("vi sdk uuid",
                                                                        "vcenter uuid")}
_VPART_FIELDS = {"name": ("vm",), "consumed_mib": ("consumed mib",), "uuid": ("vm uuid",),
                 "vcenter_server": ("vi sdk server",), "vcenter_uuid": ("vi sdk uuid",
                                                                         "vcenter uuid")}
_VHOST_FIELDS = {"host": ("host",), "datacenter": ("datacenter",), "cluster": ("cluster",),
                 "cpu_sockets": ("# cpu",), "cores_per_socket": ("cores per cpu",),
                 "cores": ("# cores",), "memory_mib": ("# memory",), "cpu_mhz": ("speed",),
                 "vms": ("# vms",), "cpu_usage_pct": ("cpu usage %", "cpu usage (%)"),
                 "memory_usage_pct": ("memory usage %", "memory usage (%)"),
                 "hyperthreading": ("ht active", "hyperthreading active"),
                 "vcpus": ("# vcpus", "#vcpus", "num vcpus"),
                 "vcenter_server": ("vi sdk server",),
                 "vcenter_uuid": ("vi sdk uuid", "vcenter uuid")}

# Tab (lower case) -> every header alias its fields use.
_ALIASES: dict[str, frozenset[str]] = {
    tab: frozenset(a for aliases in fields.values() for a in aliases)
    for tab, fields in (("vinfo", _VINFO_FIELDS), ("vcpu", _VCPU_FIELDS),
                        ("vmemory", _VMEM_FIELDS), ("vpartition", _VPART_FIELDS),
                        ("vhost", _VHOST_FIELDS))
}

_TRUE = {"true", "yes", "y", "1", "1.0", "x"}
_FALSE = {"false", "no", "n", "0", "0.0"}


# The tabs this reader uses; an export's other tabs (vDisk, vNetwork, vHealth...) are skipped.
SHEETS_USED: tuple[str, ...] = ("vinfo", "vcpu", "vmemory", "vpartition", "vhost")


def sheets_to_read(names: Sequence[str]) -> list[str]:
    """Only the RVTools tabs this reader uses when the workbook has vInfo; else all."""
    if not any(n.lower() == "vinfo" for n in names):
        return list(names)
    return [n for n in names if n.lower() in SHEETS_USED]


def columns_to_read(sheet: str | None, header: str) -> bool:
    """Whether this reader uses column `header` of tab `sheet`: the located fields, and
    vInfo's custom attributes. Every column of a sheet that is not one of its tabs."""
    aliases = _ALIASES.get((sheet or "").lower())
    if aliases is None:
        return True
    return norm_header(header) in aliases or (
        sheet is not None and sheet.lower() == "vinfo" and not _standard(header))


def norm_header(header: str) -> str:
    """Lower case, single spaces, and `MB` read as `MiB` (RVTools meant MiB in both)."""
    key = " ".join(str(header).lower().split())
    return re.sub(r"\bmb\b", "mib", key)


def matches(headers: Sequence[str]) -> bool:
    """True for an RVTools vInfo header."""
    keys = {norm_header(h) for h in headers}
    return {"vm", "cpus", "memory"} <= keys and bool(
        keys & {"powerstate", "os according to the configuration file", "vi sdk server"})


def to_raw(table: Table, *, mapping: Mapping[str, str] | None = None,
           problems: list[Problem]) -> pd.DataFrame:
    """The vInfo table alone, as raw canonical rows (see `read_tables` for all sheets)."""
    raw, _ = read_tables([table], problems=problems, vinfo=table)
    return raw


def find_vinfo(tables: Sequence[Table]) -> Table | None:
    """The vInfo sheet (by name, else by header)."""
    for t in tables:
        if t.sheet and t.sheet.lower() == "vinfo":
            return t
    return next((t for t in tables if matches(t.headers)), None)


def read_tables(
    tables: Sequence[Table], *, problems: list[Problem], vinfo: Table | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All RVTools sheets of one export -> (raw canonical VM rows, host rows).

    The host frame has `HOST_COLUMNS` except `source` (the caller knows the file).
    """
    vinfo = vinfo or find_vinfo(tables)
    if vinfo is None:
        names = ", ".join(repr(t.sheet) for t in tables if t.sheet) or "none"
        raise InputError(f"no vInfo sheet (sheets: {names})", file=tables[0].file,
                         hint="RVTools exports need the vInfo tab")
    by_sheet = {t.sheet.lower(): t for t in tables if t.sheet and t is not vinfo}
    raw = _read_vinfo(vinfo, problems)
    running = _running(raw["power_state"])

    # vCPU: fill missing counts, CPU usage.
    cpu_util = pd.Series(np.nan, index=raw.index)
    if (t := by_sheet.get("vcpu")) is not None:
        f = _fields(t, _VCPU_FIELDS, problems)
        if "name" in f:
            match = _Match(raw, f)
            vcpus = match.take(f["vcpus"]) if "vcpus" in f else None
            if vcpus is not None:
                fill = raw["vcpus"].isna() & vcpus.notna() & raw["_reject_reason"].isna()
                raw.loc[fill, "vcpus"] = vcpus[fill]
                _imputed(problems, t, int(fill.sum()), "vcpus",
                         "vCPUs blank in vInfo, taken from vCPU 'CPUs'")
            if {"max_mhz", "overall_mhz"} <= f.keys():
                max_mhz = match.take(f["max_mhz"])
                overall = match.take(f["overall_mhz"])
                cpu_util = (overall / max_mhz.where(max_mhz > 0)).where(running)
    raw["cpu_util"] = cpu_util.clip(0.0, 1.0)
    _imputed(problems, vinfo, int(raw["cpu_util"].notna().sum()), "cpu_util",
             "CPU utilisation from vCPU 'Overall' / 'Max' MHz (one snapshot, not a peak)")

    # vMemory: fill missing memory, memory usage (Active, else vInfo Active Memory, else
    # Consumed).
    mem_util = pd.Series(np.nan, index=raw.index)
    how = pd.Series(pd.NA, index=raw.index, dtype="string")
    size_mib = raw["memory_mib"]
    vmem = by_sheet.get("vmemory")
    f = _fields(vmem, _VMEM_FIELDS, problems) if vmem is not None else {}
    vmem_match = _Match(raw, f) if "name" in f else None
    if vmem_match is not None and vmem is not None and "size_mib" in f:
        size = vmem_match.take(f["size_mib"])
        fill = raw["memory_mib"].isna() & size.notna() & raw["_reject_reason"].isna()
        raw.loc[fill, "memory_mib"] = size[fill]
        _imputed(problems, vmem, int(fill.sum()), "memory_gib",
                 "memory blank in vInfo, taken from vMemory 'Size MiB'")
        size_mib = size.where(size > 0, raw["memory_mib"])
        if "active_mib" in f:
            active = vmem_match.take(f["active_mib"]) / size_mib.where(size_mib > 0)
            mem_util, how = _first(mem_util, how, active.where(running), "vMemory 'Active'")
    if "active_memory_mib" in raw:
        active = raw["active_memory_mib"] / raw["memory_mib"].where(raw["memory_mib"] > 0)
        mem_util, how = _first(mem_util, how, active.where(running), "vInfo 'Active Memory'")
    if vmem_match is not None and "size_mib" in f and "consumed_mib" in f:
        consumed = vmem_match.take(f["consumed_mib"]) / size_mib.where(size_mib > 0)
        mem_util, how = _first(mem_util, how, consumed.where(running), "vMemory 'Consumed'")
    raw["memory_util"] = mem_util.clip(0.0, 1.0)
    # The memory figures themselves: Active (vMemory, else vInfo) and Consumed (vMemory).
    nan = pd.Series(np.nan, index=raw.index)
    active_mib = (vmem_match.take(f["active_mib"])
                  if vmem_match is not None and "active_mib" in f else nan)
    if "active_memory_mib" in raw:
        active_mib = active_mib.fillna(raw["active_memory_mib"])
    consumed_mib = (vmem_match.take(f["consumed_mib"])
                    if vmem_match is not None and "consumed_mib" in f else nan)
    for column, mib in (("memory_active_gib", active_mib),
                        ("memory_consumed_gib", consumed_mib)):
        raw[column] = (mib / MIB_PER_GIB).where(running & (mib >= 0))
    raw["usage_source"] = pd.Series("snapshot", index=raw.index, dtype="string").where(
        raw["cpu_util"].notna() | raw["memory_util"].notna())
    for source, count in how.value_counts().items():
        _imputed(problems, vinfo, int(count), "memory_util",
                 f"memory utilisation from {source} / memory size")

    # Used storage: vPartition consumed summed per VM, else vInfo In Use.
    used_mib = raw["in_use_mib"] if "in_use_mib" in raw else pd.Series(np.nan, index=raw.index)
    if (t := by_sheet.get("vpartition")) is not None:
        f = _fields(t, _VPART_FIELDS, problems)
        if {"name", "consumed_mib"} <= f.keys():
            part = _Match(raw, f).take(f["consumed_mib"], agg="sum")
            _imputed(problems, t, int(part.notna().sum()), "storage_used_gib",
                     "used storage from vPartition 'Consumed MiB' summed per VM")
            fallback = part.isna() & used_mib.notna()
            _imputed(problems, vinfo, int(fallback.sum()), "storage_used_gib",
                     "used storage from vInfo 'In Use MiB' (not in vPartition)")
            used_mib = part.where(part.notna(), used_mib)
    raw["storage_used_gib"] = used_mib / MIB_PER_GIB

    raw["memory_gib"] = raw["memory_mib"] / MIB_PER_GIB
    prov = raw.get("provisioned_mib")
    if prov is None:
        prov = raw.get("total_disk_mib", pd.Series(np.nan, index=raw.index))
    elif "total_disk_mib" in raw:
        prov = prov.fillna(raw["total_disk_mib"])
    raw["storage_provisioned_gib"] = prov / MIB_PER_GIB
    drop = [c for c in ("memory_mib", "active_memory_mib", "provisioned_mib", "total_disk_mib",
                        "in_use_mib") if c in raw]
    raw = raw.drop(columns=drop)
    hosts = _read_vhost(by_sheet.get("vhost"), problems)
    return raw, hosts


# --- vInfo -------------------------------------------------------------------------


def _read_vinfo(t: Table, problems: list[Problem]) -> pd.DataFrame:
    cols = _locate(t, _VINFO_FIELDS)
    missing = [label for field, label in _REQUIRED.items() if field not in cols]
    if missing:
        raise InputError(
            f"required {noun(len(missing), 'column')} "
            f"{', '.join(repr(m) for m in missing)} not found",
            file=t.file, sheet=t.sheet or "vInfo",
            hint="is this an RVTools vInfo export?",
        )
    frame = t.frame
    raw = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    raw["source_row"] = t.row_numbers()
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    column = pd.Series(pd.NA, index=raw.index, dtype="string")
    for field in ("name", "power_state", "datacenter", "cluster", "host", "annotation",
                  "uuid", "os_config", "os_tools"):
        if field in cols:
            raw[field] = text(frame[cols[field]])
    raw = raw.rename(columns={"os_config": "os_raw", "os_tools": "os_tools_raw"})
    if "power_state" not in raw:
        raw["power_state"] = pd.Series(pd.NA, index=raw.index, dtype="string")
    raw["vcenter"] = _vcenter(frame, cols)
    for field in ("is_template", "is_srm_placeholder"):
        if field in cols:
            raw[field] = boolean(frame[cols[field]])
    for field in ("vcpus", "memory_mib", "active_memory_mib", "provisioned_mib",
                  "total_disk_mib", "in_use_mib"):
        if field not in cols:
            continue
        header = cols[field]
        values, bad = number(frame[header])
        raw[field] = values
        if not bad.any():
            continue
        if field in _REQUIRED:
            # A loop over rejected rows only, to word each reason.
            cells = frame[header].to_numpy()
            for i in np.flatnonzero(bad.to_numpy() & reason.isna().to_numpy()):
                reason.iat[i] = f"{header} is not a number: {cells[i]!r}"
                column.iat[i] = header
        else:
            example = frame[header][bad.to_numpy()].iloc[0]
            problems.append(Problem(
                "warning", f"{plural(bad.sum(), 'cell holds', 'cells hold')} text instead "
                f"of a number (e.g. {example!r}); read as unknown", file=t.file, sheet=t.sheet,
                column=header))
    raw["_reject_reason"] = reason
    raw["_reject_column"] = column
    _custom_attributes(t, raw, cols)
    return raw


def _custom_attributes(t: Table, raw: pd.DataFrame, cols: dict[str, str]) -> None:
    """Columns RVTools does not define are vCenter custom attributes."""
    used = set(cols.values())
    custom = [h for h in t.headers if h not in used and not _standard(h)]
    tags = pd.Series(pd.NA, index=raw.index, dtype="string")
    for h in custom:
        values = text(t.frame[h])
        key = re.sub(r"[^a-z0-9]", "", h.lower())
        target = ("environment" if key in _ENV_KEYS else "owner" if key in _OWNER_KEYS
                  else "security_zone" if key in _ZONE_KEYS else None)
        if target and target not in raw:
            raw[target] = values
            continue
        pair = (h + "=" + values).astype("string")
        tags = tags.where(pair.isna(), tags.str.cat(pair, sep="; ").fillna(pair))
    raw["tags"] = tags


def _standard(header: str) -> bool:
    key = norm_header(header)
    return (key in _VINFO_STANDARD or bool(_NETWORK_COL.match(key))
            or any(key in aliases for aliases in _VINFO_FIELDS.values())
            or key.startswith("unnamed "))


def _vcenter(frame: pd.DataFrame, cols: dict[str, str]) -> pd.Series:
    """vCenter name (VI SDK Server), else its UUID."""
    out = pd.Series(pd.NA, index=pd.RangeIndex(len(frame)), dtype="string")
    for field in ("vcenter_server", "vcenter_uuid"):
        if field in cols:
            out = out.fillna(text(frame[cols[field]]).str.lower())
    return out


# --- vHost -------------------------------------------------------------------------


def _read_vhost(t: Table | None, problems: list[Problem]) -> pd.DataFrame:
    columns = ["host", "vcenter", "datacenter", "cluster", "cpu_sockets", "cores_per_socket",
               "cores", "memory_gib", "cpu_mhz", "vms", "cpu_usage_fraction",
               "memory_usage_fraction", "hyperthreading", "vcpus"]
    if t is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    cols = _locate(t, _VHOST_FIELDS)
    if "host" not in cols:
        problems.append(Problem("warning", "vHost has no 'Host' column; hosts not read",
                                file=t.file, sheet=t.sheet))
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    frame = t.frame
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for field in ("host", "datacenter", "cluster"):
        if field in cols:
            out[field] = text(frame[cols[field]])
    out["vcenter"] = _vcenter(frame, cols)
    for field in ("cpu_sockets", "cores_per_socket", "cores", "memory_mib", "cpu_mhz", "vms",
                  "cpu_usage_pct", "memory_usage_pct", "vcpus"):
        out[field] = number(frame[cols[field]])[0] if field in cols else np.nan
    out["cores"] = out["cores"].fillna(out["cpu_sockets"] * out["cores_per_socket"])
    out["memory_gib"] = out.pop("memory_mib") / MIB_PER_GIB
    for field in ("cpu_usage", "memory_usage"):
        out[f"{field}_fraction"] = out.pop(f"{field}_pct") / 100.0
    out["hyperthreading"] = (boolean(frame[cols["hyperthreading"]])
                             if "hyperthreading" in cols
                             else pd.Series(pd.NA, index=out.index, dtype="boolean"))
    blank = out["host"].isna()
    if blank.any():
        problems.append(Problem("warning", f"{plural(blank.sum(), 'vHost row')} without a "
                                "host name skipped", file=t.file, sheet=t.sheet,
                                column=cols["host"]))
    return out.loc[~blank, [c for c in columns if c in out]].reset_index(drop=True)


# --- helpers -----------------------------------------------------------------------


def _locate(t: Table, spec: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """field -> actual header, for the fields whose header the table has."""
    by_key: dict[str, str] = {}
    for h in t.headers:
        by_key.setdefault(norm_header(h), h)
    found: dict[str, str] = {}
    for field, aliases in spec.items():
        header = next((by_key[a] for a in aliases if a in by_key), None)
        if header is not None:
            found[field] = header
    return found


def _fields(t: Table, spec: Mapping[str, tuple[str, ...]],
            problems: list[Problem]) -> dict[str, pd.Series]:
    """The located columns of a secondary sheet: text for keys, numbers for values."""
    cols = _locate(t, spec)
    out: dict[str, pd.Series] = {}
    for field, header in cols.items():
        s = t.frame[header].reset_index(drop=True)
        if field in ("name", "uuid"):
            out[field] = text(s)
        elif field in ("vcenter_server", "vcenter_uuid"):
            continue
        else:
            out[field] = number(s)[0]
    vc = _vcenter(t.frame.reset_index(drop=True), cols)
    if vc.notna().any():
        out["vcenter"] = vc
    return out


class _Match:
    """The rows of another tab that belong to each vInfo row.

    Rows with a VM UUID match by UUID (+ vCenter) when the other tab has UUIDs; the rest
    match by name (+ vCenter). A name that repeats is never matched: it would be a guess.
    Keys compare case-insensitively. The keys are factorised once per tab; `take` then
    looks up any value column with array indexing.
    """

    def __init__(self, raw: pd.DataFrame, other: dict[str, pd.Series]) -> None:
        with_vc = "vcenter" in other and bool(raw["vcenter"].notna().any())
        by_uuid = "uuid" in other and "uuid" in raw and bool(other["uuid"].notna().any())
        self._index = raw.index
        # (vInfo row -> key code or -1, other row -> key code or -1, codes, by name)
        self._steps: list[tuple[np.ndarray, np.ndarray, int, bool]] = []
        # Rows with a UUID match by it alone: when every vInfo row has one, names match none.
        by_name = not (by_uuid and bool(raw["uuid"].notna().all()))
        for key_col in (["uuid"] if by_uuid else []) + (["name"] if by_name else []):
            mine, theirs, n = _key_codes(
                raw[key_col], other[key_col],
                (raw["vcenter"], other["vcenter"]) if with_vc else None)
            if key_col == "name":
                if by_uuid:  # rows with a UUID were matched by it (or not at all)
                    mine[raw["uuid"].notna().to_numpy()] = -1
                counts = np.bincount(mine[mine >= 0], minlength=n)
                mine[(mine >= 0) & (counts[np.maximum(mine, 0)] > 1)] = -1
            self._steps.append((mine, theirs, n, key_col == "name"))

    def take(self, values: pd.Series, agg: str = "first") -> pd.Series:
        """`values` (a column of the other tab) per vInfo row, NaN where unmatched.

        `agg="sum"` adds up several rows per VM (vPartition); otherwise a UUID takes its
        first row and a name only a row of its own.
        """
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        result = np.full(len(self._index), np.nan)
        for mine, theirs, n, by_name in self._steps:
            rows = np.flatnonzero(theirs >= 0)
            codes = theirs[rows]
            looked = np.full(n, np.nan)
            if agg == "sum":
                known = ~np.isnan(v[rows])
                sums = np.bincount(codes, weights=np.where(known, v[rows], 0.0), minlength=n)
                counts = np.bincount(codes, weights=known, minlength=n)
                looked = np.where(counts > 0, sums, np.nan)
            elif by_name:
                single = np.bincount(codes, minlength=n)[codes] == 1
                looked[codes[single]] = v[rows[single]]
            else:
                looked[codes[::-1]] = v[rows[::-1]]  # in reverse, so the first row wins
            found = np.where(mine >= 0, looked[np.maximum(mine, 0)], np.nan)
            result = np.where(np.isnan(result), found, result)
        return pd.Series(result, index=self._index)


def _key_codes(mine: pd.Series, theirs: pd.Series,
               vcenters: tuple[pd.Series, pd.Series] | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of the lower-cased keys (+ vCenter) of both sides, -1 for a missing key,
    and the number of codes."""
    keys = pd.concat([mine, theirs], ignore_index=True).astype("string").str.lower()
    codes, uniques = pd.factorize(keys)
    codes = np.asarray(codes, dtype=np.int64)
    n = len(uniques)
    if vcenters is not None:
        vc = pd.concat(vcenters, ignore_index=True).astype("string").fillna("")
        vc_codes, vc_uniques = pd.factorize(vc)
        valid = codes >= 0
        pairs, unique_pairs = pd.factorize(codes[valid] * len(vc_uniques) + vc_codes[valid])
        codes[valid] = pairs
        n = len(unique_pairs)
    return codes[: len(mine)].copy(), codes[len(mine):].copy(), n


def _first(current: pd.Series, how: pd.Series, candidate: pd.Series,
           label: str) -> tuple[pd.Series, pd.Series]:
    take = current.isna() & candidate.notna()
    return current.where(~take, candidate), how.mask(take, label)


def _running(power: pd.Series) -> pd.Series:
    """True unless the power state is known and not poweredOn."""
    codes, states = pd.factorize(power)
    # A handful of distinct states: judge each once, then spread by code.
    key = pd.Series(states, dtype="string").str.lower().str.replace(r"[\s_-]", "", regex=True)
    on = np.append(key.isin(["poweredon", "on", "running"]).to_numpy(dtype=bool), True)
    return pd.Series(on[codes], index=power.index)  # code -1 (missing) picks the True


def _imputed(problems: list[Problem], t: Table, count: int, column: str, how: str) -> None:
    if count:
        problems.append(Problem("imputed", f"{how}: {plural(count, 'VM')}", file=t.file,
                                sheet=t.sheet, column=column))


def text(s: pd.Series) -> pd.Series:
    """Cells as stripped text (whole floats without `.0`); blanks NA."""
    s = s.reset_index(drop=True)
    if isinstance(s.dtype, pd.StringDtype):
        return s  # tabular already stripped it and made blanks NA
    if pd.api.types.is_float_dtype(s.dtype):
        whole = s.notna() & (s == np.floor(s))
        out = s.astype("string")
        out[whole] = s[whole].astype("int64").astype("string")
        return out
    if not pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        s = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                  else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Cells as float64 and a mask of non-blank cells that are not numbers."""
    s = s.reset_index(drop=True)
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("float64"), pd.Series(False, index=s.index)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64"), pd.Series(False, index=s.index)
    if s.dtype == object:
        s = s.map(lambda v: v.strip() if isinstance(v, str) else v)
    else:
        s = s.astype("string").str.strip()
    values = pd.to_numeric(s, errors="coerce").astype("float64")
    bad = values.isna() & s.notna()
    return values, bad.astype(bool)


def boolean(s: pd.Series) -> pd.Series:
    """True/False/yes/no/1/0 cells as a nullable boolean; anything else NA."""
    t = text(s).str.lower()
    out = pd.Series(pd.NA, index=t.index, dtype="boolean")
    out[t.isin(_TRUE).fillna(False).astype(bool)] = True
    out[t.isin(_FALSE).fillna(False).astype(bool)] = False
    return out
