"""Physical hosts before and after: matching VMs to hosts, geometry, licensing units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from estimator.costs._columns import number
from estimator.costs._values import Values, scalar
from estimator.formatting import noun, plural
from estimator.hosts import host_key, match_host_keys

__all__ = ["HostGroups", "concat_groups", "host_geometry", "host_key", "match_hosts",
           "spread_groups", "windows_unit_cores"]


@dataclass(frozen=True)
class HostGroups:
    """Physical hosts grouped by identical licensing needs. Arrays have one entry per group."""

    count: np.ndarray  # hosts in the group
    windows_unit_cores: np.ndarray  # cores licensed once per host under the Windows core rules
    windows_vms: np.ndarray  # Windows Server VMs on each host of the group
    hypervisor_cores: np.ndarray  # cores licensed per host for the hypervisor (per-CPU minimum)
    socket_pairs: np.ndarray  # ceil(sockets / 2) per host

    @property
    def hosts(self) -> float:
        return float(self.count.sum())

    @staticmethod
    def empty() -> HostGroups:
        z = np.zeros(0)
        return HostGroups(z, z, z, z, z)


def _even_up(cores: np.ndarray) -> np.ndarray:
    """Windows cores are sold in 2-core packs."""
    return 2.0 * np.ceil(np.asarray(cores, dtype=float) / 2.0 - 1e-9)


def windows_unit_cores(sockets: np.ndarray, cps: np.ndarray, min_proc: float,
                  min_host: float) -> np.ndarray:
    return _even_up(np.maximum(min_host, sockets * np.maximum(min_proc, cps)))


def spread_groups(hosts: int, windows_vms: int, unit: float, hyp: float,
                   pairs: float) -> HostGroups:
    """`hosts` identical hosts with `windows_vms` spread evenly: r hosts get q+1, the rest q."""
    if hosts <= 0:
        return HostGroups.empty()
    q, r = divmod(windows_vms, hosts)
    counts = np.array([r, hosts - r], dtype=float)
    keep = counts > 0
    n = int(keep.sum())
    return HostGroups(
        counts[keep], np.full(n, unit), np.array([q + 1, q], dtype=float)[keep],
        np.full(n, hyp), np.full(n, pairs),
    )


def concat_groups(a: HostGroups, b: HostGroups) -> HostGroups:
    return HostGroups(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in
                        ("count", "windows_unit_cores", "windows_vms", "hypervisor_cores",
                         "socket_pairs")))


def host_geometry(hosts: pd.DataFrame, values: Values) -> pd.DataFrame:
    """host, sockets, cores_per_socket for the known hosts (defaults from current.*)."""
    def_sockets = scalar(values, "current.host_sockets")
    def_cores = scalar(values, "current.host_cores")
    if hosts is None or len(hosts) == 0 or "host" not in hosts.columns:
        return pd.DataFrame({"host": pd.Series([], dtype="string"),
                             "sockets": pd.Series([], dtype=float),
                             "cores_per_socket": pd.Series([], dtype=float)})
    h = hosts[hosts["host"].notna()].drop_duplicates("host")
    cores = number(h, "cores", np.nan)
    cps_given = number(h, "cores_per_socket", np.nan)
    sockets = number(h, "cpu_sockets", np.nan)
    sockets = np.where(np.isfinite(sockets) & (sockets > 0), sockets,
                       np.where(np.isfinite(cores / cps_given), np.round(cores / cps_given),
                                def_sockets))
    cps = np.where(np.isfinite(cps_given) & (cps_given > 0), cps_given,
                   np.where(np.isfinite(cores) & (cores > 0), cores / sockets,
                            def_cores / def_sockets))
    return pd.DataFrame({"host": h["host"].astype("string").to_numpy(),
                         "sockets": sockets, "cores_per_socket": cps})


def match_hosts(geo: pd.DataFrame, vms: pd.DataFrame, in_scope: np.ndarray,
                 def_sockets: float, def_cps: float,
                 notes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Row of `geo` each in-scope VM runs on (-1: no host name), extending `geo` as needed.

    Names match without case or DNS domain; a name still unmatched matches a listed host that
    is a suffix of it when that is unique (exports where vInfo says "bovmprod3-02" and vHost
    "vmprod3-02"). Named hosts missing from the list get the current.* geometry.
    """
    geo = geo.assign(key=host_key(geo["host"])).drop_duplicates("key")
    geo = geo[geo["key"] != ""].reset_index(drop=True)
    if "host" not in vms.columns:
        return geo, np.full(len(vms), -1)
    vm_key = host_key(vms["host"])
    code, by_suffix = match_host_keys(pd.Index(geo["key"].to_numpy(dtype=object)), vm_key,
                                      in_scope)
    if by_suffix:
        example = next(iter(by_suffix.items()))
        notes.append(f"{plural(len(by_suffix), 'VM host name')} matched the host list by "
                     "suffix "
                     f"(e.g. {example[0]!r} -> {geo['key'].iloc[example[1]]!r}).")
    missing = in_scope & (vm_key != "") & (code < 0)
    if missing.any():
        extra = pd.unique(vm_key[missing])
        geo = pd.concat([geo, pd.DataFrame({
            "host": extra, "sockets": def_sockets, "cores_per_socket": def_cps, "key": extra,
        })], ignore_index=True)
        index = pd.Index(geo["key"].to_numpy(dtype=object))
        code = np.where(missing, index.get_indexer(vm_key), code)
        n_missing = int(missing.sum())
        notes.append(f"{plural(n_missing, 'in-scope VM')} {noun(n_missing, 'runs', 'run')} on "
                     f"{plural(len(extra), 'host')} missing from the host list; "
                     f"{noun(len(extra), 'that host was', 'those hosts were')} given the "
                     "current.* host geometry.")
    return geo, code
