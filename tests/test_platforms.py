"""Target-platform archetypes: coherent bundles, each priced on the same plan inputs, compared
side by side, and the comparison equal to single runs in every output."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import openpyxl
import pytest
from shared_data import IBM_WORKSHOP, KUBEV2V_EXAMPLE1, real_data
from typer.testing import CliRunner

from estimator.assumptions import DEFAULT_PLATFORM, PLATFORMS, load_assumptions, platforms
from estimator.cli import app
from estimator.costs import compute_costs
from estimator.inventory import Inventory, read_inventory
from estimator.pipeline import compare_platforms, prepare, resolve_inputs, run, with_platforms
from estimator.planning import plan_estate

AS_OF = dt.date(2026, 11, 30)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-rvtools.xlsx"
runner = CliRunner()


@pytest.fixture(scope="module")
def sample() -> Inventory:
    return read_inventory(SAMPLE)


def _components(inv: Inventory, platform: str) -> tuple[dict[str, float], object]:
    """Each cost component's yearly total for `platform` on `inv`, and the cost result."""
    inputs = resolve_inputs(inv, load_assumptions(platform=platform), today=AS_OF)
    a = inputs.assumptions
    v = a.flat_values()
    scoped, _ = prepare(inputs)
    plan = plan_estate(scoped, a, v, inv.hosts)
    costs = compute_costs(plan.vms, inv.hosts, plan.pools, a, v, plan.rightsized_hosts)
    return {k: float(x.sum()) for k, x in costs.lines.components.items()}, costs


def test_the_five_archetypes_are_listed() -> None:
    names = [p.name for p in platforms()]
    assert names == list(PLATFORMS)
    assert {"openshift-bare-metal", "kubernetes-bare-metal", "vsphere-kubernetes",
            "managed-cloud", "vms-rightsized"} <= set(names)
    assert DEFAULT_PLATFORM == "openshift-bare-metal"
    result = runner.invoke(app, ["platforms", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [d["name"] for d in doc] == names
    for d in doc:
        assert set(d) == {"name", "description", "nodes_on", "subscription"}
        assert d["nodes_on"] in ("bare-metal", "vsphere", "cloud", "vms")
        assert d["description"]
    by = {d["name"]: d for d in doc}
    assert by["openshift-bare-metal"]["subscription"] is True
    assert by["kubernetes-bare-metal"]["subscription"] is False
    assert by["vms-rightsized"]["nodes_on"] == "vms"


@pytest.mark.parametrize("name", ["openshift-bare-metal", "kubernetes-bare-metal"])
def test_bare_metal_pays_no_hypervisor_for_moved_workloads(sample: Inventory, name: str) -> None:
    c, costs = _components(sample, name)
    assert c["hypervisor_node_hosts"] == 0
    # the hypervisor after is exactly that of the hosts kept for the VMs that stay
    after = costs.categories.set_index("category").loc["Hypervisor licences", "annual_after"]
    assert after == pytest.approx(c["hypervisor_residual"])
    assert c["hardware_nodes"] > 0 and c["hardware_control_plane"] > 0  # owned servers
    if name == "kubernetes-bare-metal":
        assert c["platform_subscription"] == 0
    else:
        assert c["platform_subscription"] > 0


def test_vsphere_kubernetes_keeps_the_hypervisor_for_the_hosts_that_remain(
        sample: Inventory) -> None:
    c, costs = _components(sample, "vsphere-kubernetes")
    q = costs.quantities
    assert q.node_hosts > 0
    assert c["hypervisor_node_hosts"] > 0 and c["hardware_node_hosts"] > 0
    # nodes are VMs: no servers bought for them; the hosts that carry them hold their cores
    # and memory (no over-commit for nodes) plus one spare, and keep their subscription
    assert c["hardware_nodes"] == 0 and c["platform_subscription"] == 0
    a = load_assumptions(platform="vsphere-kubernetes")
    cp = a.platform.node_types[a.platform.control_plane_node_type]
    cores = (q.pools.nodes * q.pools.node_cores).sum() + q.cp_nodes * cp.cores
    memory = (q.pools.nodes * q.pools.memory_gib).sum() + q.cp_nodes * cp.memory_gib
    host_memory = sample.hosts["memory_gib"].mean()
    assert q.node_hosts == math.ceil(max(cores / (q.physical_cores_before / q.hosts_before),
                                         memory / host_memory)) + 1
    per_core = a.flat_values()["current.hypervisor_per_core_year"]
    assert c["hypervisor_node_hosts"] == pytest.approx(
        q.node_hosts * q.node_host_hypervisor_cores * per_core)


def test_managed_cloud_owns_no_hardware_for_moved_workloads(sample: Inventory) -> None:
    c, costs = _components(sample, "managed-cloud")
    for k in ("hardware_nodes", "power_nodes", "hardware_control_plane", "power_control_plane",
              "hardware_node_hosts", "hypervisor_node_hosts"):
        assert c[k] == 0, k
    cat = costs.categories.set_index("category")
    # hardware and facilities after: only the hosts kept for the VMs that stay
    assert cat.loc["Hardware and facilities", "annual_after"] == pytest.approx(
        c["hardware_residual"])
    assert c["cloud_nodes"] > 0
    assert c["platform_control_plane"] == pytest.approx(876.0)  # EKS: USD 0.10 per hour


def test_vms_rightsized_has_no_container_platform(sample: Inventory) -> None:
    c, costs = _components(sample, "vms-rightsized")
    assert c["platform_subscription"] == 0 and c["platform_team"] == 0
    cat = costs.categories.set_index("category")
    for category in ("Container platform", "Windows containers", "Platform team",
                     "Registry and CI"):
        assert cat.loc[category, "annual_after"] == 0, category
    assert costs.quantities.nodes == 0
    # the VMs stay, right-sized onto fewer hosts
    assert 0 < costs.quantities.hosts_after < costs.quantities.hosts_before


@pytest.mark.slow
def test_comparison_equals_single_runs_in_every_output(sample: Inventory, tmp_path: Path
                                                       ) -> None:
    table = compare_platforms(sample)
    main = run(resolve_inputs(sample, load_assumptions(), today=dt.date.today()),
               uncertainty=False)
    est = with_platforms(main, table)
    doc = est.to_dict()
    wb = openpyxl.load_workbook(est.to_excel(tmp_path / "r.xlsx"))
    sheet = {r[0]: r for r in wb["Platforms"].iter_rows(min_row=2, values_only=True)}
    head = [c.value for c in next(wb["Platforms"].iter_rows(max_row=1))]
    html = est.to_html()
    for row in doc["platforms"]:
        name = row["name"]
        single = run(resolve_inputs(sample, load_assumptions(platform=name),
                                    today=dt.date.today()), uncertainty=False)
        assert single.target.platform == name
        # the VM baseline counts the hosts it keeps where the others count nodes
        assert row["nodes"] == (single.target.hosts_kept if name == "vms-rightsized"
                                else single.target.nodes)
        for key in ("annual_after", "annual_savings", "one_off_migration", "npv"):
            assert row[key] == pytest.approx(getattr(single.money, key), rel=1e-9), (name, key)
        assert row["payback_months"] == (None if single.money.payback_months is None
                                         else pytest.approx(single.money.payback_months))
        xl = sheet[name]
        assert xl[head.index("Yearly savings")] == pytest.approx(single.money.annual_savings)
        assert xl[head.index("NPV")] == pytest.approx(single.money.npv)
        assert name in html
    assert est.target.platform == "openshift-bare-metal"
    assert "on openshift-bare-metal" in est.insights.headline[0]


@pytest.mark.slow
@pytest.mark.parametrize("path", [SAMPLE, real_data(*IBM_WORKSHOP), real_data(*KUBEV2V_EXAMPLE1)],
                         ids=["sample", "ibm", "kubev2v"])
def test_cli_platform_and_comparison_on_every_real_file(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["estimate", str(path), "--platform", "managed-cloud",
                                 "--no-uncertainty", "--json", str(out), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["target"]["platform"] == "managed-cloud"
    result = runner.invoke(app, ["estimate", str(path), "--compare-platforms",
                                 "--no-uncertainty", "--json", str(out), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert [r["name"] for r in doc["platforms"]] == list(PLATFORMS)
    for r in doc["platforms"]:
        assert {"name", "nodes", "annual_after", "annual_savings", "one_off_migration", "npv",
                "payback_months"} <= set(r)
