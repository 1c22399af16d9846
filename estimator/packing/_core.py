"""Vector bin packing: a provable lower bound, several heuristics, local search.

Everything works on *groups*: items with identical demand vectors are packed together as a count,
so a real estate with a handful of VM sizes costs a handful of vector operations per node, whatever
its size. Demands are normalised by node capacity (every dimension becomes a fraction of one node).

When there are too many distinct demand vectors (continuous sizes from utilisation data) for the
baselines to run on them within EXACT_LIMIT_S, they are rounded *up* to a relative grid of
(1 + eps) steps, eps starting at 1/256: placements stay feasible, and the waste is at most eps per
item and dimension (`PackResult.rounding`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = ["PackResult", "lower_bound", "pack"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Feasibility tolerance on normalised demands (a fraction of one node).
EPS: Final = 1e-9
#: Distinct demand vectors above which demands are rounded up to a relative grid.
MAX_GROUPS: Final = 4096
#: Up to this many distinct demand vectors are packed exactly (no rounding).
EXACT_GROUPS: Final = 16384
#: Items at least this large (fraction of a node, largest dimension) are not rounded if few.
LARGE_ITEM: Final = 0.125
#: Coarsest rounding step used while the groups stay under 4 × MAX_GROUPS [fraction of item].
MAX_ROUNDING: Final = 1.0 / 32
#: Deterministic work budget for the optional heuristics and local search, in *estimated* seconds
#: min(small + per item, large + per item), from a cost model per group step and per array element.
BUDGET_SMALL_S: Final = (0.05, 2e-4)
BUDGET_LARGE_S: Final = (0.5, 1e-6)
CALL_S: Final = 1e-4
ELEM_S: Final = 4e-9
#: Cost model of the two baselines, fitted on a 2-vCPU VM [s]: first fit per size group and per
#: group × open node × dimension scanned; the dot product per step and per size × dimension read.
FFD_GROUP_S: Final = 1.5e-5
FFD_ELEM_S: Final = 1e-9
BC_STEP_S: Final = 2.5e-5
BC_ELEM_S: Final = 3e-9
#: The dot product, the second baseline next to first-fit decreasing, runs whenever it is
#: estimated below this [s] (full effort; fast effort runs it within the work budget).
DOT_LIMIT_S: Final = 8.0
#: Sizes are packed exactly (not rounded) while both baselines on them are estimated below this [s].
EXACT_LIMIT_S: Final = 5.0
#: Sampled fills run when estimated below this [s]; cost per item step [s].
FILL_LIMIT_S: Final = 2.0
FILL_STEP_S: Final = 1e-4
MAX_RESTARTS: Final = 16
#: Open nodes first-fit keeps scanning; the fullest beyond this are closed for good.
ACTIVE_MAX: Final = 16384
#: The same when the items are small on average (largest dimension below SMALL_ITEM).
ACTIVE_MAX_SMALL: Final = 4096
SMALL_ITEM: Final = 1.0 / 16
#: Distinct sizes above which bin-centric heuristics add several items per step.
PREFIX_GROUPS: Final = 256
#: Share of the budget local search always gets when demands were rounded.
LS_MIN_SHARE: Final = 0.5
#: Above this many items, rounded instances skip the (item-level) local search.
LS_MAX_ITEMS: Final = 200_000
#: Items per replica when a large instance with many sizes is packed by replication.
REPLICATE_ITEMS: Final = 100_000
#: Share of the items the replicated part must cover for replication to be used.
REPLICATE_SHARE: Final = 0.8

Effort = Literal["fast", "full"]


@dataclass(frozen=True)
class PackResult:
    """A packing of n items onto identical nodes.

    node_count : nodes used [nodes].
    lower_bound : provable minimum number of nodes [nodes]; node_count >= lower_bound.
    assignment : node index (0 .. node_count-1) of each item, length n.
    loads : (node_count, d) summed demand on each node, in the demands' units.
    method : the heuristic that gave the kept packing ("+ls" when local search improved it).
    rounding : relative rounding-up applied to demands (0.0 when packed exactly).
    tried : node count each heuristic reached, for the record ("name 1/k" for the part that the
        replicate path packs once and repeats k times).
    """

    node_count: int
    lower_bound: int
    assignment: IntArray
    loads: FloatArray
    method: str
    rounding: float = 0.0
    tried: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# input checks and grouping


def _normalise(demands: npt.ArrayLike, capacity: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    dem = np.asarray(demands, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    if cap.ndim != 1:
        raise ValueError(f"capacity must be a 1-D array of length d, got shape {cap.shape}")
    if dem.ndim == 1 and cap.size == 1:
        dem = dem[:, None]
    if dem.ndim != 2 or dem.shape[1] != cap.size:
        raise ValueError(
            f"demands must have shape (n, {cap.size}) to match capacity, got {dem.shape}"
        )
    if not np.all(np.isfinite(cap)) or np.any(cap < 0):
        raise ValueError(f"capacity must be finite and >= 0 in every dimension, got {cap}")
    bad = ~np.isfinite(dem) | (dem < 0)
    if bad.any():
        i, k = np.argwhere(bad)[0]
        raise ValueError(f"item {i}: demand in dimension {k} is {dem[i, k]}; need a finite >= 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(cap > 0, dem / np.where(cap > 0, cap, 1.0), np.where(dem > 0, np.inf, 0.0))
    over = frac > 1.0 + EPS
    if over.any():
        i, k = np.argwhere(over)[0]
        raise ValueError(
            f"item {i} cannot fit on any node: demand {dem[i, k]:g} in dimension {k} "
            f"exceeds node capacity {cap[k]:g}"
        )
    return frac, cap


def _group_rows(x: npt.NDArray[np.generic]) -> tuple[IntArray, IntArray, IntArray]:
    """Group identical rows: (first row index of each group, group of each row, group sizes).

    Groups come out in lexicographic order of the rows, so the result is deterministic.
    """
    n, d = x.shape
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    codes = []
    for k in range(d):
        _, inv = np.unique(x[:, k], return_inverse=True)
        codes.append(inv.astype(np.int64))
    sizes = [int(c.max()) + 1 if n else 1 for c in codes]
    if float(np.prod(np.array(sizes, dtype=np.float64))) < 2.0**62:
        for c, s in zip(codes, sizes, strict=True):
            key = key * s + c
            radix *= s
        _, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        return first.astype(np.int64), inverse.astype(np.int64), counts.astype(np.int64)
    order = np.lexsort(np.stack(codes[::-1]))
    srt = np.stack(codes, axis=1)[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(srt[1:] != srt[:-1], axis=1)
    gid_sorted = np.cumsum(new) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = gid_sorted
    counts = np.bincount(gid_sorted).astype(np.int64)
    first = order[new].astype(np.int64)
    return first, inverse, counts


@dataclass(frozen=True)
class _Groups:
    demand: FloatArray  # (m, d) normalised demand of each group (the max of its members)
    count: IntArray  # (m,)
    inverse: IntArray  # (n,) group of each item
    rounding: float


def _make_groups(
    frac: FloatArray,
    max_groups: int | None = None,
    rows: tuple[IntArray, IntArray, IntArray] | None = None,
) -> _Groups:
    """Exact groups while there are at most max(max_groups, EXACT_GROUPS), else rounded up.

    `rows` is `_group_rows(frac)` when the caller has it already.
    """
    max_groups = MAX_GROUPS if max_groups is None else max_groups
    first, inverse, counts = _group_rows(frac) if rows is None else rows
    if first.size <= max(max_groups, EXACT_GROUPS):
        return _Groups(frac[first], counts, inverse, 0.0)
    # Too many distinct vectors: round each item up on a grid of eps × its largest demand (what is
    # wasted is small next to the item itself), keeping the members' maximum per group.
    # Large items stay exact while they are few: whether two of them share a node can hinge on
    # the last unit (47 + 53 = 100), and they waste most when rounded.
    tiny = 1e-12
    top = np.maximum(frac.max(axis=1), tiny)
    large = top >= LARGE_ITEM
    if large.any():
        _, large_code, _ = _group_rows(frac[large])
        if large_code.max() + 1 > max_groups // 2:
            large = np.zeros_like(large)
    eps = 1.0 / 256
    while True:
        lvl = np.ceil(np.log(top) / np.log1p(eps))
        unit = eps * np.exp(lvl * np.log1p(eps))
        q = np.ceil(frac / unit[:, None] - 1e-9)
        keys = np.column_stack((lvl, q)).astype(np.int64)
        if large.any():
            keys[large] = 0
            keys[large, 0] = -1 - large_code
        first, inverse, counts = _group_rows(keys)
        limit = max_groups if eps < MAX_ROUNDING else 4 * max_groups
        if first.size <= limit or eps >= 4 * MAX_ROUNDING:
            break
        eps *= 2.0
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    demand = np.maximum.reduceat(frac[order], starts, axis=0)
    return _Groups(demand, counts, inverse, eps)


# --------------------------------------------------------------------------------------------
# lower bound


def _mt_l2(x: FloatArray) -> int:
    """Martello–Toth L2 bound for one dimension (sizes as fractions of the bin), max over alpha."""
    x = np.sort(x[x > EPS])
    if x.size == 0:
        return 0
    n = x.size
    csum = np.concatenate(([0.0], np.cumsum(x)))
    alphas = np.unique(np.concatenate(([0.0], x[x <= 0.5 + EPS])))
    half_hi = np.searchsorted(x, 0.5 + EPS, side="right")  # first index with x > 1/2
    # J1: x > 1 - alpha ; J2: 1/2 < x <= 1 - alpha ; J3: alpha <= x <= 1/2
    j1_start = np.searchsorted(x, 1.0 - alphas + EPS, side="right")
    j1_start = np.maximum(j1_start, half_hi)
    n_j1 = n - j1_start
    n_j2 = j1_start - half_hi
    sum_j2 = csum[j1_start] - csum[half_hi]
    j3_start = np.searchsorted(x, alphas - EPS, side="left")
    j3_start = np.minimum(j3_start, half_hi)
    sum_j3 = csum[half_hi] - csum[j3_start]
    extra = np.ceil(sum_j3 - (n_j2 - sum_j2) - 1e-7)
    bounds = n_j1 + n_j2 + np.maximum(extra, 0.0)
    return int(bounds.max())


def _clique_bound(g: _Groups) -> int:
    """Largest set of items shown to be pairwise unable to share a node, plus what is left over.

    Starts from the items above half a node in the dimension with most of them (they pairwise
    conflict), then greedily adds groups of items that are big in another dimension and conflict
    with every member. Then, per dimension, the other items must fit in the clique nodes' free room
    or in new nodes.
    """
    V, cnt = g.demand, g.count
    m, d = V.shape
    big = V > 0.5 + EPS
    if not big.any():
        return 0
    k = int(np.argmax((big * cnt[:, None]).sum(axis=0)))
    members = np.flatnonzero(big[:, k])
    cand = np.flatnonzero(big.any(axis=1) & ~big[:, k])
    if cand.size and members.size * cand.size * d <= 5e7:
        cand = cand[np.argsort(-V[cand].max(axis=1), kind="stable")]
        chosen: list[int] = members.tolist()
        for j in cand:
            mem = V[np.asarray(chosen)]
            if np.all(np.any(mem + V[j] > 1.0 + EPS, axis=1)):
                chosen.append(int(j))
        members = np.asarray(chosen, dtype=np.int64)
    size = int(cnt[members].sum())
    inside = np.zeros(m, dtype=bool)
    inside[members] = True
    free = (cnt[inside, None] * (1.0 - V[inside])).sum(axis=0)
    rest = (cnt[~inside, None] * V[~inside]).sum(axis=0)
    extra = np.ceil(np.maximum(rest - free, 0.0) - 1e-7).max()
    return size + int(max(extra, 0.0))


def _lower_bound_groups(g: _Groups, frac: FloatArray | None) -> int:
    V, cnt = g.demand, g.count
    if cnt.size == 0:
        return 0
    src = frac if frac is not None else V
    total = (V * cnt[:, None]).sum(axis=0) if frac is None else frac.sum(axis=0)
    lb = int(np.ceil(total - 1e-7).max())
    lb = max(lb, 1)
    for k in range(V.shape[1]):
        col = src[:, k] if frac is not None else np.repeat(V[:, k], cnt)
        lb = max(lb, _mt_l2(col))
    if V.shape[1] > 1:
        # Surrogate: the mean over dimensions is a 1-D packing relaxation (two items whose means
        # add up above 1 exceed the node in some dimension), so its L2 bound holds too.
        mean = src.mean(axis=1) if frac is not None else np.repeat(V.mean(axis=1), cnt)
        lb = max(lb, _mt_l2(mean))
    if g.rounding == 0.0:
        lb = max(lb, _clique_bound(g))
    return lb


def lower_bound(demands: npt.ArrayLike, capacity: npt.ArrayLike) -> int:
    """Provable minimum number of nodes for the items.

    The maximum of: per dimension ceil(Σ demand / capacity); the Martello–Toth L2 bound per
    dimension and on the mean over dimensions, a surrogate relaxation (items above half a node
    cannot share, and items above 1 − α leave no room for items ≥ α); and a set of items shown
    pairwise unable to share a node (above half in one dimension, extended by items above half in
    another dimension that conflict with every member), plus the nodes the other items need beyond
    that set's free room.

    Example: ``lower_bound([[0.6, 0.1], [0.6, 0.1], [0.3, 0.3]], [1, 1])`` -> 2.
    """
    frac, _ = _normalise(demands, capacity)
    if frac.shape[0] == 0:
        return 0
    first, inverse, counts = _group_rows(frac)
    g = _Groups(frac[first], counts, inverse, 0.0)
    return _lower_bound_groups(g, frac)


# --------------------------------------------------------------------------------------------
# heuristics on groups. A solution is three parallel arrays: group, node, copies.


@dataclass
class _Sol:
    grp: IntArray
    node: IntArray
    cnt: IntArray
    nodes: int
    method: str


_HUGE: Final = np.iinfo(np.int64).max // 4


def _fits(RT: FloatArray, idx: IntArray, v: FloatArray) -> IntArray:
    """How many copies of v fit in the residual columns `idx` of RT (d, nodes); huge if v is 0.

    Loops over the few dimensions rather than reducing along a short axis, which numpy does slowly.
    """
    q: FloatArray | None = None
    for k in np.flatnonzero(v > 0).tolist():
        x = (RT[k, idx] + EPS) / v[k]
        q = x if q is None else np.minimum(q, x)
    if q is None:
        return np.full(idx.size, _HUGE, dtype=np.int64)
    return np.floor(q).astype(np.int64)


def _fit_mask(VT: FloatArray, idx: IntArray, r: FloatArray) -> npt.NDArray[np.bool_]:
    """Which columns `idx` of VT (d, m) fit within the residual vector r."""
    mask: npt.NDArray[np.bool_] = VT[0, idx] <= r[0] + EPS
    for k in range(1, VT.shape[0]):
        mask &= VT[k, idx] <= r[k] + EPS
    return mask


def _copies(r: FloatArray, v: FloatArray) -> int:
    nz = v > 0
    if not nz.any():
        return _HUGE
    return max(1, int(np.floor(((r[nz] + EPS) / v[nz]).min())))


def _ffd(
    V: FloatArray,
    cnt: IntArray,
    order: IntArray,
    best_fit: bool,
    name: str,
    init: FloatArray | None = None,
) -> _Sol:
    """First-fit (or best-fit) decreasing over groups, placing every copy of a group at once.

    Placing c identical copies first-fit is the same as filling the fitting nodes in index order
    with as many copies as each holds, so one cumsum does a whole group. First fit scans the open
    nodes in growing chunks and stops at the chunk that takes the last copy. Best fit visits the
    fitting nodes by increasing free room instead. Nodes that can no longer take the smallest
    remaining demand in some dimension leave the open set. `init` (d, k) starts from k open
    nodes with that room left; only new placements are returned.
    """
    m, d = V.shape
    n_nodes = 0 if init is None else init.shape[1]
    # Room left on the open nodes only, compacted as nodes close, so scans read contiguous memory.
    room = np.ones((d, n_nodes + 64))
    if init is not None:
        room[:, :n_nodes] = init
    active = np.arange(n_nodes, dtype=np.int64)
    n_open = n_nodes
    # Small items (many per node) lose little to a narrow window; large ones need a wide one.
    mean_top = float((V.max(axis=1) * cnt).sum() / max(int(cnt.sum()), 1))
    window = ACTIVE_MAX_SMALL if mean_top < SMALL_ITEM else ACTIVE_MAX
    smin = np.minimum.accumulate(V[order][::-1], axis=0)[::-1]
    # Mean demand of the items still to come, per dimension (suffix sums).
    weighted = (V[order] * cnt[order, None])[::-1]
    smean = (np.cumsum(weighted, axis=0) / np.cumsum(cnt[order][::-1])[:, None])[::-1]
    one_g: list[int] = []  # single copies placed on open nodes, the common case with many sizes
    one_n: list[int] = []
    out_g: list[IntArray] = []
    out_n: list[IntArray] = []
    out_c: list[IntArray] = []
    positive = V > 0
    full: npt.NDArray[np.bool_] = np.all(positive, axis=1)
    all_dims = list(range(d))
    for t, gi in enumerate(order.tolist()):
        v = V[gi]
        c = int(cnt[gi])
        nz = all_dims if full[gi] else np.flatnonzero(positive[gi]).tolist()
        if n_open and not nz and not best_fit:
            # Zero demand: every copy fits the first open node.
            out_g.append(np.array([gi], dtype=np.int64))
            out_n.append(active[:1].copy())
            out_c.append(np.array([c], dtype=np.int64))
            c = 0
        elif n_open and c == 1 and not best_fit:
            lo, step = 0, 256
            while lo < n_open:
                hi = min(n_open, lo + step)
                mask = room[nz[0], lo:hi] + EPS >= v[nz[0]]
                for k in nz[1:]:
                    mask &= room[k, lo:hi] + EPS >= v[k]
                p = int(np.argmax(mask))
                if mask[p]:
                    room[:, lo + p] -= v
                    one_g.append(gi)
                    one_n.append(int(active[lo + p]))
                    c = 0
                    break
                lo, step = hi, 4 * step
        elif n_open:
            if best_fit:
                q = _room_copies(room, 0, n_open, v, nz)
                pos = np.flatnonzero(q > 0)
                pos = pos[np.argsort(room[:, pos].sum(axis=0), kind="stable")]
                kk = np.minimum(q[pos], c)
            else:
                parts: list[IntArray] = []
                counts: list[IntArray] = []
                got = 0
                lo, step = 0, 256
                while lo < n_open and got < c:
                    hi = min(n_open, lo + step)
                    # Copies are counted only on the nodes that take at least one.
                    fit = room[nz[0], lo:hi] + EPS >= v[nz[0]]
                    for k in nz[1:]:
                        fit &= room[k, lo:hi] + EPS >= v[k]
                    hit = np.flatnonzero(fit) + lo
                    q = (room[nz[0], hit] + EPS) / v[nz[0]]
                    for k in nz[1:]:
                        q = np.minimum(q, (room[k, hit] + EPS) / v[k])
                    parts.append(hit)
                    counts.append(np.minimum(np.floor(q).astype(np.int64), c))
                    got += int(counts[-1].sum())
                    lo, step = hi, 4 * step
                pos = np.concatenate(parts)
                kk = np.concatenate(counts)
            if pos.size:
                cs = np.cumsum(kk)
                p = int(np.searchsorted(cs, c, side="left"))
                if p < kk.size:
                    take = kk[: p + 1].copy()
                    take[p] = c - (int(cs[p - 1]) if p > 0 else 0)
                    pos = pos[: p + 1]
                else:
                    take = kk
                room[:, pos] -= v[:, None] * take[None, :]
                out_g.append(np.full(pos.size, gi, dtype=np.int64))
                out_n.append(active[pos])
                out_c.append(take)
                c -= int(take.sum())
        if c > 0:
            per = _copies(np.ones(d), v)
            new = -(-c // per)
            if n_open + new > room.shape[1]:
                grown = np.ones((d, max(2 * room.shape[1], n_open + new + 64)))
                grown[:, :n_open] = room[:, :n_open]
                room = grown
            ids = np.arange(n_nodes, n_nodes + new, dtype=np.int64)
            take = np.full(new, per, dtype=np.int64)
            take[-1] = c - per * (new - 1)
            room[:, n_open : n_open + new] = 1.0 - v[:, None] * take[None, :]
            out_g.append(np.full(new, gi, dtype=np.int64))
            out_n.append(ids)
            out_c.append(take)
            active = np.concatenate((active, ids))
            n_nodes += new
            n_open += new
        if t + 1 < order.size and (t % 8 == 7 or n_open > 2 * window):
            keep = np.flatnonzero(_all_ge(room, n_open, smin[t + 1]))
            if keep.size > 2 * window and m > PREFIX_GROUPS:
                # Bounded-space first fit: forget the nodes with the least room in their tightest
                # dimension (scaled by the remaining items' mean demand) so that each group scans
                # at most ~2 × ACTIVE_MAX nodes.
                free = room[0, keep] / max(smean[t + 1, 0], EPS)
                for k in range(1, d):
                    free = np.minimum(free, room[k, keep] / max(smean[t + 1, k], EPS))
                keep = keep[np.sort(np.argsort(-free, kind="stable")[:window])]
            if keep.size < n_open:
                room[:, : keep.size] = room[:, keep]
                active = active[keep]
                n_open = keep.size
    if one_g:
        ones = np.ones(len(one_g), dtype=np.int64)
        out_g.append(np.asarray(one_g, dtype=np.int64))
        out_n.append(np.asarray(one_n, dtype=np.int64))
        out_c.append(ones)
    if not out_g:
        empty = np.zeros(0, dtype=np.int64)
        return _Sol(empty, empty, empty, n_nodes, name)
    return _Sol(np.concatenate(out_g), np.concatenate(out_n), np.concatenate(out_c), n_nodes, name)


def _room_copies(room: FloatArray, lo: int, hi: int, v: FloatArray, nz: list[int]) -> IntArray:
    """How many copies of v fit in the room of open nodes lo..hi-1 (v has nonzero dims nz)."""
    if not nz:
        return np.full(hi - lo, _HUGE, dtype=np.int64)
    q: FloatArray = (room[nz[0], lo:hi] + EPS) / v[nz[0]]
    for k in nz[1:]:
        q = np.minimum(q, (room[k, lo:hi] + EPS) / v[k])
    return np.floor(q).astype(np.int64)


def _all_ge(room: FloatArray, n_open: int, lo: FloatArray) -> npt.NDArray[np.bool_]:
    """Which of the first n_open room columns are at least `lo` in every dimension."""
    mask: npt.NDArray[np.bool_] = room[0, :n_open] + EPS >= lo[0]
    for k in range(1, room.shape[0]):
        mask &= room[k, :n_open] + EPS >= lo[k]
    return mask


def _bin_centric(
    V: FloatArray, cnt: IntArray, weights: FloatArray, score: str, name: str
) -> _Sol:
    """Bin-centric packing (Panigrahy et al., MSR 2011): fill one node at a time, each time adding
    the fitting item that maximises the weighted dot product with the node's residual ("dot"), or
    that leaves the smallest weighted L2 norm of residual ("l2"), one item at a time.

    A node's fill depends only on which sizes are left, so while every size in it has more copies
    left than the fill takes, the next nodes get the same fill: it is repeated at once, which makes
    a few sizes cheap however many items. With many distinct sizes ("prefix"), while the node has
    room for many items the best-scoring ones are added together, one copy each, and one at a time
    again as the node fills.
    """
    m, d = V.shape
    prefix = m > PREFIX_GROUPS
    if prefix and score == "dot":
        # Scanning in chunks pays when most sizes occur once; it never changes the result.
        first = 128 if cnt.sum() < 2 * m else m
        return _dot_many(V, cnt, weights, name, first)
    VT = np.ascontiguousarray(V.T)
    rem = cnt.copy()
    size_order = np.argsort(-(V * weights).sum(axis=1), kind="stable")
    alive = size_order[rem[size_order] > 0]
    out_g: list[IntArray] = []
    out_n: list[IntArray] = []
    out_c: list[IntArray] = []
    node = 0
    while alive.size:
        start = rem.copy() if not prefix else rem
        r = np.ones(d)
        cand = alive
        fill_g: list[int] = []
        fill_c: list[int] = []
        while cand.size:
            cols = [VT[k, cand] for k in range(d)]
            if score == "dot":
                s = cols[0] * (weights[0] * r[0])
                for k in range(1, d):
                    s += cols[k] * (weights[k] * r[k])
            else:
                s = -(((r[0] - cols[0]) * weights[0]) ** 2)
                for k in range(1, d):
                    s -= ((r[k] - cols[k]) * weights[k]) ** 2
            top_k = 1
            if prefix and cand.size > 1:
                fill = np.inf
                for k in range(d):
                    mean = float(np.add.reduce(cols[k])) / cols[k].size
                    if mean > 0:
                        fill = min(fill, r[k] / mean)
                top_k = cand.size if fill == np.inf else int(0.5 * fill)
                top_k = min(cand.size, max(1, top_k))
            if top_k > 1:
                # Plenty of room left: take the best-scoring items, one copy each, while they fit.
                top = np.argpartition(-s, top_k - 1)[:top_k]
                top = top[np.argsort(-s[top], kind="stable")]
                picks = cand[top]
                ok = np.ones(top_k, dtype=bool)
                for k in range(d):
                    ok &= np.cumsum(VT[k, picks]) <= r[k] + EPS
                p = top_k if ok.all() else max(1, int(np.argmin(ok)))
                picks = picks[:p]
                fill_g.extend(picks.tolist())
                fill_c.extend([1] * p)
                rem[picks] -= 1
                r = r - VT[:, picks].sum(axis=1)
            else:
                j = int(cand[int(np.argmax(s))])
                fill_g.append(j)
                fill_c.append(1)
                rem[j] -= 1
                r = r - V[j]
            cand = cand[rem[cand] > 0]
            cand = cand[_fit_mask(VT, cand, r)]
        g_arr = np.asarray(fill_g, dtype=np.int64)
        c_arr = np.asarray(fill_c, dtype=np.int64)
        repeat = 1
        if not prefix:
            # Every size in the fill kept a copy to spare, so no size ran out while filling: the
            # next nodes would be filled the same way while that stays true.
            taken = np.bincount(g_arr, weights=c_arr, minlength=m).astype(np.int64)
            used = np.flatnonzero(taken)
            if np.all(start[used] > taken[used]):
                repeat = int(((start[used] - 1) // taken[used]).min())
                rem[used] -= (repeat - 1) * taken[used]
            g_arr, c_arr = used, taken[used]
        out_g.append(np.tile(g_arr, repeat))
        out_n.append(np.repeat(np.arange(node, node + repeat, dtype=np.int64), g_arr.size))
        out_c.append(np.tile(c_arr, repeat))
        node += repeat
        alive = alive[rem[alive] > 0]
    if not out_g:
        empty = np.zeros(0, dtype=np.int64)
        return _Sol(empty, empty, empty, node, name)
    return _Sol(np.concatenate(out_g), np.concatenate(out_n), np.concatenate(out_c), node, name)


def _dot_many(
    V: FloatArray, cnt: IntArray, weights: FloatArray, name: str, first_chunk: int
) -> _Sol:
    """The dot-product rule for many distinct sizes, scanning only the sizes that can win.

    Sizes are kept in decreasing order of weighted size w·v. An item fits the room r only if
    w·v <= w·r, and it scores (w∘r)·v <= max(r) × w·v, so each step skips the sizes too large to
    fit and stops scanning once no later size can beat the best found. While the node has room
    for several average items left, the best-scoring ones are taken together, one copy each.
    """
    d = V.shape[1]
    key = (V * weights).sum(axis=1)
    order = np.argsort(-key, kind="stable")
    order = order[cnt[order] > 0]
    neg_key = -key[order]  # ascending, for searchsorted
    VA = np.ascontiguousarray(V[order].T)  # (d, sizes) in scan order
    left = cnt[order].copy()
    live_sum = VA.sum(axis=1)
    live = int(order.size)
    n_sizes = int(order.size)
    out_g: list[IntArray] = []
    out_n: list[IntArray] = []
    out_c: list[IntArray] = []
    node = 0
    first_live = 0  # every size before this position is used up
    while live:
        r = np.ones(d)
        placed: list[IntArray] = []
        while True:
            wr = weights * r
            r_max = float(r.max())
            room_w = float((weights * (r + EPS)).sum())
            lo = max(first_live, int(np.searchsorted(neg_key, -room_w - 1e-12, side="left")))
            top_k = 1
            room = min((r[k] * live / live_sum[k] for k in range(d) if live_sum[k] > 0),
                       default=np.inf)
            if room >= 4.0:
                top_k = live if room == np.inf else min(live, int(0.5 * room))
            found_s: list[FloatArray] = []
            found_p: list[IntArray] = []
            best = -np.inf  # the top_k-th best score so far
            n_found = 0
            step = first_chunk
            while lo < n_sizes:
                hi = min(n_sizes, lo + step)
                ok = left[lo:hi] > 0
                for k in range(d):
                    ok &= VA[k, lo:hi] <= r[k] + EPS
                pos = np.flatnonzero(ok)
                if pos.size:
                    pos += lo
                    s = VA[0, pos] * wr[0]
                    for k in range(1, d):
                        s += VA[k, pos] * wr[k]
                    found_s.append(s)
                    found_p.append(pos)
                    n_found += pos.size
                    if top_k == 1:
                        best = max(best, float(s.max()))
                    elif n_found >= top_k:
                        best = float(-np.partition(-np.concatenate(found_s), top_k - 1)[top_k - 1])
                lo, step = hi, 2 * step
                # No size from `lo` on scores above r_max × its weighted size.
                if n_found >= top_k and lo < n_sizes and r_max * -neg_key[lo] < best - 1e-12:
                    break
            if not n_found:
                break
            s_all = np.concatenate(found_s)
            p_all = np.concatenate(found_p)
            if top_k == 1:
                picks = p_all[int(np.argmax(s_all)) : int(np.argmax(s_all)) + 1]
            else:
                picks = p_all[np.argsort(-s_all, kind="stable")[:top_k]]
                fits = np.ones(picks.size, dtype=bool)
                for k in range(d):
                    fits &= np.cumsum(VA[k, picks]) <= r[k] + EPS
                if not fits.all():
                    picks = picks[: max(1, int(np.argmin(fits)))]
            left[picks] -= 1
            r = r - VA[:, picks].sum(axis=1)
            placed.append(picks)
            gone = picks[left[picks] == 0]
            if gone.size:
                live -= gone.size
                live_sum -= VA[:, gone].sum(axis=1)
                while first_live < n_sizes and left[first_live] == 0:
                    first_live += 1
            if not live:
                break
        if not placed:
            break
        used, taken = np.unique(np.concatenate(placed), return_counts=True)
        repeat = 1
        if np.all(left[used] > 0):
            # No size ran out while filling, and the rule reads only which sizes are left: the
            # next nodes get the same fill while every size in it keeps a copy to spare.
            repeat = int((((left[used] + taken) - 1) // taken).min())
            left[used] -= (repeat - 1) * taken
        out_g.append(np.tile(order[used], repeat))
        out_n.append(np.repeat(np.arange(node, node + repeat, dtype=np.int64), used.size))
        out_c.append(np.tile(taken, repeat))
        node += repeat
    if not out_g:
        empty = np.zeros(0, dtype=np.int64)
        return _Sol(empty, empty, empty, node, name)
    return _Sol(np.concatenate(out_g), np.concatenate(out_n), np.concatenate(out_c), node, name)


def _sampled_fill(
    V: FloatArray, cnt: IntArray, trials: int, rng: np.random.Generator, name: str
) -> _Sol:
    """Fill one node at a time with the best of several randomised dot-product fills.

    In the spirit of minimum bin slack (Gupta and Ho, 1999): each node is filled `trials` times
    (the first without noise), the dot product weighted by how scarce each dimension is among the
    items left, and the fill that leaves the least weighted room is kept.
    """
    m, d = V.shape
    VT = np.ascontiguousarray(V.T)
    rem = cnt.copy()
    out_g: list[int] = []
    out_n: list[int] = []
    out_c: list[int] = []
    node = 0
    alive = np.flatnonzero(rem > 0)
    while alive.size:
        left = (V[alive] * rem[alive, None]).sum(axis=0)
        w = left / left.max() if left.max() > 0 else np.ones(d)
        best_room = np.inf
        best_take: dict[int, int] = {}
        for trial in range(trials):
            noise: FloatArray = np.ones(m) if trial == 0 else rng.uniform(0.7, 1.3, size=(m,))
            r = np.ones(d)
            take: dict[int, int] = {}
            avail = rem.copy()
            cand = alive[_fit_mask(VT, alive, r)]
            while cand.size:
                s = VT[0, cand] * (w[0] * r[0])
                for k in range(1, d):
                    s += VT[k, cand] * (w[k] * r[k])
                j = int(cand[int(np.argmax(s * noise[cand]))])
                take[j] = take.get(j, 0) + 1
                avail[j] -= 1
                r = r - V[j]
                cand = cand[avail[cand] > 0]
                cand = cand[_fit_mask(VT, cand, r)]
            room = float((np.maximum(r, 0.0) * w).sum())
            if room < best_room - EPS:
                best_room, best_take = room, take
        for j, k in best_take.items():
            out_g.append(j)
            out_n.append(node)
            out_c.append(k)
            rem[j] -= k
        node += 1
        alive = alive[rem[alive] > 0]
    return _Sol(
        np.asarray(out_g, dtype=np.int64),
        np.asarray(out_n, dtype=np.int64),
        np.asarray(out_c, dtype=np.int64),
        node,
        name,
    )


# --------------------------------------------------------------------------------------------
# local search: empty the least-loaded nodes by reinserting their items elsewhere (best fit)


def _local_search(
    V: FloatArray, sol: _Sol, max_attempts: int, deadline: float | None
) -> tuple[_Sol, int]:
    n_nodes, d = sol.nodes, V.shape[1]
    loads = np.zeros((d, n_nodes))
    for k in range(d):
        loads[k] = np.bincount(sol.node, weights=sol.cnt * V[sol.grp, k], minlength=n_nodes)
    RT = 1.0 - loads
    contents: list[dict[int, int]] = [{} for _ in range(n_nodes)]
    for gi, ni, ci in zip(sol.grp.tolist(), sol.node.tolist(), sol.cnt.tolist(), strict=True):
        contents[ni][gi] = contents[ni].get(gi, 0) + ci
    alive = np.ones(n_nodes, dtype=bool)
    size = V.sum(axis=1)
    removed = 0
    attempts = 0
    improved = True
    while improved and attempts < max_attempts:
        improved = False
        fill = np.where(alive, (1.0 - RT).sum(axis=0), np.inf)
        for t in np.argsort(fill, kind="stable").tolist():
            if attempts >= max_attempts or not alive[t] or alive.sum() <= 1:
                break
            if deadline is not None and time.perf_counter() > deadline:
                attempts = max_attempts
                break
            attempts += 1
            alive[t] = False
            others = np.flatnonzero(alive)
            slack = RT[:, others].sum(axis=0)
            items = sorted(contents[t].items(), key=lambda gc: -float(size[gc[0]]))
            moves: list[tuple[int, IntArray, IntArray]] = []
            ok = True
            for gi, c in items:
                v = V[gi]
                k = np.minimum(_fits(RT, others, v), c)
                pos = np.flatnonzero(k > 0)
                if int(k[pos].sum()) < c:
                    ok = False
                    break
                pos = pos[np.argsort(slack[pos], kind="stable")]
                kk = k[pos]
                cs = np.cumsum(kk)
                p = int(np.searchsorted(cs, c, side="left"))
                take = kk[: p + 1].copy()
                take[p] = c - (int(cs[p - 1]) if p > 0 else 0)
                sel = pos[: p + 1]
                nodes = others[sel]
                RT[:, nodes] -= v[:, None] * take[None, :]
                slack[sel] -= take * size[gi]
                moves.append((gi, nodes, take))
            if not ok:
                for gi, nodes, take in moves:
                    RT[:, nodes] += V[gi][:, None] * take[None, :]
                alive[t] = True
                continue
            for gi, nodes, take in moves:
                for ni, ci in zip(nodes.tolist(), take.tolist(), strict=True):
                    contents[ni][gi] = contents[ni].get(gi, 0) + ci
            contents[t] = {}
            RT[:, t] = 1.0
            removed += 1
            improved = True
    if removed == 0:
        return sol, 0
    remap = np.cumsum(alive) - 1
    g_out: list[int] = []
    n_out: list[int] = []
    c_out: list[int] = []
    for ni in np.flatnonzero(alive).tolist():
        for gi, ci in contents[ni].items():
            g_out.append(gi)
            n_out.append(int(remap[ni]))
            c_out.append(ci)
    new = _Sol(
        np.asarray(g_out, dtype=np.int64),
        np.asarray(n_out, dtype=np.int64),
        np.asarray(c_out, dtype=np.int64),
        int(alive.sum()),
        sol.method + "+ls",
    )
    return new, removed


# --------------------------------------------------------------------------------------------


def _orderings(
    V: FloatArray, cnt: IntArray, rng: np.random.Generator, extra: int
) -> list[tuple[str, IntArray]]:
    """Decreasing orders of the groups by several size measures (stable, so deterministic)."""
    with np.errstate(divide="ignore"):
        logv = np.where(V > 0, np.log(np.maximum(V, 1e-300)), 0.0)
    keys = {
        # Cluster Autoscaler: cpu/alloc + mem/alloc (the pods term is the same for every item).
        "ffd-sum": V.sum(axis=1),
        "ffd-max": V.max(axis=1),
        "ffd-product": logv.sum(axis=1),
        "ffd-l2": np.einsum("ij,ij->i", V, V),
        "ffd-avgsum": V @ ((V * cnt[:, None]).sum(axis=0) + 1e-12),
    }
    out = [(name, np.argsort(-key, kind="stable")) for name, key in keys.items()]
    for i in range(extra):
        w = rng.dirichlet(np.ones(V.shape[1]))
        key = V @ w * rng.uniform(0.97, 1.03, size=V.shape[0])
        out.append((f"ffd-random{i}", np.argsort(-key, kind="stable")))
    return out


def _ffd_cost(V: FloatArray, cnt: IntArray, lb: int) -> float:
    """Estimated seconds of one first-fit decreasing pass over the groups."""
    m, d = V.shape
    mean_top = float((V.max(axis=1) * cnt).sum() / max(int(cnt.sum()), 1))
    window = ACTIVE_MAX_SMALL if mean_top < SMALL_ITEM else ACTIVE_MAX
    return float(m * (FFD_GROUP_S + min(lb, 2 * window) * d * FFD_ELEM_S))


def _dot_cost(V: FloatArray, cnt: IntArray, lb: int) -> float:
    """Estimated seconds of one dot-product pass (`_bin_centric`) over the groups."""
    m, d = V.shape
    n = int(cnt.sum())
    per_node = max(n / max(lb, 1), 1.0)
    steps_per_node = min(per_node, 2.0 + float(np.log2(per_node)))
    if m <= PREFIX_GROUPS:
        # Identical fills repeat at once: a few distinct fills per size, each read in full.
        return float(min(lb, 8 * m) * per_node * (BC_STEP_S + m * d * BC_ELEM_S))
    # Sizes that occur once are scanned in chunks that stop early (about a fifth is read).
    read = m / 5 if n < 2 * m else m
    return float(lb * steps_per_node * (BC_STEP_S + read * d * BC_ELEM_S))


def _portfolio(
    V: FloatArray,
    cnt: IntArray,
    lb: int,
    n: int,
    effort: Effort,
    rng: np.random.Generator,
    budget: float,
    out_of_time: Callable[[], bool],
    tried: dict[str, int],
) -> tuple[_Sol, float]:
    """Run the baselines, then the heuristics the budget allows (estimated seconds); return the
    best and the budget left."""
    total_budget = budget
    m, d = V.shape
    ffd_s = _ffd_cost(V, cnt, lb)
    bc_s = _dot_cost(V, cnt, lb)
    best: _Sol | None = None

    def consider(sol: _Sol) -> None:
        nonlocal best
        tried[sol.method] = sol.nodes
        if best is None or sol.nodes < best.nodes:
            best = sol

    def done() -> bool:
        return (best is not None and best.nodes <= lb) or out_of_time()

    # The baselines run whatever the clock says: pack promises never to use more nodes than
    # either (the dot product within its cost limit).
    orders = _orderings(V, cnt, rng, extra=0)
    for sol in _baselines(V, cnt, lb, DOT_LIMIT_S if effort == "full" else total_budget):
        consider(sol)
    budget -= ffd_s
    weights = (V * cnt[:, None]).sum(axis=0)
    weights = weights / weights.max() if weights.max() > 0 else np.ones(d)
    # Sampled fills (best of several randomised fills per node) close most of the remaining gap
    # on tight instances; tried with 8, else 2 fills per node, when affordable.
    if effort == "full":
        per_fill = n * (FILL_STEP_S + m * d * ELEM_S)
        for trials in (8, 2):
            if trials * per_fill <= max(2.0 * total_budget, FILL_LIMIT_S) and not done():
                consider(_sampled_fill(V, cnt, trials, rng, f"sampled-fill-{trials}"))
                break
    if effort == "full":
        # Interleave the families so that a tight budget still tries each kind once.
        ffds = [(ffd_s, partial(_ffd, V, cnt, o, False, nm)) for nm, o in orders[1:]]
        bfds = [(ffd_s, partial(_ffd, V, cnt, o, True, "bfd" + nm[3:])) for nm, o in orders]
        bcs = [
            (bc_s, partial(_bin_centric, V, cnt, w, score, nm))
            for score, w, nm in (
                ("l2", np.ones(d), "l2-norm"),
                ("dot", weights, "dot-product-weighted"),
            )
        ]
        tasks: list[tuple[float, Callable[[], _Sol]]] = []
        for i in range(max(len(ffds), len(bfds), len(bcs))):
            for family in (bcs, ffds, bfds):
                if i < len(family):
                    tasks.append(family[i])
        for cost, task in tasks:
            if done():
                break
            if cost <= budget:
                consider(task())
                budget -= cost
        # Seeded random restarts with part of what is left; local search gets the rest.
        # Each restart: FFD and BFD on a randomly weighted order, and the dot product with
        # randomly weighted dimensions (the bin-centric rule wins on some classes, FFD on others).
        per_restart = max(2 * ffd_s + (bc_s if bc_s <= ffd_s * 8 else 0.0), 1e-9)
        restarts = int(min(MAX_RESTARTS, max(0.0, budget * 0.5) // per_restart))
        for name, order in _orderings(V, cnt, rng, extra=restarts)[5:]:
            if done():
                break
            consider(_ffd(V, cnt, order, False, name))
            consider(_ffd(V, cnt, order, True, "bfd" + name[3:]))
            if bc_s <= ffd_s * 8 and not done():
                w = weights * rng.uniform(0.7, 1.3, size=d)
                consider(_bin_centric(V, cnt, w, "dot", "dot" + name[3:]))
            budget -= per_restart
    assert best is not None
    return best, budget


def _baselines(V: FloatArray, cnt: IntArray, lb: int, dot_limit_s: float) -> list[_Sol]:
    """Plain first-fit decreasing in the Cluster Autoscaler's order (cpu/alloc + mem/alloc, here
    the sum of the normalised demands) and, when estimated below `dot_limit_s`, the dot product
    (Panigrahy et al. 2011) with equal weights."""
    order = np.argsort(-V.sum(axis=1), kind="stable")
    out = [_ffd(V, cnt, order, False, "ffd-sum")]
    if out[0].nodes > lb and _dot_cost(V, cnt, lb) <= dot_limit_s:
        out.append(_bin_centric(V, cnt, np.ones(V.shape[1]), "dot", "dot-product"))
    return out


def pack(
    demands: npt.ArrayLike,
    capacity: npt.ArrayLike,
    *,
    seed: int = 0,
    time_budget_s: float | None = None,
    effort: Effort = "full",
) -> PackResult:
    """Pack n items with d-dimensional demands onto the fewest identical nodes.

    Parameters
    ----------
    demands : (n, d) demand of each item, in the same units as `capacity`.
    capacity : (d,) capacity of one node.
    seed : seed of the randomised restarts; the same input and seed give the same packing.
    time_budget_s : optional wall-clock cap on the optional work (extra restarts, local search). The
        work is otherwise bounded by a deterministic budget; with a time cap, results can depend on
        machine speed.
    effort : "full" (all heuristics, restarts, local search) or "fast" (first-fit decreasing, and
        the dot product when it fits the work budget; used for what-if comparisons).

    With full effort, pack never uses more nodes than plain first-fit decreasing in the Cluster
    Autoscaler's order (cpu/alloc + mem/alloc) or the bin-centric dot product of Panigrahy et al.
    (MSR 2011): both always run (whatever `time_budget_s`), the dot product unless estimated above
    DOT_LIMIT_S, on the exact sizes unless both would be estimated above EXACT_LIMIT_S (then on
    the sizes rounded up, see `PackResult.rounding`). The work budget then adds first-fit and
    best-fit decreasing with other orderings (max, product, L2, demand-weighted sum, seeded random
    weightings), the L2 and weighted dot-product rules and sampled fills (best of several
    randomised dot-product fills per node), keeps the fewest nodes, and tries to empty the
    least-loaded nodes by reinserting their items (best fit). Large instances with many sizes
    also pack 1/k of each size class, repeat that plan k times and first-fit the rest.

    Raises ValueError naming the item and the dimension when an item exceeds node capacity.

    Example: ``pack([[2, 4], [2, 4], [3, 8]], [4, 16]).node_count`` -> 2.
    """
    start = time.perf_counter()
    deadline = None if time_budget_s is None else start + time_budget_s
    frac, cap = _normalise(demands, capacity)
    n, d = frac.shape
    if n == 0:
        return PackResult(0, 0, np.zeros(0, dtype=np.int64), np.zeros((0, d)), "empty")
    g = _choose_groups(frac)
    V, cnt = g.demand, g.count
    m = V.shape[0]
    lb = _lower_bound_groups(g, frac)
    rng = np.random.default_rng(seed)

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() > deadline

    # Deterministic work budget: estimated seconds from a per-call and per-element cost model, so
    # the same input always runs the same heuristics whatever the machine's load.
    budget = total_budget = min(
        BUDGET_SMALL_S[0] + BUDGET_SMALL_S[1] * n, BUDGET_LARGE_S[0] + BUDGET_LARGE_S[1] * n
    )
    tried: dict[str, int] = {}
    k_rep = n // REPLICATE_ITEMS if m > PREFIX_GROUPS else 0
    if k_rep >= 2 and k_rep * int((cnt // k_rep).sum()) < REPLICATE_SHARE * n:
        k_rep = 0  # too few items repeat k times: replication would leave most to the fill
    if k_rep >= 2:
        # Large estate with many sizes: pack 1/k of every size class well, repeat that plan k
        # times, then first-fit the left-over items into the gaps and new nodes.
        q = cnt // k_rep
        sub = np.flatnonzero(q > 0)
        sub_g = _Groups(V[sub], q[sub], np.zeros(0, dtype=np.int64), g.rounding)
        sub_lb = _lower_bound_groups(sub_g, None)
        tried_part: dict[str, int] = {}
        part, budget = _portfolio(
            V[sub], q[sub], sub_lb, int(q.sum()), effort, rng, budget, out_of_time, tried_part
        )
        tried.update({f"{name} 1/{k_rep}": nodes for name, nodes in tried_part.items()})
        n_part = part.nodes
        reps = np.repeat(np.arange(k_rep, dtype=np.int64), part.grp.size)
        grp = np.tile(sub[part.grp], k_rep)
        node = np.tile(part.node, k_rep) + n_part * reps
        copies = np.tile(part.cnt, k_rep)
        RT = np.ones((d, n_part))
        for k in range(d):
            RT[k] -= np.bincount(
                part.node, weights=part.cnt * V[sub[part.grp], k], minlength=n_part
            )
        RT = np.tile(RT, (1, k_rep))
        left = cnt - k_rep * q
        order = np.argsort(-V.sum(axis=1), kind="stable")
        order = order[left[order] > 0]
        rest = _ffd(V, left, order, False, "fill", init=RT)
        best = _Sol(
            np.concatenate((grp, rest.grp)),
            np.concatenate((node, rest.node)),
            np.concatenate((copies, rest.cnt)),
            rest.nodes,
            f"{part.method} x{k_rep}+fill",
        )
        tried[best.method] = best.nodes
        # The baselines on the whole instance too, so replication never loses to them.
        dot_limit = DOT_LIMIT_S if effort == "full" else total_budget
        for sol in _baselines(V, cnt, lb, dot_limit):
            tried[sol.method] = sol.nodes
            if sol.nodes < best.nodes:
                best = sol
    else:
        best, budget = _portfolio(V, cnt, lb, n, effort, rng, budget, out_of_time, tried)
    sol = best
    assignment = _expand(sol, g.inverse, cnt)
    ls_ok = g.rounding == 0 or n <= LS_MAX_ITEMS
    if effort == "full" and sol.nodes > lb and ls_ok and not out_of_time():
        ls_V, ls_sol = V, sol
        if g.rounding > 0:
            # Rounded-up demands left slack on every node: search on the exact items instead.
            ls_V = frac
            ones = np.ones(n, dtype=np.int64)
            ls_sol = _Sol(np.arange(n, dtype=np.int64), assignment, ones, sol.nodes, sol.method)
            budget = max(budget, LS_MIN_SHARE * total_budget)
        per_node = max(ls_sol.grp.size / max(ls_sol.nodes, 1), 1.0)
        scan = ls_sol.nodes * d * ELEM_S
        per_attempt = 2 * CALL_S + 3 * scan + per_node * (2 * CALL_S + 4 * scan)
        attempts = int(min(5 * ls_sol.nodes, max(10.0, max(budget, 0.0) / per_attempt)))
        new_sol, removed = _local_search(ls_V, ls_sol, attempts, deadline)
        if removed:
            sol = new_sol
            tried[sol.method] = sol.nodes
            if g.rounding > 0:
                assignment = _expand(sol, np.arange(n, dtype=np.int64), np.ones(n, np.int64))
            else:
                assignment = _expand(sol, g.inverse, cnt)

    loads = np.zeros((sol.nodes, d))
    dem = frac * np.where(cap > 0, cap, 0.0)
    for k in range(d):
        loads[:, k] = np.bincount(assignment, weights=dem[:, k], minlength=sol.nodes)
    return PackResult(
        node_count=sol.nodes,
        lower_bound=lb,
        assignment=assignment,
        loads=loads,
        method=sol.method,
        rounding=g.rounding,
        tried=tried,
    )


def _choose_groups(frac: FloatArray) -> _Groups:
    """Exact groups when few, or when both baselines on them stay within EXACT_LIMIT_S; else
    demands rounded up (`_make_groups`)."""
    rows = _group_rows(frac)
    first, inverse, counts = rows
    if first.size > max(MAX_GROUPS, EXACT_GROUPS):
        exact = _Groups(frac[first], counts, inverse, 0.0)
        # The volume bound stands in for the lower bound here (the full bound costs more).
        lb = max(int(np.ceil(frac.sum(axis=0).max() - 1e-7)), 1)
        cost = _ffd_cost(exact.demand, counts, lb) + _dot_cost(exact.demand, counts, lb)
        if cost <= EXACT_LIMIT_S:
            return exact
    return _make_groups(frac, rows=rows)


def _expand(sol: _Sol, inverse: IntArray, cnt: IntArray) -> IntArray:
    """Item-level node indices from (group, node, copies) placements."""
    order = np.argsort(inverse, kind="stable")  # items sorted by group
    by_group = np.lexsort((sol.node, sol.grp))
    nodes_per_item = np.repeat(sol.node[by_group], sol.cnt[by_group])
    assignment = np.empty(inverse.size, dtype=np.int64)
    assignment[order] = nodes_per_item
    return assignment
