"""Faster replacements give what the code they replaced gave (issue 17: 1,000,000 VMs).

Each test keeps the old algorithm as a reference and compares on random inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estimator.costs.result import used_rows
from estimator.hosts import host_key
from estimator.packing import isolation_cost, plan_pools


def _host_names(rng: np.random.Generator, n: int) -> list[str | None]:
    stems = [f"esx{i:03d}" for i in range(40)] + ["10.0.0.1", "10.0.0.2", ""]
    domains = ["", ".corp.example", ".LAB.local"]
    out: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            out.append(None)
            continue
        stem = str(rng.choice(stems))
        name = stem + str(rng.choice(domains)) if stem and not stem[0].isdigit() else stem
        out.append(name.upper() if rng.random() < 0.3 else f" {name}" if rng.random() < 0.1
                   else name)
    return out


def test_used_rows_is_the_pairwise_isin_it_replaced() -> None:
    rng = np.random.default_rng(17)
    for _ in range(50):
        listed = pd.Series(_host_names(rng, int(rng.integers(0, 60))), dtype="string")
        used = tuple(str(h) for h in _host_names(rng, int(rng.integers(0, 30))) if h is not None)
        old = np.isin(host_key(listed), list(set(host_key(pd.Series(used, dtype="string")))))
        np.testing.assert_array_equal(used_rows(listed, used), old)


def _old_isolation_cost(items: pd.DataFrame, node_types: pd.DataFrame,
                        **kwargs: object) -> int:
    """isolation_cost as it was: both plans packed, whatever the pools."""
    common = {**kwargs, "effort": "fast"}
    separated = plan_pools(items, node_types, **common)  # type: ignore[arg-type]
    collapsed = plan_pools(items.assign(pool=items["os_family"].astype("string")
                                        .fillna("unknown")), node_types, **common)  # type: ignore[arg-type]
    return max(0, int(separated.totals["nodes"]) - int(collapsed.totals["nodes"]))


def test_isolation_cost_shortcut_gives_the_packed_difference() -> None:
    node_types = pd.DataFrame({
        "name": ["small", "big", "win"], "cores": [8.0, 32.0, 16.0],
        "memory_gib": [32.0, 128.0, 64.0], "annual_cost_usd": [1000.0, 3000.0, 2500.0],
        "os": ["linux", "any", "windows"]})
    plain = {"reservation_model": "none", "max_pods_per_node": 110, "target_utilisation": 1.0,
             "daemonset_cpu_cores": 0.0, "daemonset_memory_gib": 0.0,
             "ha_spare_nodes_per_pool": 1}
    rng = np.random.default_rng(3)
    shortcuts = 0
    for trial in range(40):
        n = int(rng.integers(0, 300))
        family = rng.choice(["linux", "windows"], size=n)
        env = rng.choice(["prod", "dev"], size=n)
        by = trial % 3  # pools by OS family, by OS family and environment, or one name per family
        pool = (family if by == 0 else np.char.add(np.char.add(family, "/"), env) if by == 1
                else np.where(family == "linux", "l", "w"))
        items = pd.DataFrame({
            "pool": pool, "os_family": family,
            "cpu_request_cores": rng.choice([0.5, 1.0, 2.0, 3.5, 7.0], size=n),
            "memory_request_gib": rng.choice([1.0, 4.0, 8.0, 20.0], size=n),
            "replicas": rng.choice([1, 1, 2, 3], size=n)})
        assert isolation_cost(items, node_types, **plain) == \
            _old_isolation_cost(items, node_types, **plain)  # type: ignore[arg-type]
        shortcuts += by != 1
    assert shortcuts > 20


def _old_make_vm_id(vms: pd.DataFrame, file: str) -> pd.Series:
    """make_vm_id before its every-VM-has-a-UUID shortcut."""
    index = vms.index
    vcenter = vms["vcenter"].astype("string").fillna("")
    uuid = vms["uuid"].astype("string")
    by_uuid = "uuid:" + uuid.str.lower() + "@" + vcenter
    base = "name:" + file + "/" + vcenter + "/" + vms["name"].astype("string")
    repeated = base.duplicated(keep=False).to_numpy(dtype=bool)
    nth = pd.Series(1, index=index)
    if repeated.any():
        nth[repeated] = base[repeated].groupby(base[repeated].to_numpy()).cumcount() + 1
    by_name = base.where(nth == 1, base + "#" + nth.astype("string"))
    return by_uuid.fillna(by_name).astype("string")


def test_make_vm_id_shortcut_is_the_general_rule() -> None:
    from estimator.inventory.normalise import make_vm_id

    rng = np.random.default_rng(5)
    for trial in range(30):
        n = int(rng.integers(0, 50))
        uuids = [f"UUID-{int(u)}" for u in rng.integers(0, 40, n)]
        if trial % 2:
            uuids = [None if rng.random() < 0.3 else u for u in uuids]
        vms = pd.DataFrame({
            "name": pd.array([f"vm{int(i)}" for i in rng.integers(0, 10, n)], dtype="string"),
            "vcenter": pd.array(rng.choice(["vc1", "vc2", None], n).tolist(), dtype="string"),
            "uuid": pd.array(uuids, dtype="string")})
        pd.testing.assert_series_equal(make_vm_id(vms, "f.csv"), _old_make_vm_id(vms, "f.csv"))


def test_uuid_match_skips_names_only_when_they_match_nothing() -> None:
    from estimator.inventory import rvtools

    rng = np.random.default_rng(8)
    for _trial in range(40):
        n, m = int(rng.integers(1, 40)), int(rng.integers(1, 60))
        raw = pd.DataFrame({
            "name": pd.array([f"vm{int(i)}" for i in rng.integers(0, 12, n)], dtype="string"),
            "uuid": pd.array([f"u{int(i)}" for i in rng.integers(0, 30, n)], dtype="string"),
            "vcenter": pd.array(rng.choice(["vc1", "vc2"], n).tolist(), dtype="string")})
        other = {
            "name": pd.Series(pd.array([f"VM{int(i)}" for i in rng.integers(0, 12, m)],
                                       dtype="string")),
            "uuid": pd.Series(pd.array([None if rng.random() < 0.3 else f"U{int(i)}"
                                        for i in rng.integers(0, 30, m)], dtype="string")),
            "vcenter": pd.Series(pd.array(rng.choice(["VC1", "vc2"], m).tolist(),
                                          dtype="string")).str.lower()}
        values = pd.Series(rng.random(m))
        match = rvtools._Match(raw, other)
        # The name step the shortcut leaves out, as it was built before.
        mine, theirs, k = rvtools._key_codes(raw["name"], other["name"],
                                             (raw["vcenter"], other["vcenter"]))
        mine[raw["uuid"].notna().to_numpy()] = -1
        full = rvtools._Match(raw, other)
        full._steps = [*match._steps, (mine, theirs, k, True)]
        for agg in ("first", "sum"):
            pd.testing.assert_series_equal(match.take(values, agg), full.take(values, agg))
