"""Host evidence for VMs without usage, hand-computed on a three-host estate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from estimator.assumptions import load_assumptions
from estimator.evidence import host_evidence, inferred_share
from estimator.sizing import size_containers


def three_hosts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """esx1: 32 cores at 35% and 512 GiB at 50%; esx2: 16 cores at 10%, memory unknown;
    esx3: 24 cores, no usage figures at all."""
    hosts = pd.DataFrame({
        "host": ["esx1.corp.example", "ESX2", "esx3"],
        "cores": [32.0, 16.0, 24.0],
        "memory_gib": [512.0, 256.0, 384.0],
        "cpu_usage_fraction": [0.35, 0.10, np.nan],
        "memory_usage_fraction": [0.50, np.nan, np.nan],
    })
    vms = pd.DataFrame({
        "name": ["a", "b", "off", "c", "d", "e", "lost"],
        "host": ["esx1", "esx1", "esx1", "esx2.corp.example", "esx3", "esx3", "esx9"],
        "power_state": ["poweredOn", "poweredOn", "poweredOff", "poweredOn", "poweredOn",
                        "poweredOn", "poweredOn"],
        "vcpus": [4.0, 12.0, 8.0, 8.0, 6.0, 6.0, 2.0],
        "memory_gib": [64.0, 192.0, 32.0, 16.0, 24.0, 24.0, 8.0],
        "os_family": ["linux"] * 7,
        "in_scope": [True, True, False, True, True, True, True],
    })
    return vms, hosts


def test_busy_cores_and_used_memory_are_shared_by_allocation() -> None:
    vms, hosts = three_hosts()
    ev = host_evidence(vms, hosts)
    # esx1: 0.35 × 32 = 11.2 busy cores over 16 powered-on vCPUs (4 + 12) = 0.7 per vCPU;
    # 0.5 × 512 = 256 GiB over 256 GiB allocated = 1.0 per GiB. The powered-off VM takes no
    # share of the sum but is priced at the same rate.
    assert ev["host_cpu_used_cores"].iloc[:3].tolist() == pytest.approx([2.8, 8.4, 5.6])
    assert ev["host_memory_used_gib"].iloc[:3].tolist() == pytest.approx([64.0, 192.0, 32.0])
    # esx2: 1.6 busy cores, all for c; memory unknown
    assert ev["host_cpu_used_cores"].iloc[3] == pytest.approx(1.6)
    assert np.isnan(ev["host_memory_used_gib"].iloc[3])
    # esx3 has no usage figures; esx9 is not listed
    assert ev["host_cpu_used_cores"].iloc[4:].isna().all()
    # ratios: esx1 16 / 32, esx2 8 / 16, esx3 12 / 24; the unlisted host gets the estate's
    # (16 + 8 + 12) / (32 + 16 + 24) = 0.5
    assert ev["vcpu_per_core_measured"].tolist() == pytest.approx([0.5] * 7)
    assert ev["on_listed_host"].tolist() == [True] * 6 + [False]
    assert inferred_share(pd.concat([vms, ev], axis=1)) == pytest.approx(1 / 6)


def test_sizing_takes_the_best_evidence_per_vm() -> None:
    vms, hosts = three_hosts()
    vms["cpu_util"] = [np.nan, np.nan, np.nan, np.nan, 0.5, np.nan, np.nan]
    a = load_assumptions(sets=["sizing.comfort_factor=1.3",
                               "sizing.os_overhead_cpu_cores.linux=0.1",
                               "sizing.os_overhead_memory_gib.linux=0.5",
                               "current.vcpu_per_core=4"])
    frame = pd.concat([vms, host_evidence(vms, hosts)], axis=1)
    out = size_containers(frame, a.sizing, a.flat_values()).frame
    # a: host share 2.8 × 1.3 − 0.1; d: its own use 6 × 0.5 × 1.3 − 0.1;
    # e: no host usage, measured ratio 0.5 vCPU per core -> 6 / 0.5 = 12, capped at 6 vCPUs;
    # lost: the estate's measured ratio too (2 / 0.5 = 4, capped at 2).
    assert out["cpu_request_cores"].tolist() == pytest.approx(
        [2.8 * 1.3 - 0.1, 8.4 * 1.3 - 0.1, 5.6 * 1.3 - 0.1, 1.6 * 1.3 - 0.1,
         6 * 0.5 * 1.3 - 0.1, 6.0, 2.0])
    assert out["cpu_basis"].tolist() == ["host_usage"] * 4 + ["vm_usage", "vcpu_ratio",
                                                              "vcpu_ratio"]
    # memory: esx1's VMs from the host's use (64 × 1.3 − 0.5, capped at 64); the rest
    # allocation
    assert out["memory_request_gib"].iloc[0] == pytest.approx(64.0)
    assert out["memory_basis"].tolist() == ["host_usage"] * 3 + ["allocated"] * 4


def test_no_hosts_no_evidence() -> None:
    vms, _ = three_hosts()
    ev = host_evidence(vms, None)
    assert ev[["host_cpu_used_cores", "host_memory_used_gib",
               "vcpu_per_core_measured"]].isna().all().all()
    assert not ev["on_listed_host"].any()
