"""Which VMs are candidates for containers, and why the others are not.

`apply_scope` adds `in_scope` and `exclusion_reason` to the VM table. Each excluded VM
gets exactly one reason, the first that applies in this order (precedence):

1. `template`          a VM template (even when also powered off)
2. `srm_placeholder`   a Site Recovery Manager placeholder
3. `infrastructure_vm` name matches `scope.exclude_name_patterns` (vCLS-* ...)
4. `powered_off`
5. `suspended`
6. `cluster`           cluster not in `include_clusters` (an unknown cluster is not in
                       it) or in `exclude_clusters`
7. `datacenter`        same for datacenters
8. `override`          the overrides file says `exclude = true`

So the count per reason says what *else* a VM is: a powered-off template counts as a
template, and `override` counts only VMs that nothing else excluded. An override with
`exclude = false` puts a VM in scope whatever the rules above say.

Overrides also replace `environment` and `security_zone`, and add `override_fit_level`
and `override_replicas` for the fit and sizing steps (NA where not given).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from estimator.errors import Problem

if TYPE_CHECKING:
    from estimator.assumptions.sections import Scope

EXCLUSION_REASONS: tuple[str, ...] = (
    "template", "srm_placeholder", "infrastructure_vm", "powered_off", "suspended", "cluster",
    "datacenter", "override",
)


def apply_scope(vms: pd.DataFrame, scope: Scope, overrides: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """`vms` plus `in_scope`, `exclusion_reason`, `override_fit_level`, `override_replicas`.

    `scope` is the assumptions' scope section (attributes as in `Scope`); `overrides` the
    frame from `estimator.inventory.overrides.load_overrides`.
    """
    out = vms.copy()
    index = out.index
    ov = _match_overrides(out, overrides)
    for c in ("environment", "security_zone"):
        if c in ov:
            out[c] = ov[c].fillna(out[c].astype("string") if c in out else pd.NA).astype(
                "string")
    out["override_fit_level"] = ov.get("fit_level", _na(index, "string")).astype("string")
    out["override_replicas"] = ov.get("replicas", _na(index, "float64")).astype("float64")

    def flag(column: str) -> np.ndarray:
        if column not in out:
            return np.zeros(len(out), dtype=bool)
        return out[column].astype("boolean").fillna(False).to_numpy(dtype=bool)

    power = out["power_state"].astype("string") if "power_state" in out else _na(index,
                                                                                "string")
    name = out["name"].astype("string") if "name" in out else _na(index, "string")
    rules: list[tuple[str, np.ndarray]] = [
        ("template", flag("is_template") & (not scope.include_templates)),
        ("srm_placeholder", flag("is_srm_placeholder") & (not scope.include_srm_placeholders)),
        ("infrastructure_vm", _matches_any(name, scope.exclude_name_patterns)),
        ("powered_off", (power == "poweredOff").fillna(False).to_numpy(dtype=bool)
         & (not scope.include_powered_off)),
        ("suspended", (power == "suspended").fillna(False).to_numpy(dtype=bool)
         & (not scope.include_suspended)),
        ("cluster", _outside(out.get("cluster"), scope.include_clusters,
                             scope.exclude_clusters, len(out))),
        ("datacenter", _outside(out.get("datacenter"), scope.include_datacenters,
                                scope.exclude_datacenters, len(out))),
        ("override", ov["exclude"].fillna(False).to_numpy(dtype=bool)
         if "exclude" in ov else np.zeros(len(out), dtype=bool)),
    ]
    conditions = [cond for _, cond in rules]
    reason = np.select(conditions, [r for r, _ in rules], default="")
    forced_in = ((ov["exclude"] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
                 if "exclude" in ov else np.zeros(len(out), dtype=bool))
    reason[forced_in] = ""
    out["exclusion_reason"] = pd.Series(reason, index=index, dtype="string").mask(
        reason == "")
    out["in_scope"] = out["exclusion_reason"].isna().astype(bool)
    return out


def excluded_counts(scoped: pd.DataFrame) -> dict[str, int]:
    """Reason -> number of VMs, every reason listed (0 when none), in precedence order."""
    counts = scoped["exclusion_reason"].value_counts()
    return {r: int(counts.get(r, 0)) for r in EXCLUSION_REASONS}


def override_problems(vms: pd.DataFrame, overrides: pd.DataFrame | None,
                      file: str | None = None) -> list[Problem]:
    """A warning for every override row that matches no VM (a typo would go unnoticed)."""
    if overrides is None or not len(overrides):
        return []
    names = vms["name"].astype("string").str.lower()
    vcs = vms["vcenter"].astype("string").str.lower().fillna("") if "vcenter" in vms else (
        pd.Series("", index=vms.index))
    pairs = set(zip(names, vcs, strict=True))
    known = set(names.dropna())
    out = []
    for i, row in overrides.iterrows():  # override rows are few and hand-written
        name = str(row["name"]).lower()
        vc = row.get("vcenter")
        hit = (name, str(vc).lower()) in pairs if pd.notna(vc) else name in known
        if not hit:
            where = f" in vCenter {vc!r}" if pd.notna(vc) else ""
            out.append(Problem("warning", f"override for {row['name']!r}{where} matches no VM",
                               file=file, row=int(row.get("source_row", i)), column="name"))
    return out


def _na(index: pd.Index, dtype: str) -> pd.Series:
    return pd.Series(np.nan if dtype == "float64" else pd.NA, index=index, dtype=dtype)


def _matches_any(values: pd.Series, patterns: Sequence[str]) -> np.ndarray:
    """Case-insensitive fnmatch of each value against any pattern (vectorised as one regex)."""
    if not patterns:
        return np.zeros(len(values), dtype=bool)
    regex = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)
    return values.astype("string").str.match(regex, case=False).fillna(False).to_numpy(
        dtype=bool)


def _outside(values: pd.Series | None, include: Sequence[str], exclude: Sequence[str],
             n: int) -> np.ndarray:
    """Not matching a non-empty include list, or matching the exclude list."""
    if values is None:
        values = pd.Series(pd.NA, index=range(n), dtype="string")
    out = np.zeros(n, dtype=bool)
    if include:
        out |= ~_matches_any(values, include)
    if exclude:
        out |= _matches_any(values, exclude)
    return out


def _match_overrides(vms: pd.DataFrame, overrides: pd.DataFrame | None) -> pd.DataFrame:
    """Override values aligned to `vms`: a row naming the vCenter beats one that does not."""
    columns = ("exclude", "fit_level", "environment", "security_zone", "replicas")
    if overrides is None or not len(overrides):
        return pd.DataFrame(index=vms.index)
    name = vms["name"].astype("string").str.lower()
    vc = (vms["vcenter"].astype("string").str.lower() if "vcenter" in vms
          else _na(vms.index, "string"))
    o_name = overrides["name"].astype("string").str.lower()
    o_vc = (overrides["vcenter"].astype("string").str.lower() if "vcenter" in overrides
            else _na(overrides.index, "string"))
    specific_key = (o_name + "|" + o_vc).where(o_vc.notna())
    general_key = o_name.where(o_vc.isna())
    vm_specific = name + "|" + vc.fillna("")
    out = pd.DataFrame(index=vms.index)
    for c in columns:
        if c not in overrides:
            continue
        values = overrides[c]
        spec = pd.Series(values.to_numpy(), index=specific_key.to_numpy())[
            specific_key.notna().to_numpy()]
        gen = pd.Series(values.to_numpy(), index=general_key.to_numpy())[
            general_key.notna().to_numpy()]
        # Keys as objects: mapping an Arrow-backed string Series gives Arrow-typed results
        # that cannot take values of another type in `where`.
        got = vm_specific.astype(object).map(spec)
        got = got.where(got.notna(), name.astype(object).map(gen))
        out[c] = got.astype(overrides[c].dtype)
    return out
