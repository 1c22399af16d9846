"""The full yearly cost of one node of each type, as the cost model prices it.

Packing chooses each pool's node type by cost. Hardware alone would favour many small nodes,
but every node also carries per-node and per-core charges (platform subscription, node OS
licences, patching and care, agents, security tooling, backup). Pricing one node of each type
through `price()` keeps the choice consistent with the cost lines, with no second formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from estimator.costs._columns import setting
from estimator.costs._values import Values
from estimator.costs.pricing import price
from estimator.costs.quantities import cost_quantities

# Components that scale with the number of nodes in a pool (one value per pool).
PER_NODE_COMPONENTS = (
    "windows_nodes",
    "linux_nodes",
    "hypervisor_node_hosts",
    "patch_nodes",
    "ops_nodes",
    "storage_nodes",
    "hardware_nodes",
    "cloud_nodes",
    "power_nodes",
    "hardware_node_hosts",
    "platform_subscription",
    "platform_security",
    "windows_support",
)

if TYPE_CHECKING:
    from estimator.assumptions import Assumptions


def node_costs(
    node_types: pd.DataFrame, os_families: Sequence[str], settings: Assumptions, values: Values
) -> pd.DataFrame:
    """Yearly cost of one node per (node type, OS family).

    Returns columns node_type, os_family, annual_cost.

    `node_types` has name and cores (the catalogue); `values` holds likely values (floats).
    """
    pairs = [(str(t), str(f)) for f in dict.fromkeys(os_families) for t in node_types["name"]]
    if not pairs:
        return pd.DataFrame({"node_type": [], "os_family": [], "annual_cost": []})
    cores = dict(zip(node_types["name"].astype(str), node_types["cores"].astype(float),
                     strict=True))
    memory = dict(zip(node_types["name"].astype(str), node_types["memory_gib"].astype(float),
                      strict=True))
    pools = pd.DataFrame({
        "pool": [f"{f}/{t}" for t, f in pairs],
        "node_type": [t for t, _ in pairs],
        "os_family": [f for _, f in pairs],
        "nodes": 1.0,
        "node_cores": [cores[t] for t, _ in pairs],
        "node_memory_gib": [memory[t] for t, _ in pairs],
    })
    q = cost_quantities(pd.DataFrame(), None, pools, settings, values)
    lines = price(q, settings, values)
    names = list(PER_NODE_COMPONENTS)
    # Backup licences scale with nodes only on the per-node basis (not per namespace).
    if setting(settings, "backup.after_licence_basis", ("per_node", "per_namespace")) == "per_node":
        names.append("backup_licence_moved")
    total = np.sum([lines.components[name] for name in names], axis=0)
    return pd.DataFrame({
        "node_type": [t for t, _ in pairs],
        "os_family": [f for _, f in pairs],
        "annual_cost": total,
    })
