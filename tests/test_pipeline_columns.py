"""The pipeline hands the current-estate and fit summaries only the VM columns they read.

If a summary starts reading another column, these tests fail: add it to
`pipeline.CURRENT_COLUMNS` or `pipeline.FIT_COLUMNS`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator import estimate, pipeline
from estimator.fit import top_reasons
from estimator.insights import summarise_current, summarise_fit
from estimator.model import Estimate

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-rvtools.xlsx"


@pytest.fixture(scope="module")
def est() -> Estimate:
    return estimate(SAMPLE, uncertainty=False)


def _variants(vms: pd.DataFrame) -> list[pd.DataFrame]:
    """The VM table as estimated, and with a mix of powered-off, out-of-scope, unmeasured
    and moving VMs, so that every column the summaries read matters."""
    rng = np.random.default_rng(0)
    mixed = vms.copy()
    n = len(mixed)
    mixed["power_state"] = pd.array(rng.choice(["poweredOn", "poweredOff"], n), dtype="string")
    mixed["in_scope"] = rng.random(n) < 0.8
    mixed["cpu_util"] = mixed["cpu_util"].where(rng.random(n) < 0.7)
    mixed["moves"] = rng.random(n) < 0.5
    return [vms, mixed]


def test_current_summary_reads_only_its_columns(est: Estimate) -> None:
    for vms in _variants(est.vms):
        for hosts in (est.hosts, est.hosts.iloc[0:0]):
            args = (hosts, est.current.hosts, est.current.hosts_inferred,
                    float(est.current.physical_cores or 0.0))
            assert summarise_current(*args, pipeline._columns(vms, pipeline.CURRENT_COLUMNS)) \
                == summarise_current(*args, vms)


def test_fit_summary_and_reasons_read_only_their_columns(est: Estimate) -> None:
    for vms in _variants(est.vms):
        narrow = pipeline._columns(vms, pipeline.FIT_COLUMNS)
        pd.testing.assert_frame_equal(top_reasons(narrow, 20), top_reasons(vms, 20))
        reasons = top_reasons(vms, 20)
        assert summarise_fit(narrow, reasons) == summarise_fit(vms, reasons)
