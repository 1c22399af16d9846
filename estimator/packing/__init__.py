"""Vector bin packing of container requests onto nodes, and node pools with node-type choice."""

from estimator.packing._core import PackResult, lower_bound, pack
from estimator.packing.pools import (
    DAEMONSET_PODS,
    POOL_COLUMNS,
    PoolPlan,
    isolation_cost,
    node_capacity,
    plan_pools,
)

__all__ = [
    "DAEMONSET_PODS",
    "POOL_COLUMNS",
    "PackResult",
    "PoolPlan",
    "isolation_cost",
    "lower_bound",
    "node_capacity",
    "pack",
    "plan_pools",
]
