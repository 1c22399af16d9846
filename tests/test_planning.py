"""Planning as a whole: capacity follows the sizing evidence, monotonically and to scale."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shared_data import IBM_WORKSHOP, real_data

from estimator.assumptions import Assumptions, load_assumptions
from estimator.inventory import Inventory, read_inventory
from estimator.model import Estimate
from estimator.pipeline import resolve_inputs, run
from estimator.planning import node_types_frame, with_host_shaped_node
from estimator.sample import write_sample

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    path = tmp_path_factory.mktemp("plan") / "estate.xlsx"
    write_sample(path, vms=400, seed=11)
    return read_inventory(path)


@pytest.fixture(scope="module")
def ibm() -> Inventory:
    return read_inventory(real_data(*IBM_WORKSHOP))


def _run(inv: Inventory, *sets: str) -> Estimate:
    a = load_assumptions(sets=list(sets))
    return run(resolve_inputs(inv, a, today=AS_OF), uncertainty=False)


def _capacity(est: Estimate) -> tuple[float, float]:
    return est.target.node_cores, est.target.node_memory_gib


@pytest.mark.parametrize("key,values", [
    ("sizing.comfort_factor", (1.1, 1.3, 1.6, 2.0)),
    ("sizing.memory_position", (0.0, 0.5, 1.0)),
])
def test_more_headroom_never_lowers_requests_or_capacity(estate: Inventory, key: str,
                                                          values: tuple[float, ...]) -> None:
    runs = [_run(estate, f"{key}={v}") for v in values]
    cpu = [r.target.cpu_request_cores for r in runs]
    mem = [r.target.memory_request_gib for r in runs]
    assert cpu == sorted(cpu) and mem == sorted(mem)
    # Node capacity in a fixed unit of the catalogue: the yearly hardware it stands for.
    cost = [sum(p.nodes * _hardware(r, p.node_type) for p in r.pools.itertuples())
            for r in runs]
    assert cost == sorted(cost)


def _hardware(est: Estimate, node_type: str) -> float:
    nodes = node_types_frame(est.assumptions).set_index("name")
    return float(nodes.loc[node_type, "hardware_annual_cost"])


def test_busier_hosts_never_lower_capacity(ibm: Inventory) -> None:
    caps = []
    for busy in (0.2, 0.35, 0.6):
        hosts = ibm.hosts.assign(cpu_usage_fraction=busy, memory_usage_fraction=0.6)
        est = _run(dataclasses.replace(ibm, hosts=hosts))
        assert est.quality.cpu_basis.get("host_usage", 0) > 0
        caps.append((est.target.cpu_request_cores, est.target.node_cores))
    assert [c[0] for c in caps] == sorted(c[0] for c in caps)
    assert [c[1] for c in caps] == sorted(c[1] for c in caps)


def test_a_doubled_estate_needs_twice_the_capacity(estate: Inventory) -> None:
    one = _run(estate)
    twin = estate.vms.assign(
        name=estate.vms["name"] + "-twin", vm_id=estate.vms["vm_id"] + "-twin",
        uuid=estate.vms["uuid"] + "-twin")
    doubled = dataclasses.replace(estate, vms=pd.concat([estate.vms, twin], ignore_index=True))
    two = _run(doubled)
    assert two.target.cpu_request_cores == pytest.approx(2 * one.target.cpu_request_cores)
    assert two.target.memory_request_gib == pytest.approx(2 * one.target.memory_request_gib)
    # packed nodes double within the packing's rounding (one node per pool); spares do not
    packed_one = one.target.nodes - one.target.spare_nodes
    packed_two = two.target.nodes - two.target.spare_nodes
    pools = len(one.pools)
    assert 2 * packed_one - pools <= packed_two <= 2 * packed_one + pools


def test_ibm_after_side_capacity_is_credible(ibm: Inventory) -> None:
    """No per-VM usage: the node cores stay within 1.25 x today's 528 physical cores."""
    est = _run(ibm)
    assert est.target.node_cores <= 1.25 * 528
    assert est.quality.confidence_stars is not None and est.quality.confidence_stars <= 2
    assert "vm_usage" not in est.quality.cpu_basis
    rows = {r.figure: r for r in est.insights.capacity}
    assert rows["Node capacity after"].cores == est.target.node_cores
    assert rows["Installed today"].cores == est.current.physical_cores


def test_host_shaped_node_type(ibm: Inventory) -> None:
    a = with_host_shaped_node(load_assumptions(), ibm.hosts)
    # 24 of IBM's 34 hosts have 16 cores and 512 GiB
    shaped = a.platform.node_types["like-hosts-16c-512g"]
    assert (shaped.cores, shaped.memory_gib) == (16, 512.0)
    off = load_assumptions(sets=["platform.host_shaped_node_type=false"])
    assert with_host_shaped_node(off, ibm.hosts) is off
    assert isinstance(a, Assumptions)


def test_every_real_rvtools_snapshot_gets_at_most_two_stars(tmp_path: Path) -> None:
    from shared_data import KUBEV2V_EXAMPLE1

    for parts in (IBM_WORKSHOP, KUBEV2V_EXAMPLE1):
        est = _run(read_inventory(real_data(*parts)))
        assert est.quality.confidence_stars is not None
        assert est.quality.confidence_stars <= 2, parts
    sample = _run(read_inventory(Path(__file__).resolve().parents[1] / "data"
                                 / "sample-rvtools.xlsx"))
    assert sample.quality.confidence_stars <= 2
    assert np.isfinite(sample.target.node_cores)


def test_memory_request_lies_between_active_and_consumed() -> None:
    """kubev2v has vMemory Active and Consumed: the request sits strictly between the two
    figures, and the assumption's range runs from one to the other."""
    from shared_data import KUBEV2V_EXAMPLE1

    inv = read_inventory(real_data(*KUBEV2V_EXAMPLE1))
    low, mid, high = (_run(inv, f"sizing.memory_position={p}") for p in (0, 0.5, 1))
    assert low.target.memory_request_gib < mid.target.memory_request_gib
    assert mid.target.memory_request_gib < high.target.memory_request_gib
    assert mid.quality.memory_basis.get("active_consumed") == 3
    assert load_assumptions().ranges()["sizing.memory_position"] == (0.0, 0.5, 1.0)
    # vm-3: Active 286 MiB, Consumed 3,103 MiB, comfort 1.3 less the 0.5 GiB Linux OS share.
    vm3 = [float(r.vms.set_index("name").loc["vm-3", "memory_request_gib"])
           for r in (low, mid, high)]
    active, consumed = 286 / 1024, 3103 / 1024
    assert vm3[0] < vm3[1] < vm3[2]
    assert vm3[1] == pytest.approx((active + 0.5 * (consumed - active)) * 1.3 - 0.5)


@pytest.mark.parametrize("key,values", [
    ("sizing.cpu_percentile", (50, 80, 95, 99, 100)),
    ("sizing.memory_percentile", (50, 80, 95, 98, 100)),
])
def test_a_higher_percentile_never_lowers_requests_or_capacity(
        tmp_path: Path, key: str, values: tuple[float, ...]) -> None:
    """Sized from the Bitbrains month of samples (the percentile applies to time series)."""
    from test_uncertainty import _bitbrains_inventory

    from estimator.pipeline import estimate
    path, series = _bitbrains_inventory(tmp_path)
    inv = read_inventory(path)
    runs = [estimate(inv, load_assumptions(sets=[f"{key}={v}", f"scope.as_of={AS_OF}"]),
                     timeseries=series, uncertainty=False) for v in values]
    assert all(r.quality.cpu_basis == {"vm_usage": 20} for r in runs)
    which = "cpu_request_cores" if "cpu" in key else "memory_request_gib"
    requests = [getattr(r.target, which) for r in runs]
    assert requests == sorted(requests) and requests[0] < requests[-1]  # the samples vary
    # node capacity in a fixed unit of the catalogue, as above: the yearly hardware
    cost = [sum(p.nodes * _hardware(r, p.node_type) for p in r.pools.itertuples())
            for r in runs]
    assert cost == sorted(cost)


def test_a_vm_no_node_type_of_its_pool_holds_stays_a_vm(estate: Inventory) -> None:
    """A catalogue of one CPU-heavy and one memory-heavy type, and a pool whose pods need
    both: each pod fits some type (so fit lets it move), but packing cannot put every pod of
    the pool on one type. The pods it cannot place stay VMs (no fit, SIZE-EXCEEDS-NODE,
    packing's reason, a note); no VM counts as moving without a node to run on."""
    from estimator.assumptions.sections import host_shaped_node

    base = load_assumptions(sets=["platform.host_shaped_node_type=false",
                                  'platform.isolation_keys=["os_family"]'])
    types = {"cpu-64": host_shaped_node(64, 128), "mem-16": host_shaped_node(16, 1024)}
    a = base.model_copy(update={"platform": base.platform.model_copy(
        update={"node_types": types, "control_plane_node_type": "cpu-64"})})
    vms = estate.vms.copy()
    # Linux VMs that fit only one type each: 30 cores (the 16-core type holds about 11), or
    # about 400 GiB (the 128 GiB type holds about 87); the catalogue's largest pod is
    # 43 cores or 696 GiB, so fit lets both move. Windows VMs are kept small.
    linux = vms.index[(vms["os_family"] == "linux") & (vms["power_state"] == "poweredOn")]
    windows = vms.index[vms["os_family"] == "windows"]
    vms.loc[windows, ["vcpus", "memory_gib", "cpu_util", "memory_util"]] = [2, 8.0, 0.2, 0.5]
    vms.loc[windows, ["memory_active_gib", "memory_consumed_gib"]] = [3.0, 5.0]
    big_cpu, big_mem = linux[0], linux[1]
    vms.loc[big_cpu, ["vcpus", "cpu_util", "memory_gib", "memory_util"]] = [40, 0.6, 16.0, 0.5]
    vms.loc[big_cpu, ["memory_active_gib", "memory_consumed_gib"]] = [6.0, 10.0]
    vms.loc[big_mem, ["vcpus", "cpu_util", "memory_gib", "memory_util"]] = [4, 0.2, 450.0, 0.9]
    vms.loc[big_mem, ["memory_active_gib", "memory_consumed_gib"]] = [350.0, 400.0]
    vms.loc[[big_cpu, big_mem], "name"] = ["app-cpu-heavy", "app-mem-heavy"]
    est = run(resolve_inputs(dataclasses.replace(estate, vms=vms), a, today=AS_OF),
              uncertainty=False)
    out = est.vms
    assert out.loc[big_cpu, "cpu_request_cores"] > 12
    assert out.loc[big_mem, "memory_request_gib"] > 100
    moving = out["moves"].astype(bool)
    assert out.loc[moving, "node_index"].notna().all()  # every moving VM has a node
    stayed = [i for i in (big_cpu, big_mem) if not bool(out.loc[i, "moves"])]
    assert len(stayed) == 1  # packing keeps the type that holds most of the pool
    row = out.loc[stayed[0]]
    assert row["fit_level"] == "no_fit" and pd.isna(row["pool"])
    assert "SIZE-EXCEEDS-NODE" in row["fit_rules"].split(";")
    assert "no single node type holds every pod of pool 'linux'" in row["fit_reason"]
    unplaced = int(out["fit_reason"].str.contains("no single node type holds").fillna(False)
                   .sum())
    assert unplaced >= 1
    assert f"{unplaced} VMs that would move fit no node type of their pool and stay VMs" in \
        " ".join(est.notes) if unplaced > 1 else \
        "1 VM that would move fits no node type of its pool and stays a VM" in " ".join(est.notes)
    assert est.fit.counts["no_fit"] == int((out["fit_level"] == "no_fit").sum())
