"""From a reader's raw canonical rows to the typed VM table (`VM_SCHEMA`).

`finalise` is the single place where rows are rejected for bad values, so every format
gets the same checks and the same wording. It also classifies the OS, normalises power
states and builds the stable `vm_id`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estimator.errors import Problem
from estimator.formatting import plural
from estimator.inventory.os_classify import classify_os
from estimator.inventory.schema import VM_SCHEMA, conform

MAX_VCPUS = 4096.0  # vSphere 8 tops out at 768 vCPU; beyond 4096 is a typo or a unit slip
MAX_MEMORY_GIB = 24 * 1024.0  # 24 TiB, vSphere's largest VM
_NUMERIC = ("vcpus", "memory_gib", "storage_provisioned_gib", "storage_used_gib", "cpu_util",
            "memory_util")
_POWER = {
    "poweredon": "poweredOn", "on": "poweredOn", "running": "poweredOn", "active": "poweredOn",
    "started": "poweredOn", "up": "poweredOn",
    "poweredoff": "poweredOff", "off": "poweredOff", "stopped": "poweredOff",
    "deallocated": "poweredOff", "shutdown": "poweredOff", "down": "poweredOff",
    "suspended": "suspended", "paused": "suspended", "saved": "suspended",
}


def finalise(
    raw: pd.DataFrame, *, file: str, sheet: str | None, source_format: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check, classify and type a reader's raw rows.

    Rows with a `_reject_reason` from the reader, or with a missing name, missing or
    non-positive vCPU or memory, a negative or infinite number, or absurd sizes
    (> 4096 vCPU, > 24 TiB memory) are dropped, each reported as `Problem("rejected")`
    with its row and column. Utilisation above 100 % is capped at 1.0 (reported once).
    Returns the frame conformed to `VM_SCHEMA` and the problems.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    index = raw.index
    problems: list[Problem] = []

    def col(name: str, dtype: str = "string") -> pd.Series:
        if name in raw:
            return raw[name]
        return pd.Series(np.nan if dtype == "float64" else pd.NA, index=index, dtype=dtype)

    nums = {c: pd.to_numeric(col(c, "float64"), errors="coerce").astype("float64")
            for c in _NUMERIC}
    name = _clean_text(col("name"))

    reader_reason = col("_reject_reason").astype("string")
    reader_column = col("_reject_column").astype("string")
    vcpus, mem = nums["vcpus"], nums["memory_gib"]
    # Checked in order; the first failing check names the row's reason.
    checks: list[tuple[pd.Series, str, str]] = [
        (reader_reason.notna(), "", ""),
        (name.isna(), "name", "no VM name"),
        (vcpus.isna(), "vcpus", "vCPU count missing"),
        (np.isinf(vcpus), "vcpus", "vCPU count is infinite"),
        (vcpus <= 0, "vcpus", "vCPU count must be above 0"),
        (vcpus > MAX_VCPUS, "vcpus", f"vCPU count above {MAX_VCPUS:.0f} is not plausible"),
        (mem.isna(), "memory_gib", "memory missing"),
        (np.isinf(mem), "memory_gib", "memory is infinite"),
        (mem <= 0, "memory_gib", "memory must be above 0"),
        (mem > MAX_MEMORY_GIB, "memory_gib", "memory above 24 TiB is not plausible"),
    ]
    for c in ("storage_provisioned_gib", "storage_used_gib", "cpu_util", "memory_util"):
        checks.append((nums[c] < 0, c, f"{c} is negative"))
        checks.append((np.isinf(nums[c]), c, f"{c} is infinite"))
    conditions = [pd.Series(cond, index=index).fillna(False).to_numpy(dtype=bool)
                  for cond, _, _ in checks]
    rejected = np.logical_or.reduce(conditions) if conditions else np.zeros(n, dtype=bool)
    which = np.argmax(np.vstack(conditions), axis=0) if n else np.zeros(0, dtype=int)
    rows = col("source_row", "Int64")
    # A loop over rejected rows only: each gets its own worded Problem.
    for i in np.flatnonzero(rejected):
        k = int(which[i])
        if k == 0:
            reason = str(reader_reason.iat[i])
            column = None if pd.isna(reader_column.iat[i]) else str(reader_column.iat[i])
        else:
            _, column, reason = checks[k]
            if column in nums and not pd.isna(nums[column].iat[i]):
                reason = f"{reason} ({nums[column].iat[i]:g})"
        row = rows.iat[i]
        problems.append(Problem("rejected", f"row dropped: {reason}", file=file, sheet=sheet,
                                row=None if pd.isna(row) else int(row), column=column))

    keep = ~rejected
    out = raw.loc[keep].copy()
    for c, values in nums.items():
        if c in raw or c in ("vcpus", "memory_gib"):
            out[c] = values[keep]
    # A source names a usage figure; without one there is nothing to name.
    has_usage = np.zeros(len(out), dtype=bool)
    for c in ("cpu_util", "memory_util"):
        if c in out:
            has_usage |= out[c].notna().to_numpy()
    out["usage_source"] = col("usage_source")[keep].astype("string").where(has_usage)
    for c in ("cpu_util", "memory_util"):
        if c not in out:
            continue
        over = out[c] > 1.0
        if over.any():
            problems.append(Problem(
                "imputed", f"{c} above 100 % capped at 100 %: {plural(over.sum(), 'VM')}",
                file=file, sheet=sheet, column=c))
            out[c] = out[c].clip(upper=1.0)
    out["name"] = name[keep]
    for c in ("vcenter", "uuid", "datacenter", "cluster", "host", "environment", "owner",
              "security_zone", "tags", "annotation"):
        if c in out:
            out[c] = _clean_text(out[c])
    if "vcenter" in out:
        out["vcenter"] = out["vcenter"].str.lower()
    out["power_state"] = normalise_power_state(col("power_state")[keep])
    for c in ("is_template", "is_srm_placeholder"):
        out[c] = col(c, "boolean")[keep].astype("boolean")

    os_config = _clean_text(col("os_raw"))[keep]
    os_tools = _clean_text(col("os_tools_raw"))[keep]
    os = classify_os(os_config, os_tools)
    for c in os.columns:
        out[c] = os[c]
    out["os_raw"] = os_config.fillna(os_tools)

    out["source"] = file
    out["source_format"] = source_format
    out["source_sheet"] = sheet if sheet is not None else pd.NA
    out["vm_id"] = make_vm_id(out, file)
    return conform(out, VM_SCHEMA), problems


def normalise_power_state(values: pd.Series) -> pd.Series:
    """poweredOn / poweredOff / suspended from common spellings; `unknown` otherwise."""
    codes, spellings = pd.factorize(values.astype("string"))
    # A handful of distinct spellings: normalise each once, then spread by code.
    keys = pd.Series(spellings, dtype="string").str.lower().str.replace(r"[\s_\-]", "",
                                                                        regex=True)
    states = keys.map(_POWER).astype("string").fillna("unknown").to_numpy(dtype=object)
    out = np.where(codes >= 0, states[np.maximum(codes, 0)] if len(states) else "unknown",
                   "unknown")
    return pd.Series(out, index=values.index, dtype="string")


def make_vm_id(vms: pd.DataFrame, file: str) -> pd.Series:
    """`uuid:<uuid>@<vcenter>` when the VM UUID is known, else `name:<file>/<vcenter>/<name>`
    with `#2`, `#3`... on names that repeat within the file (they are different VMs)."""
    index = vms.index
    vcenter = (vms["vcenter"] if "vcenter" in vms else pd.Series(pd.NA, index=index,
                                                                   dtype="string"))
    vcenter = vcenter.astype("string").fillna("")
    uuid = (vms["uuid"] if "uuid" in vms else pd.Series(pd.NA, index=index,
                                                          dtype="string")).astype("string")
    by_uuid = "uuid:" + uuid.str.lower() + "@" + vcenter
    if not by_uuid.isna().any():
        return by_uuid.astype("string")  # every VM has a UUID: no name-based id is used
    base = "name:" + file + "/" + vcenter + "/" + vms["name"].astype("string")
    # Only names that repeat need numbering; most estates have few.
    repeated = base.duplicated(keep=False).to_numpy(dtype=bool)
    nth = pd.Series(1, index=index)
    if repeated.any():
        nth[repeated] = base[repeated].groupby(base[repeated].to_numpy()).cumcount() + 1
    by_name = base.where(nth == 1, base + "#" + nth.astype("string"))
    return by_uuid.fillna(by_name).astype("string")


def _clean_text(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    return s.mask(s == "")
