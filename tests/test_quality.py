import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shared_data import IBM_WORKSHOP, real_data, write_xlsx

from estimator.assumptions import load_assumptions
from estimator.inventory import read_inventory
from estimator.quality import (
    confidence_stars,
    evidence_stars,
    quality_report,
    validation_summary,
    vm_evidence_stars,
)
from estimator.scope import apply_scope


@pytest.mark.parametrize(("share", "stars"), [
    (0.0, 1), (0.20, 1), (0.21, 2), (0.40, 2), (0.41, 3), (0.60, 3), (0.61, 4), (0.80, 4),
    (0.81, 5), (1.0, 5), (None, None)])
def test_stars_follow_azure_migrate_bands(share: float | None, stars: int | None) -> None:
    assert confidence_stars(share) == stars


def inventory(tmp_path: Path):
    rows = [["VM", "Powerstate", "CPUs", "Memory", "Active Memory", "VM UUID", "VI SDK Server"],
            ["a", "poweredOn", 2, 4096, 1024, "u1", "vc"],
            ["b", "poweredOn", 4, 8192, None, "u2", "vc"],
            ["c", "poweredOff", 1, 1024, 0, "u3", "vc"],
            ["d", "poweredOn", -1, 1024, 0, "u4", "vc"]]
    vcpu = [["VM", "Max", "Overall", "VM UUID"], ["a", 4000, 1000, "u1"], ["b", 8000, 800, "u2"]]
    a = write_xlsx(tmp_path / "a.xlsx", {"vInfo": rows, "vCPU": vcpu})
    b = write_xlsx(tmp_path / "b.xlsx", {"vInfo": rows[:2]})
    inv = read_inventory([a, b])
    return inv, apply_scope(inv.vms, load_assumptions().scope)


def test_quality_report_per_file(tmp_path: Path) -> None:
    inv, scoped = inventory(tmp_path)
    report = quality_report(inv, scoped)
    a, b = report.files
    assert (a.rows_read, a.vms_kept, a.rows_dropped) == (4, 3, 1)
    rejected = [p for p in report.problems if p.kind == "rejected"]
    assert (rejected[0].file, rejected[0].row, rejected[0].column) == ("a.xlsx", 5, "vcpus")
    # a: in scope a and b; only a has both CPU and memory usage (one snapshot: 2 stars), b has
    # none (1 star): mean 1.5 -> 1; no host list at all costs no further star below 1.
    assert (a.vms_in_scope, a.vms_with_usage, a.usage_share, a.confidence_stars) == (
        2, 1, 0.5, 1)
    assert a.imputed_fields >= 1
    assert any("vCPU 'Overall'" in p.message for p in report.problems if p.kind == "imputed")
    assert (b.vms_kept, b.duplicates, b.vms_in_scope, b.confidence_stars) == (0, 1, 0, None)
    assert report.overall.duplicates == 1
    assert report.overall.confidence_stars == report.confidence_stars == 1


def test_validation_summary_is_plain_json(tmp_path: Path) -> None:
    inv, scoped = inventory(tmp_path)
    summary = validation_summary(inv, scoped)
    again = json.loads(json.dumps(summary))
    assert again == summary
    i = summary["inventory"]
    assert (i["vms_total"], i["vms_in_scope"], i["vcpus_in_scope"]) == (3, 2, 6.0)
    assert i["memory_gib_in_scope"] == 12.0
    assert i["excluded"]["powered_off"] == 1
    assert i["by_source"] == {"a.xlsx": {"format": "rvtools", "vms": 3, "in_scope": 2},
                              "b.xlsx": {"format": "rvtools", "vms": 0, "in_scope": 0}}
    assert summary["current"] == {"hosts": None, "physical_cores": None, "cpu_sockets": None,
                                  "memory_gib": None}
    # Dropped rows and duplicates are problems; imputations and allocation sizing are notes.
    assert {p["kind"] for p in summary["problems"]} == {"rejected", "duplicate"}
    notes = summary["notes"]
    assert "imputed" in {n["kind"] for n in notes}
    assert ("1 in-scope VM has no memory use of its own: sized from allocation"
            in [n["message"] for n in notes])
    assert summary["notes"][-1]["message"].startswith("No host list: today's hosts will be "
                                                      "inferred")
    assert summary["usable"] is True


def test_ibm_workshop_summary() -> None:
    inv = read_inventory(real_data(*IBM_WORKSHOP))
    summary = validation_summary(inv, apply_scope(inv.vms, load_assumptions().scope))
    i = summary["inventory"]
    assert (i["vms_total"], i["vms_in_scope"]) == (805, 763)
    assert i["excluded"]["powered_off"] == 32 and i["excluded"]["template"] == 10
    assert summary["current"]["hosts"] == 34
    assert summary["current"]["physical_cores"] == 528
    # The old layout has no vCPU/vMemory tabs: no usage data, one star.
    assert summary["quality"]["overall"]["confidence_stars"] == 1


def _vm(**kw: object) -> dict[str, object]:
    return {"in_scope": True, "source": "f", "cpu_util": np.nan, "memory_util": np.nan, **kw}


@pytest.mark.parametrize(("rows", "inferred", "stars"), [
    # a month of per-VM history for every VM: 5
    ([_vm(cpu_basis="vm_usage", memory_basis="vm_usage", usage_source="timeseries",
          usage_period_days=31.0)] * 4, 0.0, 5),
    # a week of history: 3; half a month mixed with allocation: (4 + 1) / 2 -> 2
    ([_vm(cpu_basis="vm_usage", memory_basis="vm_usage", usage_source="timeseries",
          usage_period_days=7.0)], 0.0, 3),
    ([_vm(cpu_basis="vm_usage", memory_basis="vm_usage", usage_source="timeseries",
          usage_period_days=14.0), _vm(cpu_basis="vcpu_ratio", memory_basis="allocated")],
     0.0, 2),
    # one RVTools snapshot, even of every VM: at most 2
    ([_vm(cpu_basis="vm_usage", memory_basis="active_consumed", usage_source="snapshot")] * 3,
     0.0, 2),
    # an assessment import's utilisation: 3; the host's use only: 2; allocation only: 1
    ([_vm(cpu_basis="vm_usage", memory_basis="vm_usage", usage_source="summary")], 0.0, 3),
    ([_vm(cpu_basis="host_usage", memory_basis="host_usage")], 0.0, 2),
    ([_vm(cpu_basis="vcpu_ratio", memory_basis="allocated")], 0.0, 1),
    # a tenth or more of the VMs on inferred hosts: one star less
    ([_vm(cpu_basis="host_usage", memory_basis="host_usage")], 0.1, 1),
    ([_vm(cpu_basis="vm_usage", memory_basis="vm_usage", usage_source="summary")], 0.5, 2),
    ([_vm(cpu_basis="vm_usage", memory_basis="vm_usage", usage_source="summary")], 0.05, 3),
])
def test_confidence_rests_on_history(rows: list[dict[str, object]], inferred: float,
                                     stars: int) -> None:
    vms = pd.DataFrame(rows)
    assert evidence_stars(vm_evidence_stars(vms), inferred) == stars
