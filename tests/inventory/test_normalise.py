import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.inventory.normalise import finalise, make_vm_id, normalise_power_state
from estimator.inventory.schema import VM_COLUMNS


def raw_frame(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"source_row": list(range(2, 2 + n)), "name": [f"vm{i}" for i in range(n)],
            "vcpus": [2.0] * n, "memory_gib": [4.0] * n}
    base.update(columns)
    return pd.DataFrame(base)


def test_bad_values_are_rejected_with_row_and_column() -> None:
    raw = raw_frame(
        name=["ok", None, "neg", "zero", "huge", "inf", "nomem", "disk"],
        vcpus=[2.0, 2.0, -1.0, 0.0, 5000.0, np.inf, 2.0, 2.0],
        memory_gib=[4.0, 4.0, 4.0, 4.0, 4.0, 4.0, np.nan, 4.0],
        storage_used_gib=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -5.0],
    )
    vms, problems = finalise(raw, file="f.csv", sheet=None, source_format="generic")
    assert vms["name"].tolist() == ["ok"]
    got = [(p.row, p.column, p.message) for p in problems if p.kind == "rejected"]
    assert got == [
        (3, "name", "row dropped: no VM name"),
        (4, "vcpus", "row dropped: vCPU count must be above 0 (-1)"),
        (5, "vcpus", "row dropped: vCPU count must be above 0 (0)"),
        (6, "vcpus", "row dropped: vCPU count above 4096 is not plausible (5000)"),
        (7, "vcpus", "row dropped: vCPU count is infinite (inf)"),
        (8, "memory_gib", "row dropped: memory missing"),
        (9, "storage_used_gib", "row dropped: storage_used_gib is negative (-5)"),
    ]
    assert all(p.file == "f.csv" for p in problems)


def test_reader_reason_wins_and_keeps_its_column() -> None:
    raw = raw_frame(name=["a", "b"], _reject_reason=[pd.NA, "CPUs is not a number: 'x'"],
                    _reject_column=[pd.NA, "CPUs"])
    vms, problems = finalise(raw, file="rv.xlsx", sheet="vInfo", source_format="rvtools")
    assert vms["name"].tolist() == ["a"]
    [p] = problems
    assert (p.sheet, p.row, p.column) == ("vInfo", 3, "CPUs")
    assert p.message == "row dropped: CPUs is not a number: 'x'"


def test_schema_os_power_and_identity() -> None:
    raw = raw_frame(
        name=["w", "l", "x"],
        power_state=["poweredOn", "Running", "weird"],
        os_raw=["Microsoft Windows Server 2008 R2 (64-bit)", None, None],
        os_tools_raw=[None, "Red Hat Enterprise Linux 7 (64-bit)", None],
        uuid=["U-1", None, None], vcenter=["VC1", "VC1", None],
        cpu_util=[0.5, 1.7, np.nan],
    )
    vms, problems = finalise(raw, file="a.xlsx", sheet="vInfo", source_format="rvtools")
    assert list(vms.columns) == list(VM_COLUMNS)
    assert vms["power_state"].tolist() == ["poweredOn", "poweredOn", "unknown"]
    assert vms["os_family"].tolist() == ["windows", "linux", "unknown"]
    assert vms["os_version"].iloc[0] == "2008 R2"
    assert bool(vms["os_end_of_support"].iloc[0]) is True
    assert vms["os_raw"].tolist()[:2] == ["Microsoft Windows Server 2008 R2 (64-bit)",
                                          "Red Hat Enterprise Linux 7 (64-bit)"]
    assert vms["vm_id"].tolist() == ["uuid:u-1@vc1", "name:a.xlsx/vc1/l", "name:a.xlsx//x"]
    assert vms["source"].eq("a.xlsx").all() and vms["source_sheet"].eq("vInfo").all()
    assert vms["cpu_util"].iloc[1] == 1.0
    assert [p.kind for p in problems] == ["imputed"]
    assert vms["vcpus"].dtype == "float64" and vms["source_row"].dtype == "Int64"


def test_vm_id_numbers_repeated_names() -> None:
    frame = pd.DataFrame({"name": ["a", "a", "b"], "vcenter": [pd.NA] * 3,
                          "uuid": [pd.NA] * 3})
    assert make_vm_id(frame, "f").tolist() == ["name:f//a", "name:f//a#2", "name:f//b"]


def test_power_state_spellings() -> None:
    got = normalise_power_state(pd.Series(["Powered Off", "suspended", "on", None, "stopped"]))
    assert got.tolist() == ["poweredOff", "suspended", "poweredOn", "unknown", "poweredOff"]


def test_empty_raw_gives_empty_schema_frame() -> None:
    vms, problems = finalise(raw_frame(name=[]), file="e", sheet=None, source_format="generic")
    assert len(vms) == 0 and list(vms.columns) == list(VM_COLUMNS) and problems == []

_numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                     st.integers(-10, 10_000).map(float))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=5)), _numbers, _numbers,
                          _numbers), max_size=8))
def test_finalise_keeps_only_sane_rows(rows: list[tuple]) -> None:
    raw = pd.DataFrame({
        "source_row": list(range(2, 2 + len(rows))),
        "name": pd.array([r[0] for r in rows], dtype="string"),
        "vcpus": pd.array([r[1] for r in rows], dtype="float64"),
        "memory_gib": pd.array([r[2] for r in rows], dtype="float64"),
        "cpu_util": pd.array([r[3] for r in rows], dtype="float64"),
    })
    vms, problems = finalise(raw, file="f", sheet=None, source_format="generic")
    assert len(vms) + sum(p.kind == "rejected" for p in problems) == len(rows)
    assert vms["vm_id"].is_unique
    assert ((vms["vcpus"] > 0) & (vms["vcpus"] <= 4096)).all()
    assert ((vms["memory_gib"] > 0) & (vms["memory_gib"] <= 24 * 1024)).all()
    util = vms["cpu_util"].dropna()
    assert ((util >= 0) & (util <= 1)).all()
    assert vms["name"].notna().all()
