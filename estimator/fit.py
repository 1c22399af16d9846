"""Fit for containers: a level and the named rules behind it, per VM.

In the spirit of Google's Migrate to Containers fit assessment, every in-scope VM gets one of
the levels `excellent`, `good`, `needs_work`, `no_fit` or `insufficient_data`, the IDs of all
rules that fired (`fit_rules`) and the plain-words reason of the most severe one
(`fit_reason`). The level is the worst level any fired rule implies, in the order
excellent < good < needs_work < insufficient_data < no_fit. Idle and zombie VMs are
retirement candidates whatever their level; they do not move.

Every rule is vectorised over the frame (one mask per rule, pattern matching on the distinct
names only), so classifying a million VMs costs a few array operations per rule.

Pure: no I/O, no global configuration. Lists and modes come from the `fit` section object
(`fit.database_patterns`, `fit.eos_action`, ...), numbers from `Assumptions.flat_values()`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from estimator.errors import ConfigError

# Display order of the levels.
LEVELS: tuple[str, ...] = ("excellent", "good", "needs_work", "no_fit", "insufficient_data")
# Badness order used to combine rules: the worst fired level wins.
_LEVEL_RANK: dict[str, int] = {
    "excellent": 0, "good": 1, "needs_work": 2, "insufficient_data": 3, "no_fit": 4,
}
SEVERITIES: tuple[str, ...] = ("info", "warning", "blocker")
_SEVERITY_OF_LEVEL: dict[str, str] = {
    "excellent": "info", "good": "info", "needs_work": "warning",
    "insufficient_data": "warning", "no_fit": "blocker",
}
MOVING_LEVELS: frozenset[str] = frozenset({"excellent", "good", "needs_work"})
EOS_ACTIONS: tuple[str, ...] = ("upgrade", "stay_vm")
# Level when no rule fired (e.g. every OS rule switched off): runs, but not proven excellent.
DEFAULT_LEVEL = "good"
NO_RULE_REASON = "No fit rule applies to this VM."

FIT_COLUMNS: tuple[str, ...] = (
    "fit_level", "fit_rules", "fit_reason", "retire_candidate", "moves", "needs_os_upgrade",
)


@dataclass(frozen=True)
class FitRule:
    """One named rule. `level` None means the rule does not set the level (retirement flags).

    `configured_by` names the assumption key that overrides the default level, "" if none.
    Reasons may contain `{min}` (fit.windows_min_version) and `{action}` (from fit.eos_action).
    """

    id: str
    severity: str
    level: str | None
    reason: str
    configured_by: str = ""


RULES: tuple[FitRule, ...] = (
    FitRule("OVERRIDE", "info", None,
            "Fit level set by the per-VM overrides file.", "scope.overrides_file"),
    FitRule("DATA-MISSING", "warning", "insufficient_data",
            "vCPU or memory size is missing, so the VM cannot be sized."),
    FitRule("OS-UNKNOWN", "warning", "insufficient_data",
            "Operating system is missing or not recognised."),
    FitRule("OS-LINUX-MODERN", "info", "excellent",
            "Supported Linux: the workload runs in a Linux container as it is."),
    FitRule("OS-LINUX-GENERIC", "info", "good",
            "Linux, but the distribution or its support status is not known (e.g. 'Other "
            "Linux'): likely fits, check the base image."),
    FitRule("OS-WIN-2016PLUS", "info", "good",
            "Windows Server {min} or newer: runs in a Windows node pool."),
    FitRule("OS-WIN-LEGACY", "warning", "needs_work",
            "Windows Server older than {min}: Windows containers need a newer base image, "
            "so {action}.", "fit.eos_action"),
    FitRule("OS-WIN-CLIENT", "warning", "needs_work",
            "Desktop Windows (e.g. Windows 7 or 10): containers need a Windows Server base "
            "image, so {action}.", "fit.eos_action"),
    FitRule("OS-WIN-VERSION-UNKNOWN", "warning", "insufficient_data",
            "Windows of unknown version: cannot tell whether it runs on Windows nodes."),
    FitRule("OS-EOS", "warning", "needs_work",
            "Operating system is past its end of support, so {action}.", "fit.eos_action"),
    FitRule("OS-OTHER", "blocker", "no_fit",
            "Operating system has no container runtime on Linux or Windows nodes "
            "(e.g. Solaris, FreeBSD, ESXi): stays a VM."),
    FitRule("WL-DATABASE", "warning", "needs_work",
            "Name or tag looks like a database: stateful, needs persistent storage and care.",
            "fit.database_level"),
    FitRule("WL-APPLIANCE", "blocker", "no_fit",
            "Name or tag looks like a vendor appliance or infrastructure (vCenter, NSX, "
            "firewall, load balancer): ships as a VM image.", "fit.appliance_level"),
    FitRule("WL-DC", "blocker", "no_fit",
            "Name or tag looks like a domain controller: directory services stay on VMs.",
            "fit.domain_controller_level"),
    FitRule("SIZE-EXCEEDS-NODE", "blocker", "no_fit",
            "Sized request is larger than the allocatable CPU or memory of the largest node."),
    FitRule("USE-IDLE", "warning", None,
            "Idle: CPU and memory use below the idle thresholds; retirement candidate."),
    FitRule("USE-ZOMBIE", "warning", None,
            "Zombie: no CPU and no memory use; retirement candidate."),
)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)
# Rules whose firing means the OS must be upgraded before the workload can move.
_UPGRADE_RULES: frozenset[str] = frozenset({"OS-WIN-LEGACY", "OS-WIN-CLIENT", "OS-EOS"})
_EOS_REASON_ACTION = {"upgrade": "upgrade the OS first", "stay_vm": "it stays a VM"}


def _mode(value: Any) -> str:
    """A mode setting as a plain string, whether given as str or as a str-valued Enum."""
    return str(getattr(value, "value", value))


def _level_setting(fit: Any, attr: str) -> str:
    level = _mode(getattr(fit, attr))
    if level not in _LEVEL_RANK:
        raise ConfigError(f"must be one of {', '.join(LEVELS)}, got {level!r}", key=f"fit.{attr}")
    return level


def effective_rules(fit: Any, values: Mapping[str, float]) -> tuple[FitRule, ...]:
    """RULES with levels, severities and reasons resolved from the fit settings.

    Raises ConfigError for an unknown eos_action, level name or disabled rule ID.
    """
    action = _mode(fit.eos_action)
    if action not in EOS_ACTIONS:
        raise ConfigError(f"must be one of {', '.join(EOS_ACTIONS)}, got {action!r}",
                          key="fit.eos_action")
    unknown = sorted(set(map(str, fit.rules_disabled)) - set(RULE_IDS))
    if unknown:
        raise ConfigError(f"unknown rule ID(s) {', '.join(unknown)}; known: "
                          f"{', '.join(RULE_IDS)}", key="fit.rules_disabled")
    configured = {
        "fit.eos_action": "needs_work" if action == "upgrade" else "no_fit",
        "fit.database_level": _level_setting(fit, "database_level"),
        "fit.appliance_level": _level_setting(fit, "appliance_level"),
        "fit.domain_controller_level": _level_setting(fit, "domain_controller_level"),
    }
    min_version = f"{_value(values, 'fit.windows_min_version'):g}"
    out = []
    for rule in RULES:
        level = configured.get(rule.configured_by, rule.level)
        severity = _SEVERITY_OF_LEVEL[level] if level is not None else rule.severity
        reason = rule.reason.format(min=min_version, action=_EOS_REASON_ACTION[action])
        out.append(replace(rule, level=level, severity=severity, reason=reason))
    return tuple(out)


def rules_table(fit: Any, values: Mapping[str, float]) -> pd.DataFrame:
    """The effective rules as a table (id, severity, level, reason, enabled) for reports."""
    disabled = set(map(str, fit.rules_disabled))
    rules = effective_rules(fit, values)
    return pd.DataFrame({
        "id": [r.id for r in rules],
        "severity": [r.severity for r in rules],
        "level": pd.array([r.level for r in rules], dtype="string"),
        "reason": [r.reason for r in rules],
        "enabled": [r.id not in disabled for r in rules],
    })


def _value(values: Mapping[str, float], key: str) -> float:
    try:
        return float(values[key])
    except KeyError:
        raise ConfigError("assumption missing", key=key) from None


def _string(vms: pd.DataFrame, column: str) -> pd.Series:
    if column not in vms.columns:
        return pd.Series(pd.NA, index=vms.index, dtype="string")
    return vms[column].astype("string")


def _float(vms: pd.DataFrame, column: str) -> np.ndarray:
    if column not in vms.columns:
        return np.full(len(vms), np.nan)
    return pd.to_numeric(vms[column], errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _bool(series: pd.Series) -> np.ndarray:
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _fnmatch_search(pattern: str) -> str:
    """A line-anchored regex equivalent to a whole-string fnmatch match of `pattern`.

    Leading and trailing `*` become an unanchored search instead of `.*`, which lets the
    regex engine scan for the literal part: "*sql*" -> "sql", "vCLS-*" -> "^vcls\\-".
    Lower-cased, because the texts are lower-cased before searching.
    """
    core = pattern.lower().strip("*")
    inner = fnmatch.translate(core)[len("(?s:"):-len(")\\Z")]
    head = "" if pattern.startswith("*") else "^"
    tail = "" if pattern.endswith("*") and core else "$"
    return f"{head}(?:{inner}){tail}"


def _pattern_regex(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching a lower-cased line that matches any of the fnmatch patterns."""
    parts = [_fnmatch_search(str(p)) for p in patterns]
    return re.compile("|".join(parts), re.MULTILINE) if parts else None


def _per_unique(series: pd.Series, fn: Any, na: Any) -> np.ndarray:
    """Apply the vectorised `fn` to the distinct non-missing values only, then map back.

    An estate of a million VMs repeats a few dozen OS strings; this keeps string work
    proportional to the distinct values. Missing values get `na`.
    """
    codes, uniques = pd.factorize(series)
    if len(uniques) == 0:
        return np.full(len(series), na)
    mapped = np.asarray(fn(pd.Series(uniques, dtype="string")))
    return np.where(codes >= 0, mapped[np.maximum(codes, 0)], na)


class _Lines:
    """Texts lower-cased and joined by newlines, so that one regex scan in C finds every
    matching text (a Python call per name would dominate on a million VMs). Names are
    nearly all distinct, so they are not de-duplicated first."""

    def __init__(self, texts: pd.Series) -> None:
        present = texts.notna().to_numpy(dtype=bool)
        self.n = len(texts)
        self.rows = np.flatnonzero(present)
        low = texts[present].str.lower()
        self.text = "\n".join(low.tolist())
        if self.text.count("\n") != max(len(low) - 1, 0):  # a text holds a newline itself
            low = low.str.replace("\n", " ", regex=False)
            self.text = "\n".join(low.tolist())
        self.lengths = low.str.len().to_numpy(dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.lengths + 1)[:-1])).astype(np.int64)

    def search(self, regex: re.Pattern[str]) -> np.ndarray:
        """Rows of the original series whose text matches (missing texts never match)."""
        hit = np.zeros(self.n, dtype=bool)
        if len(self.rows):
            spans = np.array([m.span() for m in regex.finditer(self.text)],
                             dtype=np.int64).reshape(-1, 2)
            line = np.searchsorted(self.starts, spans[:, 0], side="right") - 1
            # A character class like [!x] could match the separator; keep in-line matches.
            inside = spans[:, 1] <= self.starts[line] + self.lengths[line]
            hit[self.rows[line[inside]]] = True
        return hit


def _workloads(vms: pd.DataFrame, patterns: Mapping[str, Iterable[str]]) -> dict[str, np.ndarray]:
    """Per rule ID, the rows whose name or tags match one of that rule's fnmatch patterns."""
    regexes = {rule: _pattern_regex(p) for rule, p in patterns.items()}
    out = {rule: np.zeros(len(vms), dtype=bool) for rule in patterns}
    if all(r is None for r in regexes.values()):
        return out
    for column in ("name", "tags"):
        texts = _string(vms, column)
        if texts.isna().all():
            continue
        lines = _Lines(texts)
        for rule, regex in regexes.items():
            if regex is not None:
                out[rule] |= lines.search(regex)
    return out


def _rule_masks(
    vms: pd.DataFrame, fit: Any, values: Mapping[str, float],
    max_request: tuple[float, float] | None,
) -> dict[str, np.ndarray]:
    """Boolean mask per rule ID (before scope, disabling and overrides)."""
    n = len(vms)
    family = _per_unique(_string(vms, "os_family"),
                         lambda u: u.str.strip().str.lower().to_numpy(dtype=object), "")
    windows, linux, other = family == "windows", family == "linux", family == "other"
    known_family = windows | linux | other

    def contains_server(u: pd.Series) -> np.ndarray:
        return u.str.contains("server", case=False).fillna(False).to_numpy(dtype=bool)

    # Server vs desktop Windows: the classified product name, else the raw string.
    os_name = _string(vms, "os_name")
    server = np.where(os_name.notna().to_numpy(dtype=bool),
                      _per_unique(os_name, contains_server, False),
                      _per_unique(_string(vms, "os_raw"), contains_server, False)).astype(bool)

    def version_year(u: pd.Series) -> np.ndarray:
        """Release year in the version ("2008 R2" -> 2008); -inf for a version without
        a year ("NT 4.0", "7"), NaN for a blank one."""
        years = u.str.extract(r"((?:19|20)\d\d)", expand=False)
        year = pd.to_numeric(years, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
        blank = (u.str.strip() == "").to_numpy(dtype=bool)
        return np.where(np.isnan(year) & ~blank, -np.inf, year)

    year = _per_unique(_string(vms, "os_version"), version_year, np.nan).astype(float)
    has_version = ~np.isnan(year)
    new_enough = year >= _value(values, "fit.windows_min_version")  # NaN, -inf compare False

    eos = vms["os_end_of_support"].astype("boolean") if "os_end_of_support" in vms.columns \
        else pd.Series(pd.NA, index=vms.index, dtype="boolean")
    eos_true = _bool(eos)
    eos_false = _bool(eos == False)  # noqa: E712  (NA stays NA, then False)

    vcpus = _float(vms, "vcpus")
    memory_gib = _float(vms, "memory_gib")
    cpu_util = _float(vms, "cpu_util")
    mem_util = _float(vms, "memory_util")
    zombie = (cpu_util == 0) & (mem_util == 0)
    idle = ((cpu_util < _value(values, "fit.idle_cpu_util"))
            & (mem_util < _value(values, "fit.idle_memory_util")) & ~zombie)

    too_big = np.zeros(n, dtype=bool)
    if max_request is not None:
        max_cpu, max_mem = (float(x) for x in max_request)
        # The sized request when sizing ran, else the allocated size.
        cpu_req = _float(vms, "cpu_request_cores") if "cpu_request_cores" in vms.columns \
            else vcpus
        mem_req = _float(vms, "memory_request_gib") if "memory_request_gib" in vms.columns \
            else memory_gib
        too_big = (cpu_req > max_cpu) | (mem_req > max_mem)

    return {
        "OVERRIDE": np.zeros(n, dtype=bool),  # set from the override column by the caller
        "DATA-MISSING": ~(vcpus > 0) | ~(memory_gib > 0),
        "OS-UNKNOWN": ~known_family,
        "OS-LINUX-MODERN": linux & eos_false,
        "OS-LINUX-GENERIC": linux & ~eos_true & ~eos_false,
        "OS-WIN-2016PLUS": windows & server & new_enough,
        # A known version without a year (NT 4.0) is older than any Windows Server year.
        "OS-WIN-LEGACY": windows & server & has_version & ~new_enough,
        "OS-WIN-CLIENT": windows & ~server & has_version,
        "OS-WIN-VERSION-UNKNOWN": windows & ~has_version,
        "OS-EOS": eos_true,
        "OS-OTHER": other,
        **_workloads(vms, {"WL-DATABASE": fit.database_patterns,
                           "WL-APPLIANCE": fit.appliance_patterns,
                           "WL-DC": fit.domain_controller_patterns}),
        "SIZE-EXCEEDS-NODE": too_big,
        "USE-IDLE": idle,
        "USE-ZOMBIE": zombie,
    }


def _override_levels(vms: pd.DataFrame) -> pd.Series:
    """The override_fit_level column, validated; NA where no override is given."""
    if "override_fit_level" not in vms.columns:
        return pd.Series(pd.NA, index=vms.index, dtype="string")
    # Normalise and check the few distinct values, not every row.
    codes, uniques = pd.factorize(vms["override_fit_level"].astype("string"))
    names = pd.Series(uniques, dtype="string").str.strip().str.lower()
    names = names.mask(names == "")
    bad = names.notna() & ~names.isin(list(LEVELS))
    if bad.any():
        which = int(np.flatnonzero(bad.to_numpy(dtype=bool))[0])  # position in uniques
        row = vms.index[int(np.flatnonzero(codes == which)[0])]
        name = vms["name"].get(row, row) if "name" in vms.columns else row
        raise ConfigError(f"fit_level {uniques[which]!r} for VM {name!r} is not one of "
                          f"{', '.join(LEVELS)}", key="scope.overrides_file")
    label = np.array([*names.to_numpy(dtype=object, na_value=None), None], dtype=object)
    level = label[np.where(codes >= 0, codes, len(label) - 1)]
    return pd.Series(level, index=vms.index, dtype="string")


def classify_fit(
    vms: pd.DataFrame,
    fit: Any,
    values: Mapping[str, float],
    *,
    max_request: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Fit columns (`FIT_COLUMNS`) for each row of `vms`, on the same index.

    `vms` has VM_SCHEMA columns plus `in_scope` (all in scope when absent), optionally
    `override_fit_level` (wins, rule OVERRIDE) and the sizing columns `cpu_request_cores` /
    `memory_request_gib` (else the allocated size is compared with `max_request`).
    `max_request` = (cpu_cores, memory_gib) of the largest node's allocatable; None skips
    SIZE-EXCEEDS-NODE. Out-of-scope rows get NA level, rules and reason, and False flags.
    """
    n = len(vms)
    rules = effective_rules(fit, values)
    disabled = set(map(str, fit.rules_disabled))
    in_scope = _bool(vms["in_scope"]) if "in_scope" in vms.columns else np.ones(n, dtype=bool)

    masks = _rule_masks(vms, fit, values, max_request)
    override = _override_levels(vms)
    has_override = _bool(override.notna()) & ("OVERRIDE" not in disabled) & in_scope
    masks["OVERRIDE"] = has_override
    # One boolean column per rule (a list, not an n × rules matrix: column passes stay
    # contiguous and no wide int64 temporaries are made on a million VMs).
    off = np.zeros(n, dtype=bool)
    fired = [masks[r.id] & in_scope if r.id not in disabled else off for r in rules]

    # Level: the worst level any fired rule implies; -1 (no rule) -> DEFAULT_LEVEL.
    worst = np.full(n, -1, dtype=np.int8)
    # Reason: the most severe fired rule, ties broken by the worse level, then table order.
    severity_rank = {s: i for i, s in enumerate(SEVERITIES)}
    best_weight = np.full(n, -1, dtype=np.int16)
    best_rule = np.full(n, len(rules), dtype=np.int16)  # len(rules) -> NO_RULE_REASON
    # Rule IDs: each row's fired set as bits, joined once per distinct set.
    codes = np.zeros(n, dtype=np.int64)
    for j, (rule, hit) in enumerate(zip(rules, fired, strict=True)):
        if not hit.any():
            continue
        if rule.level is not None:
            np.maximum(worst, np.where(hit, _LEVEL_RANK[rule.level], -1).astype(np.int8),
                       out=worst)
        # The override is why the level is what it is, so its reason comes first.
        weight = 100 if rule.id == "OVERRIDE" else (
            severity_rank[rule.severity] * 10 + _LEVEL_RANK.get(rule.level or "", -1) + 1)
        better = hit & (weight > best_weight)
        best_weight[better] = weight
        best_rule[better] = j
        codes |= hit.astype(np.int64) << j

    by_rank = np.array([*sorted(_LEVEL_RANK, key=_LEVEL_RANK.__getitem__), DEFAULT_LEVEL],
                       dtype=object)  # index -1 -> DEFAULT_LEVEL
    level = by_rank[worst]
    level = np.where(has_override, override.to_numpy(dtype=object, na_value=None), level)
    reasons = np.array([*(r.reason for r in rules), NO_RULE_REASON], dtype=object)
    reason = reasons[best_rule]

    uniq, inverse = np.unique(codes, return_inverse=True)
    joined = np.array([";".join(r.id for j, r in enumerate(rules) if (c >> j) & 1)
                       for c in uniq.tolist()], dtype=object)
    fit_rules = joined[inverse.reshape(-1)] if n else np.array([], dtype=object)

    col = {r.id: j for j, r in enumerate(rules)}
    retire_idle = bool(getattr(fit, "retire_idle", True))
    retire = in_scope & retire_idle & (fired[col["USE-IDLE"]] | fired[col["USE-ZOMBIE"]])
    # Moving levels from the integer ranks (faster than comparing a million strings).
    moving_ranks = [_LEVEL_RANK[lv] for lv in MOVING_LEVELS]
    moving = np.isin(worst, [*moving_ranks, -1] if DEFAULT_LEVEL in MOVING_LEVELS
                     else moving_ranks)
    override_moves = _per_unique(
        override, lambda u: u.isin(list(MOVING_LEVELS)).to_numpy(dtype=bool), False)
    moving = np.where(has_override, override_moves.astype(bool), moving)
    moves = in_scope & ~retire & moving
    upgrade = np.logical_or.reduce([fired[col[i]] for i in sorted(_UPGRADE_RULES)])

    def masked(values_: np.ndarray) -> pd.Series:
        return pd.Series(values_, index=vms.index, dtype="string").where(in_scope)

    return pd.DataFrame({
        "fit_level": masked(level),
        "fit_rules": masked(fit_rules),
        "fit_reason": masked(reason),
        "retire_candidate": retire,
        "moves": moves,
        "needs_os_upgrade": moves & upgrade,
    }, index=vms.index)


def fit_counts(fit_frame: pd.DataFrame) -> dict[str, int]:
    """VMs per fit level, every level present (zeros included), in display order."""
    counts = fit_frame["fit_level"].value_counts()
    return {level: int(counts.get(level, 0)) for level in LEVELS}


def top_reasons(fit_frame: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The `n` most frequent reasons: columns fit_reason, fit_level, vms (largest first)."""
    scoped = fit_frame.loc[fit_frame["fit_level"].notna(), ["fit_reason", "fit_level"]]
    counts = scoped.groupby(["fit_reason", "fit_level"], sort=True).size().rename("vms")
    counts = counts.reset_index().sort_values(["vms", "fit_reason"], ascending=[False, True],
                                              kind="stable")
    return counts.head(n).reset_index(drop=True)
