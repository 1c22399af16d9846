"""Each reservation formula against values worked out by hand from the published formula."""

from __future__ import annotations

import numpy as np
import pytest

from estimator.errors import ConfigError
from estimator.reservations import allocatable

EVICTION_GIB = 100 / 1024


def test_gke_4_cores_16_gib() -> None:
    # CPU: 0.06 (core 1) + 0.01 (core 2) + 2 × 0.005 (cores 3-4) = 0.08 cores reserved.
    # Memory: 0.25 × 4 + 0.20 × 4 + 0.10 × 8 = 2.6 GiB reserved, plus 100 MiB eviction.
    cpu, mem = allocatable(4, 16, model="gke", max_pods=110)
    assert cpu == pytest.approx(3.92)
    assert mem == pytest.approx(16 - 2.6 - EVICTION_GIB)


def test_gke_large_node_uses_every_tier() -> None:
    # 64 cores: 0.06 + 0.01 + 0.01 + 60 × 0.0025 = 0.23 cores.
    # 256 GiB: 1 + 0.8 + 0.8 + 0.06 × 112 + 0.02 × 128 = 11.88 GiB.
    cpu, mem = allocatable(64, 256, model="gke", max_pods=110)
    assert cpu == pytest.approx(64 - 0.23)
    assert mem == pytest.approx(256 - 11.88 - EVICTION_GIB)


def test_gke_tiny_node_reserves_255_mib() -> None:
    _, mem = allocatable(1, 0.75, model="gke", max_pods=110)
    assert mem == pytest.approx(0.75 - 255 / 1024 - EVICTION_GIB)


def test_eks_m5_large_like() -> None:
    # 2 cores: 0.06 + 0.01 = 0.07 reserved. Memory: 11 × 29 + 255 = 574 MiB, plus 100 MiB eviction.
    cpu, mem = allocatable(2, 8, model="eks", max_pods=29)
    assert cpu == pytest.approx(1.93)
    assert mem == pytest.approx(8 - 574 / 1024 - EVICTION_GIB)
    assert mem == pytest.approx(7.341796875)


def test_aks_8_cores_32_gib_110_pods() -> None:
    # CPU: 180 m from the table. Memory: min(20 × 110 + 50 = 2250 MiB, 8 GiB) + 100 MiB.
    cpu, mem = allocatable(8, 32, model="aks", max_pods=110)
    assert cpu == pytest.approx(7.82)
    assert mem == pytest.approx(32 - 2250 / 1024 - EVICTION_GIB)


def test_aks_windows_reserves_2_gib_more() -> None:
    _, linux = allocatable(8, 32, model="aks", max_pods=110)
    cpu, windows = allocatable(8, 32, model="aks", max_pods=110, os_family="windows")
    assert cpu == pytest.approx(7.82)
    assert linux - windows == pytest.approx(2.0)
    assert windows == pytest.approx(32 - 2250 / 1024 - 2 - EVICTION_GIB)


def test_aks_memory_capped_at_quarter_of_ram() -> None:
    # 4 GiB, 110 pods: 2250 MiB > 25% of 4 GiB = 1 GiB, so the cap applies.
    cpu, mem = allocatable(4, 4, model="aks", max_pods=110)
    assert cpu == pytest.approx(3.86)  # 140 m from the table
    assert mem == pytest.approx(4 - 1 - EVICTION_GIB)


def test_aks_cpu_between_table_points_and_above() -> None:
    cpu, _ = allocatable(np.array([3.0, 12.0, 96.0]), 64, model="aks", max_pods=110)
    # 3 cores: halfway 100..140 = 120 m; 12 cores: halfway 180..260 = 220 m; 96: 740 + 32 × 10 m.
    np.testing.assert_allclose(cpu, [3 - 0.12, 12 - 0.22, 96 - 1.06])


def test_openshift_planning_rule() -> None:
    cpu, mem = allocatable(16, 64, model="openshift", max_pods=250)
    assert cpu == pytest.approx(13.6)
    assert mem == pytest.approx(54.4)


def test_none_keeps_capacity() -> None:
    assert allocatable(8, 32, model="none", max_pods=110) == (8.0, 32.0)


def test_vectorised_matches_scalar() -> None:
    cores = np.array([2.0, 4.0, 16.0])
    mem = np.array([8.0, 16.0, 64.0])
    cpu_v, mem_v = allocatable(cores, mem, model="eks", max_pods=58)
    for i in range(3):
        cpu_s, mem_s = allocatable(float(cores[i]), float(mem[i]), model="eks", max_pods=58)
        assert cpu_v[i] == pytest.approx(cpu_s)
        assert mem_v[i] == pytest.approx(mem_s)


def test_unknown_model_is_config_error() -> None:
    with pytest.raises(ConfigError, match=r"platform\.reservation_model"):
        allocatable(4, 16, model="k3s", max_pods=110)
