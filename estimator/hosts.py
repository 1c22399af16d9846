"""Matching VMs to the physical hosts they run on, shared by sizing evidence and costs.

Names match without case or DNS domain; a name still unmatched matches a listed host that is
a suffix of it when that is unique (exports where vInfo says "bovmprod3-02" and vHost
"vmprod3-02").
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def host_key(names: pd.Series) -> np.ndarray:
    """Host names compared in lower case without their DNS domain (IP addresses kept whole)."""
    codes, uniques = pd.factorize(names.astype("string"))
    u = pd.Series(uniques, dtype="string").str.strip().str.lower()
    ip = u.str.fullmatch(r"[0-9.]+").fillna(False).astype(bool)
    keys = u.where(ip, u.str.split(".", n=1).str[0]).fillna("").to_numpy(dtype=object)
    return np.append(keys, "").astype(object)[codes]  # code -1 (blank) -> ""


def match_host_keys(listed: pd.Index, vm_keys: np.ndarray, mask: np.ndarray
                    ) -> tuple[np.ndarray, dict[str, int]]:
    """Position in `listed` (host keys) of each masked VM's host key; -1 when unmatched.

    Returns the codes and the suffix matches used ({vm host key: position}).
    """
    code = np.where(mask & (vm_keys != ""), listed.get_indexer(vm_keys), -1)
    missing = mask & (vm_keys != "") & (code < 0)
    by_suffix: dict[str, int] = {}
    if not missing.any() or len(listed) == 0:
        return code, by_suffix
    known = {k: i for i, k in enumerate(listed)}
    for name in pd.unique(vm_keys[missing]):
        hits = [known[name[i:]] for i in range(1, len(name) - 3) if name[i:] in known]
        if hits:
            by_suffix[name] = hits[0]  # the longest suffix that is a listed host
    if by_suffix:
        mapped = pd.Series(vm_keys).map(by_suffix).to_numpy(dtype=float)
        take = missing & np.isfinite(mapped)
        code = np.where(take, np.nan_to_num(mapped, nan=-1).astype(int), code)
    return code, by_suffix
