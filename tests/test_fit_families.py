"""Fit rule families: infrastructure roles, desktops and legacy Windows, stateful and large.

One small fixture per family, built like tests/test_fit.py's frames, with the real default
patterns (so a change of a default that loses a named VM fails here), plus the pattern engine
and the per-family counts the reports and `validate` read.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, get_args

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from estimator.assumptions import load_assumptions
from estimator.assumptions.sections import FitLevel, InfraAction, OsAction
from estimator.fit import (
    _BOUNDARY,
    _LEVEL_RANK,
    FAMILY_ACTIONS,
    FAMILY_TITLES,
    LEVELS,
    MOVING_LEVELS,
    OS_ACTIONS,
    OUTCOME_OF_LEVEL,
    OUTCOMES,
    RETIRING_LEVELS,
    RULE_FAMILIES,
    RULE_IDS,
    RULES,
    _fnmatch_search,
    _Lines,
    _pattern_regex,
    classify_fit,
    family_counts,
    family_masks,
    outcome_counts,
    outcome_reasons,
    rule_counts,
    rules_table,
    split_pattern,
)
from estimator.model import FIT_LEVELS

DEFAULTS = load_assumptions()
VALUES: dict[str, float] = DEFAULTS.flat_values()
# The thresholds the size cases assume, pinned.
VALUES.update({"fit.stateful_storage_gib": 2048.0, "fit.large_vcpus": 16.0,
               "fit.windows_min_version": 2016.0})

UBUNTU = ("linux", "Ubuntu", "22.04", False, "Ubuntu Linux (64-bit)")
WIN2019 = ("windows", "Windows Server", "2019", False, "Microsoft Windows Server 2019 (64-bit)")


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """VMs from dicts with `os` (family, name, version, end of support, raw) plus overrides."""
    records = []
    for i, row in enumerate(rows):
        row = dict(row)
        family, name, version, eos, raw = row.pop("os", UBUNTU)
        records.append({
            "name": f"app{i:02d}", "os_family": family, "os_name": name, "os_version": version,
            "os_end_of_support": eos, "os_raw": raw, "vcpus": 4.0, "memory_gib": 16.0,
            "storage_used_gib": 100.0, "storage_provisioned_gib": 200.0, "cpu_util": 0.4,
            "memory_util": 0.6, "tags": None, "annotation": None, "in_scope": True, **row,
        })
    out = pd.DataFrame.from_records(records)
    for col in ("name", "os_family", "os_name", "os_version", "os_raw", "tags", "annotation"):
        out[col] = out[col].astype("string")
    out["os_end_of_support"] = out["os_end_of_support"].astype("boolean")
    for col in ("vcpus", "memory_gib", "storage_used_gib", "storage_provisioned_gib",
                "cpu_util", "memory_util"):
        out[col] = out[col].astype("float64")
    return out


def classify(*rows: dict[str, Any], fit: Any = None,
             values: dict[str, float] | None = None) -> pd.DataFrame:
    return classify_fit(frame(*rows), fit or DEFAULTS.fit, values or VALUES)


def rules_of(names: list[str], **row: Any) -> list[str]:
    return classify(*({"name": n, **row} for n in names))["fit_rules"].tolist()


# ------------------------------------------------------------------------------ declarations
def test_levels_are_declared_once() -> None:
    assert LEVELS is FIT_LEVELS
    assert get_args(FitLevel) == FIT_LEVELS
    assert get_args(InfraAction) == FAMILY_ACTIONS
    assert get_args(OsAction) == OS_ACTIONS
    assert set(_LEVEL_RANK) == set(LEVELS) == set(OUTCOME_OF_LEVEL)
    assert {"excellent", "good", "needs_work"} == MOVING_LEVELS
    assert {"retire_idle", "retire_with_platform"} == RETIRING_LEVELS
    assert set(OUTCOME_OF_LEVEL.values()) == set(OUTCOMES)
    # A role outranks a technical verdict, and idle; virtualisation management outranks all.
    assert (_LEVEL_RANK["no_fit"] < _LEVEL_RANK["retire_idle"] < _LEVEL_RANK["stays_vm"]
            < _LEVEL_RANK["retire_with_platform"])


def test_families_partition_the_rules_and_keys_exist() -> None:
    listed = [r for ids in RULE_FAMILIES.values() for r in ids]
    assert sorted(listed) == sorted(RULE_IDS) and len(listed) == len(set(listed))
    assert list(RULE_FAMILIES) == list(FAMILY_TITLES)
    assert RULE_FAMILIES["infrastructure"] == (
        "INFRA-VIRT-MGMT", "INFRA-DIRECTORY", "INFRA-NETWORK-SVC", "INFRA-ENDPOINT-MGMT",
        "INFRA-BACKUP", "INFRA-MONITORING")
    assert RULE_FAMILIES["legacy_os"] == ("OS-WIN-32BIT", "OS-WIN-2003-2008", "OS-DESKTOP")
    assert RULE_FAMILIES["size"] == ("SIZE-EXCEEDS-NODE", "SIZE-STATEFUL-LARGE",
                                     "SIZE-LARGE-VCPU")
    keys = set(DEFAULTS.table()["key"])
    for rule in RULES:
        assert rule.configured_by in keys | {"", "scope.overrides_file"}, rule.id
        assert rule.reason.endswith("."), rule.id


def test_new_assumptions_have_sources_and_units() -> None:
    table = DEFAULTS.table().set_index("key")
    for key in ("fit.virt_mgmt_patterns", "fit.virt_mgmt_action", "fit.directory_action",
                "fit.backup_patterns", "fit.desktop_action", "fit.win_32bit_action",
                "fit.win_2003_2008_action"):
        assert table.loc[key, "source"].startswith("method choice"), key
    assert table.loc["fit.stateful_storage_gib", "unit"] == "GiB"
    assert table.loc["fit.large_vcpus", "unit"] == "vCPU"
    assert DEFAULTS.ranges()["fit.stateful_storage_gib"] == (1024.0, 2048.0, 4096.0)
    assert DEFAULTS.ranges()["fit.large_vcpus"] == (8.0, 16.0, 32.0)
    assert table.loc["fit.virt_mgmt_action", "value"] == "retire_with_platform"
    for family in ("directory", "network_service", "endpoint_mgmt", "backup", "monitoring"):
        assert table.loc[f"fit.{family}_action", "value"] == "stays_vm"


# ----------------------------------------------------------------------------- pattern engine
def _search(pattern: str, names: list[str | None]) -> list[bool]:
    regex = _pattern_regex([pattern])
    assert regex is not None
    return _Lines(pd.Series(names, dtype="string")).search(regex).tolist()


def test_bar_marks_a_name_part_boundary() -> None:
    names = ["fra-mon001", "MON01", "lon_mon", "salmon01", "month-end", "x.mon.y", "mon",
             "daemon1", None]
    assert _search("*|mon|*", names) == [True, True, True, False, False, True, True, False,
                                         False]
    # Digits end a part: "ns1-int" holds the part "ns".
    assert _search("*|ns|*", ["ns1-int", "ns2-int", "bonssftest01", "dns01", "lon-ns"]) == [
        True, True, False, False, True]


def test_anchors_and_classes_keep_fnmatch_meaning() -> None:
    names = ["srm01", "bowsrm17-s", "sapsrm01", "x-srm", "srmtest", "usrmgr"]
    assert _search("srm*", names) == [True, False, False, False, True, False]
    assert _search("*[!p]srm*", names) == [False, True, False, True, False, True]
    # A negated class never matches the newline that joins two names.
    assert _search("*[!p]srm*", ["a", "srm"]) == [False, False]
    assert _search("db[-_0-9]*", ["db01", "mydb01", "db", "sandbox"]) == [True, False, False,
                                                                          False]


def test_pattern_prefixes_pick_the_field() -> None:
    assert split_pattern("os:*photon*") == (("os_raw",), "*photon*")
    assert split_pattern("Annotation:*vcenter*") == (("annotation",), "*vcenter*")
    assert split_pattern("tags:*sccm*") == (("tags",), "*sccm*")
    assert split_pattern("name:*sccm*") == (("name",), "*sccm*")
    # An unknown prefix is part of the pattern; no prefix searches name and tags.
    assert split_pattern("http:*") == (("name", "tags"), "http:*")
    assert split_pattern("*sql*") == (("name", "tags"), "*sql*")


def _reference(pattern: str, name: str) -> bool:
    """The slow, obvious meaning: fnmatch over the whole name, `|` as a boundary."""
    parts = [fnmatch.translate(p)[len("(?s:"):-len(")\\Z")] for p in pattern.lower().split("|")]
    return re.fullmatch(_BOUNDARY.join(parts), name.lower()) is not None


@settings(max_examples=200, deadline=None)
# an empty name before a match: a negated class must not match the joining newline
@example(pattern="[!b]a*", names=["", "aa"])
@given(st.from_regex(r"\*?\|?(\[!?[a-c]\])?[a-c]{1,3}\|?[a-c0-9-]{0,2}\*?", fullmatch=True),
       st.lists(st.from_regex(r"[a-c0-9-]{0,8}", fullmatch=True), min_size=1, max_size=8))
def test_fast_search_equals_the_plain_fnmatch_meaning(pattern: str, names: list[str]) -> None:
    assert _search(pattern, names) == [_reference(pattern, n) for n in names]
    assert _fnmatch_search(pattern)  # compiles to something


# ------------------------------------------------------------------ infrastructure families
@pytest.mark.parametrize(
    ("rule", "caught", "missed"),
    [
        ("INFRA-VIRT-MGMT",
         ["bolpsc1", "bolvcpsc17-S", "bolvcsa17-S", "bowvum17", "BOWSRM17-01", "bowsrm17-S",
          "bolvra17-02-S", "bolvro1", "lon-vc01", "fra-vcenter", "aria-ops-01", "hzn-cs01",
          "vsan-witness", "nsx-mgr01", "wvmm1", "vrops01"],
         ["sapsrm01", "svc-app01", "mariadb01", "vacuum01", "provision01", "BOWSVCCORP01"]),
        ("INFRA-DIRECTORY",
         ["FRA-DC001", "BOWDIRSVC1", "wadfs1", "lon-ad01", "wazadconn01", "corp-addc"],
         ["BOWADTOOLS01", "loadbalancer01", "roadmap-app"]),
        ("INFRA-NETWORK-SVC",
         ["ns1-int", "BOWKMS2", "wpki02", "wsubca01", "BOWWINS01", "ntprint2", "lon-dns01",
          "dhcp01", "radius1", "lon-ntp01"],
         ["NTWINSVCPROD01", "blueprint-app", "NTDATACERTTEST", "bonssftest01"]),
        ("INFRA-ENDPOINT-MGMT",
         ["BOWSCCMDP01", "BOWSCCMMNT01", "wmcafeeunc", "BOWEPOSRV01", "wsus01", "wvscan14",
          "BOWSCORCH01"],
         ["reposrv01", "lon-repo01", "epoch-app"]),
        ("INFRA-BACKUP",
         ["bowveeamone1", "lcsnbu001nb", "BOWTSMOC", "bowvmprxy17-01", "commvault-ma1",
          "avamar-proxy"],
         ["BOWBEI04-bkp1", "itsm-app01", "wbei01-bkp1"]),
        ("INFRA-MONITORING",
         ["fra-mon001", "BOWSCOMMS01", "BOWDCLOGCOLL1", "zabbix-proxy", "BOWADDMPROXY"],
         ["salmon01", "month-end01", "lemonade"]),
    ],
)
def test_default_patterns_catch_the_role_and_spare_look_alikes(
        rule: str, caught: list[str], missed: list[str]) -> None:
    hits = [rule in r.split(";") for r in rules_of(caught + missed)]
    assert hits == [True] * len(caught) + [False] * len(missed)


def test_roles_are_found_in_notes_tags_and_os_strings() -> None:
    out = classify({"annotation": "VMware vCenter Server Appliance"},
                   {"annotation": "Veeam Backup: Time 02:00, Job: daily"},
                   {"tags": "role=SCCM distribution point"},
                   {"os": ("linux", "Photon OS", None, None, "VMware Photon OS (64-bit)")},
                   {"os": ("other", None, None, None, "VMware vCenter Server Appliance")},
                   {"annotation": "Domain Controller for corp.example"})
    rules = out["fit_rules"].tolist()
    assert "INFRA-VIRT-MGMT" in rules[0]
    # Backup tools write their notes into every protected VM: backup patterns search names.
    assert "INFRA-BACKUP" not in rules[1]
    assert "INFRA-ENDPOINT-MGMT" in rules[2]
    assert rules[3] == "OS-LINUX-GENERIC;WL-APPLIANCE"
    assert "INFRA-VIRT-MGMT" in rules[4]
    assert "INFRA-DIRECTORY" in rules[5]


@pytest.mark.parametrize(
    ("action", "level", "moves"),
    [("retire_with_platform", "retire_with_platform", False), ("stays_vm", "stays_vm", False),
     ("no_fit", "no_fit", False), ("ignore", "good", True)],
)
def test_family_action_sets_the_level(action: str, level: str, moves: bool) -> None:
    fit = DEFAULTS.fit.model_copy(update={"backup_action": action})
    row = classify({"name": "bowveeamone1", "os": WIN2019}, fit=fit).iloc[0]
    assert (row["fit_level"], bool(row["moves"])) == (level, moves)
    assert ("INFRA-BACKUP" in row["fit_rules"]) == (action != "ignore")
    table = rules_table(fit, VALUES).set_index("id")
    assert table.loc["INFRA-BACKUP", "enabled"] == (action != "ignore")
    if action != "ignore":
        assert row["fit_reason"].startswith("Backup server or proxy")
        assert table.loc["INFRA-BACKUP", "level"] == level


def test_virtualisation_management_reason_and_default() -> None:
    row = classify({"name": "bolpsc1", "os": ("linux", "SLES", "11", True,
                                              "SUSE Linux Enterprise 11 (64-bit)")}).iloc[0]
    assert row["fit_level"] == "retire_with_platform"
    assert row["fit_reason"] == (
        "Virtualisation management (vCenter, PSC, Update Manager, SRM, vRA/vRO, Aria, Horizon, "
        "NSX, SCVMM): part of the platform, not a workload; it retires with the virtualisation "
        "platform.")
    assert not row["moves"] and not row["retire_candidate"] and not row["needs_os_upgrade"]
    fit = DEFAULTS.fit.model_copy(update={"virt_mgmt_action": "stays_vm"})
    row = classify({"name": "bolpsc1"}, fit=fit).iloc[0]
    assert row["fit_level"] == "stays_vm"
    assert row["fit_reason"].endswith("not a workload; it stays a VM.")


def test_old_domain_controller_rule_id_is_an_alias() -> None:
    fit = DEFAULTS.fit.model_copy(update={"rules_disabled": ("WL-DC",)})
    row = classify({"name": "FRA-DC001"}, fit=fit).iloc[0]
    assert row["fit_rules"] == "OS-LINUX-MODERN"
    assert not rules_table(fit, VALUES).set_index("id").loc["INFRA-DIRECTORY", "enabled"]


# ------------------------------------------------------------ desktops and legacy Windows
def win(version: str, raw: str, name: str = "Windows Server") -> tuple[Any, ...]:
    return ("windows", name, version, True, raw)


XP = win("XP", "Microsoft Windows XP Professional (32-bit)", "Windows")
WIN7 = win("7", "Microsoft Windows 7 (64-bit)", "Windows")
WIN11 = ("windows", "Windows", "11", False, "Microsoft Windows 11 (64-bit)")
W2003_32 = win("2003", "Microsoft Windows Server 2003 Standard (32-bit)")
W2003_64 = win("2003", "Microsoft Windows Server 2003 Standard (64-bit)")
W2008_32 = win("2008", "Microsoft Windows Server 2008 (32-bit)")
W2008_64 = win("2008", "Microsoft Windows Server 2008 (64-bit)")
W2008R2 = win("2008 R2", "Microsoft Windows Server 2008 R2 (64-bit)")
W2012R2 = win("2012 R2", "Microsoft Windows Server 2012 R2 (64-bit)")
NT4 = win("NT 4.0", "Microsoft Windows NT 4")


def test_legacy_windows_and_desktops_by_default() -> None:
    out = classify(*({"os": os} for os in (XP, WIN7, WIN11, W2003_32, W2003_64, W2008_32,
                                          W2008_64, W2008R2, W2012R2, NT4)))
    assert out["fit_level"].tolist() == [
        "stays_vm", "stays_vm", "stays_vm", "no_fit", "no_fit", "no_fit", "no_fit",
        "needs_work", "needs_work", "no_fit"]
    assert out["fit_rules"].tolist() == [
        "OS-WIN-CLIENT;OS-EOS;OS-DESKTOP", "OS-WIN-CLIENT;OS-EOS;OS-DESKTOP",
        "OS-WIN-CLIENT;OS-DESKTOP",
        "OS-WIN-LEGACY;OS-EOS;OS-WIN-32BIT;OS-WIN-2003-2008",
        "OS-WIN-LEGACY;OS-EOS;OS-WIN-2003-2008",
        "OS-WIN-LEGACY;OS-EOS;OS-WIN-32BIT;OS-WIN-2003-2008",
        "OS-WIN-LEGACY;OS-EOS;OS-WIN-2003-2008",
        "OS-WIN-LEGACY;OS-EOS", "OS-WIN-LEGACY;OS-EOS",
        "OS-WIN-LEGACY;OS-EOS;OS-WIN-2003-2008"]
    # 2008 R2 to 2012 R2 keep moving with the upgrade effort, as before.
    assert out["moves"].tolist() == [False] * 7 + [True, True, False]
    assert out["needs_os_upgrade"].tolist() == [False] * 7 + [True, True, False]
    reasons = out["fit_reason"].tolist()
    assert reasons[0].startswith("Desktop Windows (XP, 7, 8, 10, 11): a desktop, jump host")
    assert reasons[0].endswith("; it stays a VM.")
    # The 32-bit reason names the rewrite and wins over the era rule (table order).
    assert reasons[3].startswith("32-bit Windows Server: no 32-bit Windows container base image")
    assert "a rewrite, not an OS upgrade" in reasons[3]
    assert reasons[4].startswith("Windows Server 2008 (not R2) or older")


@pytest.mark.parametrize(
    ("raw", "is_32bit"),
    [("Microsoft Windows Server 2008 (32-bit)", True), ("Windows Server 2003 32 bit", True),
     ("Windows Server 2008 x86", True), ("Windows Server 2008 x86-64", False),
     ("Windows Server 2008 x86_64", False), ("Microsoft Windows Server 2008 (64-bit)", False)],
)
def test_32bit_is_read_from_the_raw_os_string(raw: str, is_32bit: bool) -> None:
    row = classify({"os": win("2008", raw)}).iloc[0]
    assert ("OS-WIN-32BIT" in row["fit_rules"]) == is_32bit


def test_legacy_actions_ignore_restores_the_upgrade_path() -> None:
    fit = DEFAULTS.fit.model_copy(update={"desktop_action": "ignore",
                                          "win_32bit_action": "ignore",
                                          "win_2003_2008_action": "stays_vm"})
    out = classify({"os": WIN7}, {"os": W2003_32}, {"os": W2008_64}, fit=fit)
    assert out["fit_level"].tolist() == ["needs_work", "stays_vm", "stays_vm"]
    assert out["fit_rules"].tolist() == ["OS-WIN-CLIENT;OS-EOS",
                                         "OS-WIN-LEGACY;OS-EOS;OS-WIN-2003-2008",
                                         "OS-WIN-LEGACY;OS-EOS;OS-WIN-2003-2008"]
    assert out["needs_os_upgrade"].tolist() == [True, False, False]
    fit = fit.model_copy(update={"win_2003_2008_action": "ignore"})
    assert classify({"os": W2003_32}, fit=fit)["fit_level"].tolist() == ["needs_work"]


# ------------------------------------------------------------------- stateful and large
def test_stateful_storage_threshold() -> None:
    out = classify({"storage_used_gib": 2048.0}, {"storage_used_gib": 2049.0},
                   {"storage_used_gib": np.nan, "storage_provisioned_gib": 3000.0},
                   {"storage_used_gib": 3000.0, "os": WIN2019})
    assert out["fit_rules"].tolist() == [
        "OS-LINUX-MODERN", "OS-LINUX-MODERN;SIZE-STATEFUL-LARGE",
        "OS-LINUX-MODERN;SIZE-STATEFUL-LARGE", "OS-WIN-2016PLUS;SIZE-STATEFUL-LARGE"]
    assert out["fit_level"].tolist() == ["excellent", "needs_work", "needs_work", "needs_work"]
    assert out["moves"].all()  # needs work, not a blocker
    assert out["fit_reason"].iloc[1] == (
        "More than 2,048 GiB of used storage: stateful, its data needs persistent volumes and "
        "a migration plan.")
    # The threshold is a value, so a scenario or a Monte Carlo draw can move it.
    out = classify({"storage_used_gib": 2049.0},
                   values={**VALUES, "fit.stateful_storage_gib": 4096.0})
    assert out["fit_rules"].tolist() == ["OS-LINUX-MODERN"]


def test_large_vcpu_unless_usage_says_less() -> None:
    out = classify({"vcpus": 16.0, "cpu_util": np.nan}, {"vcpus": 24.0, "cpu_util": np.nan},
                   {"vcpus": 24.0, "cpu_util": 0.5}, {"vcpus": 24.0, "cpu_util": 0.9},
                   {"vcpus": 32.0, "cpu_util": 0.5})
    # 24 x 0.5 = 12 and 32 x 0.5 = 16 vCPU used: at or below 16, so not large.
    assert ["SIZE-LARGE-VCPU" in r for r in out["fit_rules"]] == [False, True, False, True,
                                                                   False]
    assert out["fit_level"].tolist() == ["excellent", "needs_work", "excellent", "needs_work",
                                         "excellent"]
    assert out["fit_reason"].iloc[1].startswith("More than 16 vCPU and no measured use")
    out = classify({"vcpus": 24.0, "cpu_util": np.nan}, values={**VALUES, "fit.large_vcpus": 32})
    assert out["fit_level"].tolist() == ["excellent"]


# ------------------------------------------------------------------------ counts per family
def test_counts_per_family_rule_and_outcome() -> None:
    out = classify({"name": "bolpsc1"}, {"name": "BOWSCCMDP01", "os": WIN2019},
                   {"name": "web01", "os": WIN7}, {"name": "web02", "os": W2003_32},
                   {"name": "web03", "storage_used_gib": 5000.0},
                   {"name": "web04", "cpu_util": 0.0, "memory_util": 0.0},
                   {"name": "web05", "in_scope": False})
    assert family_counts(out) == {"override": 0, "data": 0, "os": 6, "legacy_os": 2,
                                  "workload": 0, "infrastructure": 2, "size": 1, "usage": 1}
    counts = rule_counts(out)
    assert list(counts) == list(RULE_IDS)
    assert (counts["INFRA-VIRT-MGMT"], counts["INFRA-ENDPOINT-MGMT"], counts["OS-DESKTOP"],
            counts["OS-WIN-32BIT"], counts["SIZE-STATEFUL-LARGE"], counts["USE-ZOMBIE"]) == (
        1, 1, 1, 1, 1, 1)
    masks = family_masks(out)
    assert masks.index.equals(out.index)
    assert masks["infrastructure"].tolist() == [True, True, False, False, False, False, False]
    assert outcome_counts(out) == {"moving": 1, "staying": 3, "retire_with_platform": 1,
                                   "retire_idle": 1}
    reasons = outcome_reasons(out, n=1)
    assert reasons["outcome"].tolist() == list(OUTCOMES)
    assert reasons["vms"].tolist() == [1, 1, 1, 1]
    assert reasons.loc[reasons["outcome"] == "retire_idle", "fit_reason"].item().startswith(
        "Zombie")
    assert reasons.loc[reasons["outcome"] == "moving", "fit_level"].item() == "needs_work"
