"""No VM is lost: every row read ends up in scope, excluded with a reason, rejected with a reason,
or dropped as a duplicate of a VM already read, and the counts add up to the rows read.

Random RVTools exports (one or two vCenter files) mix good VMs, VMs each scope rule excludes, rows
with bad values and true duplicates. The expected category of every row is known when it is
generated, so the counts are checked exactly, through `read_inventory` + `apply_scope` + the
quality report, and through `pipeline.estimate(..., uncertainty=False)` and its JSON.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from corpus import make_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.assumptions import load_assumptions
from estimator.errors import InputError
from estimator.inventory import read_inventory
from estimator.pipeline import estimate
from estimator.quality import validation_summary
from estimator.scope import apply_scope

write_xlsx = make_corpus().write_xlsx

HEADER = ["VM", "Powerstate", "Template", "SRM Placeholder", "CPUs", "Memory", "VM UUID",
          "VI SDK Server"]
# category -> (power state, template, SRM placeholder, CPUs, Memory MiB, name prefix)
GOOD = ("poweredOn", "FALSE", "FALSE", 2, 4096, "app")
EXCLUDED = {
    "template": ("poweredOff", "TRUE", "FALSE", 2, 4096, "tpl"),
    "powered_off": ("poweredOff", "FALSE", "FALSE", 2, 4096, "off"),
    "suspended": ("suspended", "FALSE", "FALSE", 2, 4096, "sus"),
    "srm_placeholder": ("poweredOff", "FALSE", "TRUE", 2, 4096, "srm"),
    "infrastructure_vm": ("poweredOn", "FALSE", "FALSE", 1, 128, "vCLS-"),
}
REJECTED = {
    "negative_cpu": ("poweredOn", "FALSE", "FALSE", -4, 4096, "neg"),
    "zero_memory": ("poweredOn", "FALSE", "FALSE", 2, 0, "zmem"),
    "text_cpu": ("poweredOn", "FALSE", "FALSE", "four", 4096, "txt"),
    "absurd_cpu": ("poweredOn", "FALSE", "FALSE", 100_000, 4096, "big"),
    "absurd_memory": ("poweredOn", "FALSE", "FALSE", 2, 30 * 2**20, "bigmem"),
    "no_name": ("poweredOn", "FALSE", "FALSE", 2, 4096, ""),
}
CATEGORIES = ["in_scope", *EXCLUDED, *REJECTED, "duplicate"]
PROPS = settings(max_examples=40, deadline=timedelta(seconds=10), derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])


@st.composite
def estates(draw: st.DrawFn) -> tuple[list[list[list[object]]], Counter[str]]:
    """One or two files of rows, and the expected count per category."""
    n_files = draw(st.integers(1, 2))
    files: list[list[list[object]]] = []
    expected: Counter[str] = Counter()
    good_rows: list[list[object]] = []
    serial = 0
    for f in range(n_files):
        cats = draw(st.lists(st.sampled_from(CATEGORIES), min_size=0, max_size=25))
        # Every file needs a usable row, and the estate a VM in scope.
        cats = ["in_scope", *cats]
        if f == 0:
            cats = [c for c in cats if c != "duplicate"]
        rows: list[list[object]] = []
        for cat in cats:
            serial += 1
            if cat == "duplicate":
                if not good_rows:
                    continue
                rows.append(list(draw(st.sampled_from(good_rows))))
            else:
                power, tpl, srm, cpus, mem, prefix = (
                    GOOD if cat == "in_scope" else EXCLUDED.get(cat) or REJECTED[cat])
                name = f"{prefix}{serial:04d}" if prefix else None
                row = [name, power, tpl, srm, cpus, mem,
                       f"4201{serial:04d}-0000-0000-0000-000000000000", "vc1.example.com"]
                rows.append(row)
                if cat == "in_scope":
                    good_rows.append(row)
            expected[cat] += 1
        files.append(rows)
    return files, expected


def _write(folder: Path, files: list[list[list[object]]]) -> list[Path]:
    paths = []
    for i, rows in enumerate(files, start=1):
        path = folder / f"vcenter{i}.xlsx"
        write_xlsx(path, {"vInfo": [HEADER, *rows]})
        paths.append(path)
    return paths


def _rows(files: list[list[list[object]]]) -> int:
    return sum(len(rows) for rows in files)


@PROPS
@given(estates())
def test_every_row_is_kept_excluded_or_rejected(estate: tuple[list, Counter[str]]) -> None:
    files, expected = estate
    with tempfile.TemporaryDirectory() as tmp:
        inv = read_inventory(_write(Path(tmp), files))
    scoped = apply_scope(inv.vms, load_assumptions().scope)
    summary = validation_summary(inv, scoped)
    overall = summary["quality"]["overall"]

    assert overall["rows_read"] == _rows(files)
    in_scope = int(scoped["in_scope"].sum())
    reasons = scoped.loc[~scoped["in_scope"], "exclusion_reason"]
    assert reasons.notna().all()  # every exclusion has its reason
    assert scoped.loc[scoped["in_scope"], "exclusion_reason"].isna().all()
    rejected = [p for p in inv.all_problems if p.kind == "rejected"]
    assert all(p.row is not None and p.message.startswith("row dropped: ") for p in rejected)
    duplicates = [p for p in inv.all_problems if p.kind == "duplicate"]

    assert in_scope == expected["in_scope"]
    assert dict(Counter(reasons.tolist())) == {k: expected[k] for k in EXCLUDED if expected[k]}
    assert len(rejected) == sum(expected[k] for k in REJECTED)
    assert len(duplicates) == expected["duplicate"]
    assert in_scope + len(reasons) + len(rejected) + len(duplicates) == overall["rows_read"]
    # The same through the validate summary's own counts.
    inv_doc = summary["inventory"]
    assert (inv_doc["vms_in_scope"] + sum(inv_doc["excluded"].values())
            + overall["rows_dropped"] + overall["duplicates"]) == overall["rows_read"]
    # Rejected rows are reported at their spreadsheet row: header is row 1.
    names_by_row = {}
    for i, rows in enumerate(files, start=1):
        for r, row in enumerate(rows, start=2):
            names_by_row[(f"vcenter{i}.xlsx", r)] = row
    for p in rejected:
        row = names_by_row[(str(p.file), p.row)]
        prefixes = tuple(v[5] for v in REJECTED.values() if v[5])
        assert row[0] is None or str(row[0]).startswith(prefixes), (p, row)


@settings(PROPS, max_examples=15)
@given(estates())
def test_pipeline_json_accounts_for_every_row(estate: tuple[list, Counter[str]]) -> None:
    files, expected = estate
    with tempfile.TemporaryDirectory() as tmp:
        if expected["in_scope"] == 0:
            with pytest.raises(InputError, match="no VM is in scope"):
                estimate(_write(Path(tmp), files), uncertainty=False)
            return
        est = estimate(_write(Path(tmp), files), uncertainty=False)
    doc = est.to_dict()
    inv = doc["inventory"]
    overall = doc["quality"]["overall"]
    assert overall["rows_read"] == _rows(files)
    assert inv["vms_in_scope"] == expected["in_scope"]
    assert inv["rows_rejected"] == sum(expected[k] for k in REJECTED)
    assert {k: v for k, v in inv["excluded"].items() if v} == {
        k: expected[k] for k in EXCLUDED if expected[k]}
    assert overall["duplicates"] == expected["duplicate"]
    assert (inv["vms_in_scope"] + sum(inv["excluded"].values()) + inv["rows_rejected"]
            + overall["duplicates"]) == overall["rows_read"]
    # Per VM: every in-scope VM is in the result table, moving, staying or retiring.
    vms = est.vms
    assert len(vms) == inv["vms_total"]
    in_scope = vms["in_scope"].astype(bool)
    assert vms.loc[in_scope, "fit_level"].notna().all()
    assert pd.Series(vms.loc[~in_scope, "exclusion_reason"]).notna().all()
