import dataclasses

import pandas as pd
import pytest

from estimator.assumptions import load_assumptions
from estimator.scope import EXCLUSION_REASONS, apply_scope, excluded_counts, override_problems


def vms() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["web", "tmpl", "srm", "vCLS-1234", "off", "susp", "lab", "db", "vcls (2)"],
        "vcenter": ["vc1"] * 8 + ["vc2"],
        "power_state": ["poweredOn", "poweredOff", "poweredOff", "poweredOn", "poweredOff",
                        "suspended", "poweredOn", "poweredOn", "poweredOn"],
        "is_template": pd.array([False, True, False, False, False, False, False, False,
                                 pd.NA], dtype="boolean"),
        "is_srm_placeholder": pd.array([False, False, True, False, False, False, False,
                                        False, False], dtype="boolean"),
        "cluster": ["Prod", "Prod", "Prod", "Prod", "Prod", "Prod", "Lab-1", "Prod", "Prod"],
        "datacenter": ["DC1"] * 8 + ["DC2"],
        "environment": pd.array(["prod"] + [pd.NA] * 8, dtype="string"),
        "security_zone": pd.array([pd.NA] * 9, dtype="string"),
    })


def test_defaults_one_reason_each_with_precedence() -> None:
    scoped = apply_scope(vms(), load_assumptions().scope)
    assert scoped["exclusion_reason"].fillna("-").tolist() == [
        "-", "template", "srm_placeholder", "infrastructure_vm", "powered_off", "suspended",
        "-", "-", "infrastructure_vm"]
    assert scoped["in_scope"].tolist() == [True, False, False, False, False, False, True, True,
                                           False]
    counts = excluded_counts(scoped)
    assert list(counts) == list(EXCLUSION_REASONS)
    # The powered-off template counts as a template, not as powered off.
    assert counts["template"] == 1 and counts["powered_off"] == 1


def test_include_flags_clusters_and_datacenters() -> None:
    scope = load_assumptions(sets=[
        "scope.include_powered_off=true", "scope.include_templates=true",
        'scope.exclude_clusters=["lab-*"]', 'scope.include_datacenters=["dc1"]']).scope
    scoped = apply_scope(vms(), scope)
    reasons = dict(zip(scoped["name"], scoped["exclusion_reason"].fillna("-"), strict=True))
    assert reasons["tmpl"] == "-" and reasons["off"] == "-"
    assert reasons["lab"] == "cluster"
    assert reasons["vcls (2)"] == "infrastructure_vm"  # name rule before datacenter
    assert reasons["srm"] == "srm_placeholder"


def test_scope_with_plain_namespace() -> None:
    scope = dataclasses.make_dataclass("S", [])()
    for key, value in dict(include_powered_off=False, include_suspended=True,
                           include_templates=False, include_srm_placeholders=True,
                           exclude_name_patterns=(), include_clusters=("prod",),
                           exclude_clusters=(), include_datacenters=(),
                           exclude_datacenters=()).items():
        setattr(scope, key, value)
    scoped = apply_scope(vms(), scope)
    reasons = dict(zip(scoped["name"], scoped["exclusion_reason"].fillna("-"), strict=True))
    assert reasons["susp"] == "-" and reasons["srm"] == "powered_off"
    assert reasons["vCLS-1234"] == "-" and reasons["lab"] == "cluster"


def test_overrides_exclude_include_and_tags() -> None:
    overrides = pd.DataFrame({
        "name": ["WEB", "off", "db", "db", "ghost"],
        "vcenter": pd.array([pd.NA, pd.NA, "vc1", pd.NA, pd.NA], dtype="string"),
        "exclude": pd.array([True, False, pd.NA, True, pd.NA], dtype="boolean"),
        "fit_level": pd.array([pd.NA, pd.NA, "good", "no_fit", pd.NA], dtype="string"),
        "environment": pd.array([pd.NA, "test", "prod", pd.NA, pd.NA], dtype="string"),
        "security_zone": pd.array([pd.NA, pd.NA, "pci", pd.NA, pd.NA], dtype="string"),
        "replicas": [float("nan"), float("nan"), 3.0, float("nan"), float("nan")],
        "source_row": [2, 3, 4, 5, 6],
    })
    scoped = apply_scope(vms(), load_assumptions().scope, overrides).set_index("name")
    assert scoped.loc["web", "exclusion_reason"] == "override"
    assert bool(scoped.loc["off", "in_scope"]) is True  # exclude = false forces inclusion
    assert scoped.loc["off", "environment"] == "test"
    # The row naming the vCenter beats the general one for every column it sets.
    assert scoped.loc["db", "override_fit_level"] == "good"
    assert scoped.loc["db", "override_replicas"] == 3.0
    assert scoped.loc["db", "security_zone"] == "pci"
    assert bool(scoped.loc["db", "in_scope"]) is False  # exclude only in the general row
    assert pd.isna(scoped.loc["lab", "override_fit_level"])
    [p] = override_problems(vms(), overrides, "ov.csv")
    assert (p.row, p.file) == (6, "ov.csv") and "'ghost'" in p.message


@pytest.mark.parametrize("state", ["poweredOff", "suspended"])
def test_state_only_rules(state: str) -> None:
    frame = vms().iloc[[0]].assign(power_state=state)
    assert not apply_scope(frame, load_assumptions().scope)["in_scope"].iloc[0]
