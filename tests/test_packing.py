"""Packing: feasibility and determinism properties, bounds, exact optima on small cases, pools."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.errors import ConfigError
from estimator.packing import _core as core
from estimator.packing import isolation_cost, lower_bound, pack, plan_pools


@st.composite
def instances(draw: st.DrawFn, max_n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    d = draw(st.integers(1, 4))
    n = draw(st.integers(0, max_n))
    cap = np.array(draw(st.lists(st.integers(5, 100), min_size=d, max_size=d)), dtype=float)
    rows = draw(
        st.lists(st.lists(st.integers(0, 100), min_size=d, max_size=d), min_size=n, max_size=n)
    )
    dem = np.array(rows, dtype=float).reshape(n, d)
    # Scale into capacity and repeat some rows, as real estates repeat sizes.
    dem = np.floor(dem / 100.0 * cap)
    return dem, cap


def check_valid(dem: np.ndarray, cap: np.ndarray, res) -> None:  # type: ignore[no-untyped-def]
    n = dem.shape[0]
    assert res.assignment.shape == (n,)
    if n:
        assert res.assignment.min() >= 0
        assert res.assignment.max() == res.node_count - 1
        # Every node index is used: no empty nodes are counted.
        assert np.unique(res.assignment).size == res.node_count
    loads = np.zeros((res.node_count, dem.shape[1]))
    np.add.at(loads, res.assignment, dem)
    assert np.all(loads <= cap * (1 + 1e-9) + 1e-9)
    np.testing.assert_allclose(res.loads, loads, atol=1e-9)
    assert res.node_count >= res.lower_bound


@settings(max_examples=60, deadline=None)
@given(instances())
def test_pack_is_feasible_and_bounded(inst: tuple[np.ndarray, np.ndarray]) -> None:
    dem, cap = inst
    res = pack(dem, cap)
    check_valid(dem, cap, res)
    assert res.lower_bound == lower_bound(dem, cap)


@settings(max_examples=25, deadline=None)
@given(instances(), st.integers(0, 3))
def test_same_input_same_output(inst: tuple[np.ndarray, np.ndarray], seed: int) -> None:
    dem, cap = inst
    a = pack(dem, cap, seed=seed)
    b = pack(dem.copy(), cap.copy(), seed=seed)
    assert a.node_count == b.node_count
    np.testing.assert_array_equal(a.assignment, b.assignment)


def brute_force_optimum(dem: np.ndarray, cap: np.ndarray) -> int:
    """Fewest nodes by exhaustive search (items placed into an existing or one new node)."""
    n = dem.shape[0]
    order = np.argsort(-dem.sum(axis=1))
    items = dem[order]
    best = n

    def go(i: int, loads: list[np.ndarray]) -> None:
        nonlocal best
        if len(loads) >= best:
            return
        if i == n:
            best = len(loads)
            return
        for load in loads:
            if np.all(load + items[i] <= cap):
                load += items[i]
                go(i + 1, loads)
                load -= items[i]
        loads.append(items[i].copy())
        go(i + 1, loads)
        loads.pop()

    go(0, [])
    return best


@settings(max_examples=60, deadline=None)
@given(instances(max_n=8))
def test_small_instances_match_brute_force(inst: tuple[np.ndarray, np.ndarray]) -> None:
    dem, cap = inst
    if dem.shape[0] == 0:
        return
    opt = brute_force_optimum(dem, cap)
    res = pack(dem, cap)
    assert res.lower_bound <= opt <= res.node_count
    # Eight items or fewer: the heuristics plus local search find the optimum or one node more.
    assert res.node_count <= opt + 1


def test_known_optimum_pairs_and_triples() -> None:
    # 30 nodes exactly filled by a (0.6, 0.3) + (0.4, 0.7) pair, and 20 by three (1/3, 1/3).
    rng = np.random.default_rng(3)
    dem = np.vstack([[[60, 30]] * 30, [[40, 70]] * 30, [[33, 33]] * 60])
    dem = dem[rng.permutation(len(dem))].astype(float)
    res = pack(dem, np.array([100.0, 100.0]))
    assert res.lower_bound == 50
    assert res.node_count == 50


def test_small_two_dimensional_optimum() -> None:
    # (4, 4) + (4, 4) on one node, (6, 1) + (1, 6) on the other.
    dem = np.array([[6, 1], [1, 6], [4, 4], [4, 4]], dtype=float)
    res = pack(dem, np.array([10.0, 10.0]))
    assert res.node_count == brute_force_optimum(dem, np.array([10.0, 10.0])) == 2


def test_lower_bound_counts_items_that_cannot_share() -> None:
    cap = np.array([1.0, 1.0])
    assert lower_bound([[0.6, 0.1], [0.6, 0.1], [0.3, 0.3]], cap) == 2
    # Pairwise conflicting across dimensions: A-B (1.05, 1.05), A-C and B-C in dimension 0.
    three = [[0.6, 0.45], [0.45, 0.6], [0.7, 0.2]]
    assert lower_bound(three, cap) == 3
    assert brute_force_optimum(np.array(three), cap) == 3
    # Martello–Toth L2: three items of 0.7 leave 0.3 each, too little for a 0.35; the three 0.35
    # need ceil(1.05) = 2 more nodes: 5, where the sum only says ceil(3.15) = 4.
    assert lower_bound([[0.7]] * 3 + [[0.35]] * 3, [1.0]) == 5
    assert brute_force_optimum(np.array([[0.7]] * 3 + [[0.35]] * 3), np.ones(1)) == 5
    # Two items of 0.51 and ten of 0.1: 0.49 free on each big node takes 4 + 4 small ones,
    # the remaining 2 small ones need a third node: L2 = 2 + ceil(1.0 - 0.98) = 3.
    assert lower_bound([[0.51]] * 2 + [[0.1]] * 10, [1.0]) == 3


def test_oversize_item_raises_value_error_naming_item_and_dimension() -> None:
    dem = np.array([[1.0, 1.0], [2.0, 9.0]])
    with pytest.raises(ValueError, match=r"item 1 .*dimension 1"):
        pack(dem, np.array([4.0, 8.0]))


def test_bad_shapes_and_values_raise() -> None:
    with pytest.raises(ValueError, match="shape"):
        pack(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"item 0: demand in dimension 1"):
        pack(np.array([[1.0, np.nan]]), np.ones(2))


def test_zero_items_and_zero_demands() -> None:
    res = pack(np.zeros((0, 2)), np.ones(2))
    assert res.node_count == 0 and res.assignment.size == 0
    res = pack(np.zeros((5, 2)), np.ones(2))
    assert res.node_count == 1
    np.testing.assert_array_equal(res.assignment, np.zeros(5))


def test_many_distinct_sizes_are_rounded_up_and_stay_feasible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(core, "MAX_GROUPS", 300)
    monkeypatch.setattr(core, "EXACT_GROUPS", 300)
    monkeypatch.setattr(core, "EXACT_LIMIT_S", 0.0)
    rng = np.random.default_rng(0)
    dem = rng.uniform(0.01, 0.2, size=(3000, 2))
    cap = np.ones(2)
    res = pack(dem, cap)
    assert res.rounding > 0
    check_valid(dem, cap, res)
    assert res.node_count <= 1.05 * res.lower_bound


def test_fast_effort_is_valid() -> None:
    rng = np.random.default_rng(1)
    dem = rng.integers(1, 60, size=(500, 3)).astype(float)
    cap = np.array([100.0, 100.0, 100.0])
    res = pack(dem, cap, effort="fast")
    check_valid(dem, cap, res)
    full = pack(dem, cap)
    assert full.node_count <= res.node_count


# --------------------------------------------------------------------------------------------
# plan_pools


NODE_TYPES = pd.DataFrame(
    {
        "name": ["small", "big", "win"],
        "cores": [8.0, 32.0, 16.0],
        "memory_gib": [32.0, 128.0, 64.0],
        "annual_cost_usd": [1000.0, 3000.0, 2500.0],
        "os": ["linux", "any", "windows"],
    }
)

PLAIN = {
    "reservation_model": "none",
    "max_pods_per_node": 110,
    "target_utilisation": 1.0,
    "daemonset_cpu_cores": 0.0,
    "daemonset_memory_gib": 0.0,
    "ha_spare_nodes_per_pool": 1,
}


def estate() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pool": ["linux", "linux", "linux", "windows", "windows"],
            "os_family": ["linux"] * 3 + ["windows"] * 2,
            "cpu_request_cores": [2.0, 4.0, 100.0, 1.0, 2.0],
            "memory_request_gib": [4.0, 8.0, 8.0, 4.0, 8.0],
            "replicas": [3, 2, 1, 2, 1],
        },
        index=pd.Index([10, 11, 12, 13, 14], name="vm"),
    )


def test_plan_pools_small_estate_by_hand() -> None:
    plan = plan_pools(estate(), NODE_TYPES, **PLAIN)
    pools = plan.pools.set_index("pool")
    # Linux: 3 × 2 + 2 × 4 = 14 cores -> 2 small nodes (8 cores) + 1 spare = 3 000 USD,
    # against 1 big node + 1 spare = 6 000 USD.
    lin = pools.loc["linux"]
    assert lin["node_type"] == "small"
    assert lin["nodes"] == 3 and lin["spare_nodes"] == 1 and lin["nodes_lower_bound"] == 3
    assert lin["workloads"] == 2 and lin["pods"] == 5
    assert lin["cpu_allocatable_util"] == pytest.approx(14 / 16)
    assert lin["memory_allocatable_util"] == pytest.approx(28 / 64)
    assert lin["annual_cost_usd"] == 3000.0
    # Windows may use "win" (2 500) or "big" (3 000): 1 node + 1 spare of "win".
    win = pools.loc["windows"]
    assert win["node_type"] == "win" and win["nodes"] == 2 and win["annual_cost_usd"] == 5000.0
    assert plan.totals["nodes"] == 5
    assert plan.totals["nodes_lower_bound"] == 5
    assert plan.totals["workloads_per_node"] == pytest.approx(4 / 5)
    # The 100-core workload fits no node: kept, with a reason, not dropped.
    assert list(plan.unplaceable.index) == [12]
    assert "larger than any linux node type" in plan.unplaceable.loc[12, "reason"]
    assert plan.node_index.index.equals(estate().index)
    assert pd.isna(plan.node_index.loc[12])
    assert plan.node_index.loc[[10, 11, 13, 14]].notna().all()


def test_plan_pools_target_utilisation_and_reservations_shrink_capacity() -> None:
    items = estate().drop(index=12)
    half = plan_pools(items, NODE_TYPES, **{**PLAIN, "target_utilisation": 0.5})
    lin = half.pools.set_index("pool").loc["linux"]
    # 14 cores on 4-core usable nodes: each 4-core pod alone, 2+2, 2 -> 4 packed (= ceil(14 / 4)),
    # 5 with the spare (5 000 USD), against big at 16 usable cores: 1 + 1 spare = 6 000 USD.
    assert lin["node_type"] == "small" and lin["nodes"] == 5
    gke = plan_pools(items, NODE_TYPES, **{**PLAIN, "reservation_model": "gke"})
    lin = gke.pools.set_index("pool").loc["linux"]
    assert lin["allocatable_cpu_cores"] == pytest.approx(8 - 0.09)
    reserved_gib = 0.25 * 4 + 0.2 * 4 + 0.1 * 8 + 0.06 * 16 + 100 / 1024
    assert lin["allocatable_memory_gib"] == pytest.approx(32 - reserved_gib)


def test_plan_pools_pods_dimension_limits_density() -> None:
    items = pd.DataFrame(
        {
            "pool": ["linux"],
            "os_family": ["linux"],
            "cpu_request_cores": [0.01],
            "memory_request_gib": [0.01],
            "replicas": [212],
        }
    )
    # 110 max pods − 4 DaemonSet pods = 106 pods per node -> 2 nodes + 1 spare.
    plan = plan_pools(items, NODE_TYPES, **PLAIN)
    assert plan.pools.loc[0, "nodes"] == 3
    assert plan.pools.loc[0, "nodes_lower_bound"] == 3


def test_plan_pools_rejects_bad_node_types() -> None:
    bad = NODE_TYPES.assign(cores=[8.0, -1.0, 16.0])
    with pytest.raises(ConfigError, match=r"platform\.node_types\.big\.cores"):
        plan_pools(estate(), bad, **PLAIN)


def test_isolation_cost_counts_extra_nodes() -> None:
    items = pd.DataFrame(
        {
            "pool": ["linux/prod", "linux/dev"],
            "os_family": ["linux", "linux"],
            "cpu_request_cores": [3.0, 3.0],
            "memory_request_gib": [4.0, 4.0],
            "replicas": [1, 1],
        }
    )
    # Together: one small node + spare. Apart: two pools of one node + spare each.
    assert isolation_cost(items, NODE_TYPES, **PLAIN) == 2
    assert isolation_cost(items.assign(pool="linux"), NODE_TYPES, **PLAIN) == 0


def test_replicate_and_fill_path_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    # Large estates with many sizes pack 1/k of each size class, repeat it k times, then fill.
    monkeypatch.setattr(core, "REPLICATE_ITEMS", 500)
    monkeypatch.setattr(core, "PREFIX_GROUPS", 16)
    rng = np.random.default_rng(5)
    sizes = rng.uniform(0.01, 0.3, size=(60, 2))
    dem = sizes[rng.integers(0, 60, size=3000)]
    cap = np.ones(2)
    res = pack(dem, cap)
    assert "x6+fill" in res.method
    check_valid(dem, cap, res)
    assert res.node_count <= 1.06 * res.lower_bound


def test_portfolio_keeps_the_best_heuristic() -> None:
    # Mid-sized 2-D items: FFD in the Cluster Autoscaler order is clearly worse than the
    # bin-centric heuristics; pack keeps the best it tried, including the sampled fills.
    rng = np.random.default_rng(11)
    dem = rng.integers(10, 51, size=(200, 2)).astype(float)
    res = pack(dem, np.array([150.0, 150.0]))
    assert {"ffd-sum", "dot-product", "sampled-fill-8"} <= set(res.tried)
    assert res.node_count == min(res.tried.values())
    assert res.node_count < res.tried["ffd-sum"]


# --------------------------------------------------------------------------------------------
# the promise: never more nodes than plain FFD or the dot product


def reference_order(frac: np.ndarray) -> np.ndarray:
    """Items by decreasing sum of demand / capacity, ties by demand vector (lexicographic)."""
    keys = tuple(frac[:, k] for k in reversed(range(frac.shape[1])))
    return np.lexsort((*keys, -frac.sum(axis=1)))


def reference_ffd(dem: np.ndarray, cap: np.ndarray) -> int:
    """Textbook first-fit decreasing, one item at a time, in the Cluster Autoscaler's order."""
    frac = dem / cap
    rooms: list[np.ndarray] = []
    for i in reference_order(frac).tolist():
        v = frac[i]
        for room in rooms:
            if np.all(room + 1e-9 >= v):
                room -= v
                break
        else:
            rooms.append(1.0 - v)
    return len(rooms)


def reference_dot(dem: np.ndarray, cap: np.ndarray) -> int:
    """Textbook dot product (Panigrahy et al. 2011): fill one node at a time with the fitting
    item whose demand · room left is largest (the first such in `reference_order`)."""
    frac = dem / cap
    order = reference_order(frac)
    left = np.ones(len(frac), dtype=bool)
    nodes = 0
    while left.any():
        nodes += 1
        room = np.ones(frac.shape[1])
        while True:
            cand = order[left[order]]
            cand = cand[np.all(frac[cand] <= room + 1e-9, axis=1)]
            if not cand.size:
                break
            score = frac[cand, 0] * room[0]
            for k in range(1, frac.shape[1]):
                score += frac[cand, k] * room[k]
            j = cand[int(np.argmax(score))]
            left[j] = False
            room = room - frac[j]
    return nodes


@settings(max_examples=120, deadline=None)
@given(instances(max_n=40))
def test_pack_never_uses_more_nodes_than_plain_ffd_or_dot(
    inst: tuple[np.ndarray, np.ndarray],
) -> None:
    dem, cap = inst
    if dem.shape[0] == 0:
        return
    res = pack(dem, cap)
    check_valid(dem, cap, res)
    ffd, dot = reference_ffd(dem, cap), reference_dot(dem, cap)
    assert res.node_count <= min(ffd, dot)
    # The portfolio's baselines are the textbook heuristics (the dot product is skipped only
    # when first fit already reached the lower bound).
    assert res.tried["ffd-sum"] == ffd
    if ffd > res.lower_bound:
        assert res.tried["dot-product"] == dot


@settings(max_examples=40, deadline=None)
@given(instances(max_n=40), st.integers(0, 3))
def test_fast_effort_and_a_tight_clock_keep_plain_ffd(
    inst: tuple[np.ndarray, np.ndarray], seed: int
) -> None:
    dem, cap = inst
    if dem.shape[0] == 0:
        return
    ffd = reference_ffd(dem, cap)
    assert pack(dem, cap, effort="fast", seed=seed).node_count <= ffd
    # A wall-clock cap trims the optional work only, never the baselines.
    assert pack(dem, cap, time_budget_s=0.0, seed=seed).node_count <= min(
        ffd, reference_dot(dem, cap)
    )


def held_out(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mid-sized 2-D items with more distinct sizes than EXACT_GROUPS (seed unused elsewhere)."""
    rng = np.random.default_rng(seed)
    return rng.integers(100, 600, size=(n, 2)).astype(float), np.array([1000.0, 1000.0])


def test_many_distinct_sizes_stay_exact_while_the_baselines_are_affordable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Where pack failed: more distinct sizes than it packs exactly by default, so demands were
    # rounded up and both baselines ran on the rounded sizes (up to 5% more nodes at 30,000
    # items). The thresholds are scaled down so that 700 items take the same path.
    monkeypatch.setattr(core, "MAX_GROUPS", 200)
    monkeypatch.setattr(core, "EXACT_GROUPS", 200)
    dem, cap = held_out(700, seed=4242)
    res = pack(dem, cap)
    assert res.rounding == 0.0
    check_valid(dem, cap, res)
    assert res.node_count <= min(reference_ffd(dem, cap), reference_dot(dem, cap))
    # Too costly to pack exactly: rounded, and still never above the baselines on those sizes.
    monkeypatch.setattr(core, "EXACT_LIMIT_S", 0.0)
    res = pack(dem, cap)
    assert res.rounding > 0
    check_valid(dem, cap, res)
    g = core._make_groups(dem / cap, max_groups=200)
    order = np.argsort(-g.demand.sum(axis=1), kind="stable")
    ffd = core._ffd(g.demand, g.count, order, False, "ffd").nodes
    dot = core._bin_centric(g.demand, g.count, np.ones(2), "dot", "dot").nodes
    assert res.node_count <= min(ffd, dot)


def test_replicate_and_fill_path_keeps_the_whole_instance_baselines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Large estates pack 1/k of each size and repeat it; the baselines on the whole instance
    # are tried as well, so replication can only help.
    monkeypatch.setattr(core, "REPLICATE_ITEMS", 400)
    monkeypatch.setattr(core, "PREFIX_GROUPS", 16)
    rng = np.random.default_rng(77)
    sizes = rng.integers(150, 520, size=(40, 2)).astype(float)
    dem = sizes[rng.integers(0, 40, size=2000)]
    cap = np.array([1000.0, 1000.0])
    res = pack(dem, cap)
    assert any("+fill" in m for m in res.tried)
    check_valid(dem, cap, res)
    g = core._make_groups(dem / cap)
    order = np.argsort(-g.demand.sum(axis=1), kind="stable")
    ffd = core._ffd(g.demand, g.count, order, False, "ffd").nodes
    dot = core._bin_centric(g.demand, g.count, np.ones(2), "dot", "dot").nodes
    assert res.tried["ffd-sum"] == ffd
    assert res.node_count <= min(ffd, dot, min(v for m, v in res.tried.items() if "+fill" in m))


@pytest.mark.slow
def test_held_out_instance_at_the_size_that_failed() -> None:
    # 18,000 items with 17,000+ distinct sizes: the old pack rounded them and lost to plain
    # FFD; the references here are the same heuristics on the exact sizes.
    dem, cap = held_out(18_000, seed=9001)
    res = pack(dem, cap)
    assert res.rounding == 0.0
    g = core._make_groups(dem / cap, max_groups=10**9)
    order = np.argsort(-g.demand.sum(axis=1), kind="stable")
    ffd = core._ffd(g.demand, g.count, order, False, "ffd").nodes
    dot = core._bin_centric(g.demand, g.count, np.ones(2), "dot", "dot").nodes
    assert res.node_count <= min(ffd, dot)
    assert res.lower_bound <= res.node_count
