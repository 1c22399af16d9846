"""Fit for containers: a level and the named rules behind it, per VM.

In the spirit of Google's Migrate to Containers fit assessment, every in-scope VM gets one of
the levels in `LEVELS` (declared once, in `estimator.model.FIT_LEVELS`), the IDs of all rules
that fired (`fit_rules`) and the plain-words reason of the rule that set the level
(`fit_reason`). The level is the worst level any fired rule implies, in the order

    excellent < good < needs_work < insufficient_data < no_fit < retire_idle < stays_vm
    < retire_with_platform

so a decision about what a VM *is* (an infrastructure role, a desktop) outranks whether it could
technically run in a container, and such a role outranks the idle heuristic (a quiet domain
controller is still needed). Only excellent, good and needs_work move. retire_idle and
retire_with_platform cost before and nothing after; stays_vm, no_fit and insufficient_data stay
VMs. Rules are grouped in `RULE_FAMILIES`; what a family does to the VMs it catches is an
assumption (`fit.*_action`).

Every rule is vectorised over the frame (one mask per rule, pattern matching on newline-joined
texts or on the distinct values only), so classifying a million VMs costs a few array
operations per rule.

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
from estimator.formatting import noun
from estimator.model import FIT_LEVELS, MOVING_LEVELS
from estimator.model import RETIRING_LEVELS as RETIRING_LEVELS

# Display order of the levels (one declaration, in estimator.model).
LEVELS: tuple[str, ...] = FIT_LEVELS
# Badness order used to combine rules: the worst fired level wins (see the module docstring).
_LEVEL_RANK: dict[str, int] = {
    "excellent": 0, "good": 1, "needs_work": 2, "insufficient_data": 3, "no_fit": 4,
    "retire_idle": 5, "stays_vm": 6, "retire_with_platform": 7,
}
SEVERITIES: tuple[str, ...] = ("info", "warning", "blocker")
_SEVERITY_OF_LEVEL: dict[str, str] = {
    "excellent": "info", "good": "info", "needs_work": "warning",
    "insufficient_data": "warning", "no_fit": "blocker", "retire_idle": "warning",
    "retire_with_platform": "warning", "stays_vm": "blocker",
}
EOS_ACTIONS: tuple[str, ...] = ("upgrade", "stay_vm")
# What a family does to the VMs it catches; "ignore" switches its rule off.
FAMILY_ACTIONS: tuple[str, ...] = ("retire_with_platform", "stays_vm", "no_fit", "ignore")
# Desktops and legacy Windows cannot retire with the platform.
OS_ACTIONS: tuple[str, ...] = ("stays_vm", "no_fit", "ignore")
# Level when no rule fired (e.g. every OS rule switched off): runs, but not proven excellent.
DEFAULT_LEVEL = "good"
NO_RULE_REASON = "No fit rule applies to this VM."
# Where a VM ends up, by level: the report's fit groups.
OUTCOMES: tuple[str, ...] = ("moving", "staying", "retire_with_platform", "retire_idle")
OUTCOME_OF_LEVEL: dict[str, str] = {
    "excellent": "moving", "good": "moving", "needs_work": "moving",
    "retire_idle": "retire_idle", "retire_with_platform": "retire_with_platform",
    "stays_vm": "staying", "no_fit": "staying", "insufficient_data": "staying",
}
# Old rule IDs still accepted in fit.rules_disabled.
RULE_ALIASES: dict[str, str] = {"WL-DC": "INFRA-DIRECTORY"}

FIT_COLUMNS: tuple[str, ...] = (
    "fit_level", "fit_rules", "fit_reason", "retire_candidate", "moves", "needs_os_upgrade",
)


@dataclass(frozen=True)
class FitRule:
    """One named rule. `level` None means the rule does not set the level.

    `configured_by` names the assumption key that sets the level (or the family's action), ""
    if none. Reasons may contain `{min}` (fit.windows_min_version), `{action}` (from
    fit.eos_action), `{outcome}` (from the configured action), `{storage_gib}` and `{vcpus}`
    (the size thresholds).
    """

    id: str
    family: str
    severity: str
    level: str | None
    reason: str
    configured_by: str = ""


RULES: tuple[FitRule, ...] = (
    FitRule("OVERRIDE", "override", "info", None,
            "Fit level set by the per-VM overrides file.", "scope.overrides_file"),
    FitRule("DATA-MISSING", "data", "warning", "insufficient_data",
            "vCPU or memory size is missing, so the VM cannot be sized."),
    FitRule("OS-UNKNOWN", "os", "warning", "insufficient_data",
            "Operating system is missing or not recognised."),
    FitRule("OS-LINUX-MODERN", "os", "info", "excellent",
            "Supported Linux: the workload runs in a Linux container as it is."),
    FitRule("OS-LINUX-GENERIC", "os", "info", "good",
            "Linux, but the distribution or its support status is not known (e.g. 'Other "
            "Linux'): likely fits, check the base image."),
    FitRule("OS-WIN-2016PLUS", "os", "info", "good",
            "Windows Server {min} or newer: runs in a Windows node pool."),
    FitRule("OS-WIN-LEGACY", "os", "warning", "needs_work",
            "Windows Server older than {min}: Windows containers need a newer base image, "
            "so {action}.", "fit.eos_action"),
    FitRule("OS-WIN-CLIENT", "os", "warning", "needs_work",
            "Desktop Windows (e.g. Windows 7 or 10): containers need a Windows Server base "
            "image, so {action}.", "fit.eos_action"),
    FitRule("OS-WIN-VERSION-UNKNOWN", "os", "warning", "insufficient_data",
            "Windows of unknown version: cannot tell whether it runs on Windows nodes."),
    FitRule("OS-EOS", "os", "warning", "needs_work",
            "Operating system is past its end of support, so {action}.", "fit.eos_action"),
    FitRule("OS-OTHER", "os", "blocker", "no_fit",
            "Operating system has no container runtime on Linux or Windows nodes "
            "(e.g. Solaris, FreeBSD, ESXi): stays a VM."),
    FitRule("OS-WIN-32BIT", "legacy_os", "blocker", "no_fit",
            "32-bit Windows Server: no 32-bit Windows container base image exists, so moving "
            "means rebuilding the application for 64-bit Windows Server {min} or newer (a "
            "rewrite, not an OS upgrade); {outcome}.", "fit.win_32bit_action"),
    FitRule("OS-WIN-2003-2008", "legacy_os", "blocker", "no_fit",
            "Windows Server 2008 (not R2) or older: applications of that era (IIS 6, .NET "
            "1.x/2.0, 32-bit components) rarely run on a Windows Server {min} base image "
            "unchanged, so moving means rewriting them; {outcome}.",
            "fit.win_2003_2008_action"),
    FitRule("OS-DESKTOP", "legacy_os", "blocker", "stays_vm",
            "Desktop Windows (XP, 7, 8, 10, 11): a desktop, jump host or VDI machine, not an "
            "application server; {outcome}.", "fit.desktop_action"),
    FitRule("WL-DATABASE", "workload", "warning", "needs_work",
            "Name or tag looks like a database: stateful, needs persistent storage and care.",
            "fit.database_level"),
    FitRule("WL-APPLIANCE", "workload", "blocker", "no_fit",
            "Name, tag or OS looks like a vendor appliance (firewall, load balancer, Photon "
            "OS): ships as a VM image.", "fit.appliance_level"),
    FitRule("INFRA-VIRT-MGMT", "infrastructure", "warning", "retire_with_platform",
            "Virtualisation management (vCenter, PSC, Update Manager, SRM, vRA/vRO, Aria, "
            "Horizon, NSX, SCVMM): part of the platform, not a workload; {outcome}.",
            "fit.virt_mgmt_action"),
    FitRule("INFRA-DIRECTORY", "infrastructure", "blocker", "stays_vm",
            "Directory server (domain controller, LDAP, ADFS, AD Connect): Windows "
            "infrastructure role; {outcome}.", "fit.directory_action"),
    FitRule("INFRA-NETWORK-SVC", "infrastructure", "blocker", "stays_vm",
            "Network or Windows service (DNS, DHCP, KMS, PKI/CA, NPS/RADIUS, NTP, WINS, "
            "print): infrastructure role; {outcome}.", "fit.network_service_action"),
    FitRule("INFRA-ENDPOINT-MGMT", "infrastructure", "blocker", "stays_vm",
            "Endpoint or systems management (SCCM/MECM, WSUS, System Center, antivirus or EDR "
            "console): infrastructure role; {outcome}.", "fit.endpoint_mgmt_action"),
    FitRule("INFRA-BACKUP", "infrastructure", "blocker", "stays_vm",
            "Backup server or proxy (Veeam, Commvault, NetBackup, Avamar, TSM...): "
            "infrastructure role tied to today's storage; {outcome}.", "fit.backup_action"),
    FitRule("INFRA-MONITORING", "infrastructure", "blocker", "stays_vm",
            "Monitoring or discovery collector (SCOM, Nagios, Zabbix, log collector, ADDM): "
            "infrastructure role; {outcome}.", "fit.monitoring_action"),
    FitRule("SIZE-EXCEEDS-NODE", "size", "blocker", "no_fit",
            "Sized request is larger than the allocatable CPU or memory of the largest node."),
    FitRule("SIZE-STATEFUL-LARGE", "size", "warning", "needs_work",
            "More than {storage_gib} GiB of used storage: stateful, its data needs persistent "
            "volumes and a migration plan."),
    FitRule("SIZE-LARGE-VCPU", "size", "warning", "needs_work",
            "More than {vcpus} vCPU and no measured use below that: right-size it before it "
            "becomes a pod (a pod that large is hard to place)."),
    FitRule("USE-IDLE", "usage", "warning", "retire_idle",
            "Idle: CPU and memory use below the idle thresholds; retire rather than migrate.",
            "fit.retire_idle"),
    FitRule("USE-ZOMBIE", "usage", "warning", "retire_idle",
            "Zombie: no CPU and no memory use; retire rather than migrate.", "fit.retire_idle"),
)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)
# Rule families in display order, with their titles and rule IDs.
FAMILY_TITLES: dict[str, str] = {
    "override": "Overrides file",
    "data": "Missing size data",
    "os": "Operating system support",
    "legacy_os": "Desktops and legacy Windows",
    "workload": "Databases and appliances",
    "infrastructure": "Infrastructure roles",
    "size": "Size and state",
    "usage": "Idle and zombie",
}
RULE_FAMILIES: dict[str, tuple[str, ...]] = {
    family: tuple(r.id for r in RULES if r.family == family) for family in FAMILY_TITLES
}
# Rules whose firing means the OS must be upgraded before the workload can move.
_UPGRADE_RULES: frozenset[str] = frozenset({"OS-WIN-LEGACY", "OS-WIN-CLIENT", "OS-EOS"})
_EOS_REASON_ACTION = {"upgrade": "upgrade the OS first", "stay_vm": "it stays a VM"}
_OUTCOME_PHRASE = {
    "retire_with_platform": "it retires with the virtualisation platform",
    "stays_vm": "it stays a VM", "no_fit": "it does not move (no fit)",
    "ignore": "ignored by the configuration",
}
# Family action keys -> allowed actions.
_ACTION_KEYS: dict[str, tuple[str, ...]] = {
    "fit.win_32bit_action": OS_ACTIONS,
    "fit.win_2003_2008_action": OS_ACTIONS,
    "fit.desktop_action": OS_ACTIONS,
    "fit.virt_mgmt_action": FAMILY_ACTIONS,
    "fit.directory_action": FAMILY_ACTIONS,
    "fit.network_service_action": FAMILY_ACTIONS,
    "fit.endpoint_mgmt_action": FAMILY_ACTIONS,
    "fit.backup_action": FAMILY_ACTIONS,
    "fit.monitoring_action": FAMILY_ACTIONS,
}
# Pattern settings per name-matching rule.
_PATTERN_KEYS: dict[str, str] = {
    "WL-DATABASE": "database_patterns",
    "WL-APPLIANCE": "appliance_patterns",
    "INFRA-VIRT-MGMT": "virt_mgmt_patterns",
    "INFRA-DIRECTORY": "directory_patterns",
    "INFRA-NETWORK-SVC": "network_service_patterns",
    "INFRA-ENDPOINT-MGMT": "endpoint_mgmt_patterns",
    "INFRA-BACKUP": "backup_patterns",
    "INFRA-MONITORING": "monitoring_patterns",
}
# Pattern prefixes -> the VM column searched; no prefix searches name and tags.
PATTERN_FIELDS: dict[str, str] = {
    "name": "name", "tags": "tags", "annotation": "annotation", "os": "os_raw",
}
_DEFAULT_FIELDS: tuple[str, ...] = ("name", "tags")


def _mode(value: Any) -> str:
    """A mode setting as a plain string, whether given as str or as a str-valued Enum."""
    return str(getattr(value, "value", value))


def _level_setting(fit: Any, attr: str) -> str:
    level = _mode(getattr(fit, attr))
    if level not in _LEVEL_RANK:
        raise ConfigError(f"must be one of {', '.join(LEVELS)}, got {level!r}", key=f"fit.{attr}")
    return level


def _action_setting(fit: Any, key: str) -> str:
    action = _mode(getattr(fit, key.removeprefix("fit.")))
    allowed = _ACTION_KEYS[key]
    if action not in allowed:
        raise ConfigError(f"must be one of {', '.join(allowed)}, got {action!r}", key=key)
    return action


def disabled_rules(fit: Any) -> frozenset[str]:
    """Rule IDs switched off: `fit.rules_disabled` (aliases resolved) and every rule whose
    family action is "ignore". Raises ConfigError for an unknown ID."""
    named = {RULE_ALIASES.get(str(r), str(r)) for r in fit.rules_disabled}
    unknown = sorted(named - set(RULE_IDS))
    if unknown:
        raise ConfigError(f"unknown rule {noun(len(unknown), 'ID')} {', '.join(unknown)}; known: "
                          f"{', '.join(RULE_IDS)}", key="fit.rules_disabled")
    ignored = {r.id for r in RULES
               if r.configured_by in _ACTION_KEYS
               and _action_setting(fit, r.configured_by) == "ignore"}
    return frozenset(named | ignored)


def effective_rules(fit: Any, values: Mapping[str, float]) -> tuple[FitRule, ...]:
    """RULES with levels, severities and reasons resolved from the fit settings.

    Raises ConfigError for an unknown eos_action, level, action or disabled rule ID.
    """
    action = _mode(fit.eos_action)
    if action not in EOS_ACTIONS:
        raise ConfigError(f"must be one of {', '.join(EOS_ACTIONS)}, got {action!r}",
                          key="fit.eos_action")
    disabled_rules(fit)  # validates the IDs
    actions = {key: _action_setting(fit, key) for key in _ACTION_KEYS}
    configured: dict[str, str | None] = {
        "fit.eos_action": "needs_work" if action == "upgrade" else "no_fit",
        "fit.database_level": _level_setting(fit, "database_level"),
        "fit.appliance_level": _level_setting(fit, "appliance_level"),
        "fit.retire_idle": "retire_idle" if bool(getattr(fit, "retire_idle", True)) else None,
        # An ignored family does not fire (see disabled_rules); its level is moot.
        **{key: None if a == "ignore" else a for key, a in actions.items()},
    }
    words = {
        "min": f"{_value(values, 'fit.windows_min_version'):g}",
        "action": _EOS_REASON_ACTION[action],
        "storage_gib": f"{_value(values, 'fit.stateful_storage_gib'):,.0f}",
        "vcpus": f"{_value(values, 'fit.large_vcpus'):g}",
    }
    out = []
    for rule in RULES:
        level = configured.get(rule.configured_by, rule.level)
        severity = _SEVERITY_OF_LEVEL[level] if level is not None else "info"
        outcome = _OUTCOME_PHRASE[actions.get(rule.configured_by, "stays_vm")]
        reason = rule.reason.format(outcome=outcome, **words)
        out.append(replace(rule, level=level, severity=severity, reason=reason))
    return tuple(out)


def rules_table(fit: Any, values: Mapping[str, float]) -> pd.DataFrame:
    """The effective rules as a table (id, family, severity, level, reason, configured_by,
    enabled) for reports and docs."""
    disabled = disabled_rules(fit)
    rules = effective_rules(fit, values)
    return pd.DataFrame({
        "id": [r.id for r in rules],
        "family": [r.family for r in rules],
        "severity": [r.severity for r in rules],
        "level": pd.array([r.level for r in rules], dtype="string"),
        "reason": [r.reason for r in rules],
        "configured_by": [r.configured_by for r in rules],
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


# A name-part boundary: the text's edge or a non-letter on one side (zero-width).
_BOUNDARY = r"(?:(?<![a-z])|(?![a-z]))"
# A leading run of pattern characters that match only themselves.
_LITERAL_RUN = re.compile(r"[^*?\[|]+")
_CLASS = re.compile(r"\[!?\]?[^\]]*\]")


_NEGATED_CLASS = re.compile(r"(?<!\\)\[\^")


def _translate(fn: str) -> str:
    """fnmatch text as an unanchored regex body, `|` as a name-part boundary.

    A negated class never matches the newline that joins two names in one search text.
    """
    body = _BOUNDARY.join(fnmatch.translate(part)[len("(?s:"):-len(")\\Z")]
                          for part in fn.split("|"))
    return _NEGATED_CLASS.sub("[^\\n", body)


def _fnmatch_search(pattern: str) -> str:
    """A line-anchored regex equivalent to a whole-string fnmatch match of `pattern`.

    Leading and trailing `*` become an unanchored search instead of `.*`, which lets the
    regex engine scan for the literal part: "*sql*" -> "sql", "vCLS-*" -> "vcls\\-" checked
    to start a line. `|` marks a name-part boundary: "*|mon|*" finds "fra-mon01" but not
    "salmon" or "month". Lower-cased, because the texts are lower-cased before searching.

    What must come before the first literal (line start, boundary, a character class) is
    checked by a lookbehind *after* it, so every alternative of the joined regex starts with
    a literal: the engine then rejects most positions on one character compare, instead of
    entering a zero-width assertion at every position of a million names.
    """
    low = pattern.lower()
    core = low.strip("*")
    head = "" if low.startswith("*") else "^"
    tail = "" if low.endswith("*") and core else "$"
    body, before = core, head
    if body.startswith("|"):
        body, before = body[1:], before or _BOUNDARY
    elif not head and (cls := _CLASS.match(body)) is not None:
        # A negated class must not match the newline that joins two names.
        before = _translate(cls.group())
        body = body[cls.end():]
    run = _LITERAL_RUN.match(body)
    if not before or run is None:
        return f"{head}(?:{_translate(core)}){tail}"
    lit = re.escape(run.group())
    check = {"^": f"(?<![^\n]{lit})", _BOUNDARY: f"(?<![a-z]{lit})"}.get(
        before, f"(?<={before}{lit})")
    return f"(?:{lit}{check}{_translate(body[run.end():])}){tail}"


def _pattern_regex(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching a lower-cased line that matches any of the fnmatch patterns."""
    parts = [_fnmatch_search(str(p)) for p in patterns]
    return re.compile("|".join(parts), re.MULTILINE) if parts else None


def split_pattern(pattern: str) -> tuple[tuple[str, ...], str]:
    """(VM columns searched, fnmatch pattern) of one pattern setting.

    >>> split_pattern("os:*photon*")
    (('os_raw',), '*photon*')
    >>> split_pattern("*sql*")
    (('name', 'tags'), '*sql*')
    """
    prefix, sep, rest = pattern.partition(":")
    field = prefix.strip().lower()
    if sep and field in PATTERN_FIELDS:
        return (PATTERN_FIELDS[field],), rest
    return _DEFAULT_FIELDS, pattern


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


def _workloads(vms: pd.DataFrame, fit: Any, rules: Iterable[str]) -> dict[str, np.ndarray]:
    """Per rule ID, the rows where one of that rule's patterns matches its field.

    Names (and tags, notes) are nearly all distinct and are searched as one joined text; OS
    strings repeat, so only their distinct values are searched.
    """
    by_field: dict[str, dict[str, list[str]]] = {}
    for rule in rules:
        for pattern in getattr(fit, _PATTERN_KEYS[rule]):
            fields, fn = split_pattern(str(pattern))
            for field in fields:
                by_field.setdefault(field, {}).setdefault(rule, []).append(fn)
    out = {rule: np.zeros(len(vms), dtype=bool) for rule in rules}
    for column, patterns in by_field.items():
        texts = _string(vms, column)
        if texts.isna().all():
            continue
        regexes = {rule: _pattern_regex(p) for rule, p in patterns.items()}
        if column == "os_raw":
            for rule, regex in regexes.items():
                if regex is not None:
                    out[rule] |= _per_unique(texts, lambda u, rx=regex: _Lines(u).search(rx),
                                             False).astype(bool)
            continue
        lines = _Lines(texts)
        for rule, regex in regexes.items():
            if regex is not None:
                out[rule] |= lines.search(regex)
    return out


def _windows_32bit(os_raw: pd.Series) -> np.ndarray:
    """True where the raw OS string says 32-bit ("(32-bit)", "32 bit", "x86" but not x86-64)."""
    return _per_unique(os_raw, lambda u: u.str.contains(
        r"32[- ]?bit|\bx86\b(?![-_]64)", case=False, regex=True).fillna(False)
        .to_numpy(dtype=bool), False).astype(bool)


def _rule_masks(
    vms: pd.DataFrame, fit: Any, values: Mapping[str, float],
    max_request: tuple[float, float] | None, disabled: frozenset[str],
) -> dict[str, np.ndarray]:
    """Boolean mask per rule ID (before scope, disabling and overrides).

    Pattern rules in `disabled` are not searched (the search is the costly part).
    """
    n = len(vms)
    family = _per_unique(_string(vms, "os_family"),
                         lambda u: u.str.strip().str.lower().to_numpy(dtype=object), "")
    windows, linux, other = family == "windows", family == "linux", family == "other"
    known_family = windows | linux | other

    def contains_server(u: pd.Series) -> np.ndarray:
        return u.str.contains("server", case=False).fillna(False).to_numpy(dtype=bool)

    # Server vs desktop Windows: the classified product name, else the raw string.
    os_name = _string(vms, "os_name")
    os_raw = _string(vms, "os_raw")
    server = np.where(os_name.notna().to_numpy(dtype=bool),
                      _per_unique(os_name, contains_server, False),
                      _per_unique(os_raw, contains_server, False)).astype(bool)

    def version_year(u: pd.Series) -> np.ndarray:
        """Release year in the version ("2008 R2" -> 2008); -inf for a version without
        a year ("NT 4.0", "7"), NaN for a blank one."""
        years = u.str.extract(r"((?:19|20)\d\d)", expand=False)
        year = pd.to_numeric(years, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
        blank = (u.str.strip() == "").to_numpy(dtype=bool)
        return np.where(np.isnan(year) & ~blank, -np.inf, year)

    def r2(u: pd.Series) -> np.ndarray:
        return u.str.contains(r"\bR2\b", case=False, regex=True).fillna(False).to_numpy(bool)

    os_version = _string(vms, "os_version")
    year = _per_unique(os_version, version_year, np.nan).astype(float)
    has_version = ~np.isnan(year)
    new_enough = year >= _value(values, "fit.windows_min_version")  # NaN, -inf compare False
    # 2008 (not R2) or older; NT 4.0 has no year (-inf) and counts as older.
    pre_2008r2 = (year < 2008) | ((year == 2008) & ~_per_unique(os_version, r2, False)
                                 .astype(bool))

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

    # Used storage, else provisioned (an inventory without used storage).
    used_gib = _float(vms, "storage_used_gib")
    used_gib = np.where(np.isnan(used_gib), _float(vms, "storage_provisioned_gib"), used_gib)
    large_vcpus = _value(values, "fit.large_vcpus")
    # Measured use at or under the threshold clears a large VM (NaN use compares False).
    large = (vcpus > large_vcpus) & ~(vcpus * cpu_util <= large_vcpus)

    too_big = np.zeros(n, dtype=bool)
    if max_request is not None:
        max_cpu, max_mem = (float(x) for x in max_request)
        # The sized request when sizing ran, else the allocated size.
        cpu_req = _float(vms, "cpu_request_cores") if "cpu_request_cores" in vms.columns \
            else vcpus
        mem_req = _float(vms, "memory_request_gib") if "memory_request_gib" in vms.columns \
            else memory_gib
        too_big = (cpu_req > max_cpu) | (mem_req > max_mem)

    win_server = windows & server
    return {
        "OVERRIDE": np.zeros(n, dtype=bool),  # set from the override column by the caller
        "DATA-MISSING": ~(vcpus > 0) | ~(memory_gib > 0),
        "OS-UNKNOWN": ~known_family,
        "OS-LINUX-MODERN": linux & eos_false,
        "OS-LINUX-GENERIC": linux & ~eos_true & ~eos_false,
        "OS-WIN-2016PLUS": win_server & new_enough,
        # A known version without a year (NT 4.0) is older than any Windows Server year.
        "OS-WIN-LEGACY": win_server & has_version & ~new_enough,
        "OS-WIN-CLIENT": windows & ~server & has_version,
        "OS-WIN-VERSION-UNKNOWN": windows & ~has_version,
        "OS-EOS": eos_true,
        "OS-OTHER": other,
        "OS-WIN-32BIT": win_server & _windows_32bit(os_raw),
        "OS-WIN-2003-2008": win_server & has_version & pre_2008r2,
        "OS-DESKTOP": windows & ~server & has_version,
        **_workloads(vms, fit, [r for r in _PATTERN_KEYS if r not in disabled]),
        **{r: np.zeros(n, dtype=bool) for r in _PATTERN_KEYS if r in disabled},
        "SIZE-EXCEEDS-NODE": too_big,
        "SIZE-STATEFUL-LARGE": used_gib > _value(values, "fit.stateful_storage_gib"),
        "SIZE-LARGE-VCPU": large,
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
    `moves` is True exactly for the moving levels and `retire_candidate` for retire_idle.
    """
    n = len(vms)
    rules = effective_rules(fit, values)
    disabled = disabled_rules(fit)
    in_scope = _bool(vms["in_scope"]) if "in_scope" in vms.columns else np.ones(n, dtype=bool)

    masks = _rule_masks(vms, fit, values, max_request, disabled)
    override = _override_levels(vms)
    has_override = _bool(override.notna()) & ("OVERRIDE" not in disabled) & in_scope
    masks["OVERRIDE"] = has_override
    # One boolean column per rule (a list, not an n × rules matrix: column passes stay
    # contiguous and no wide int64 temporaries are made on a million VMs).
    off = np.zeros(n, dtype=bool)
    fired = [masks[r.id] & in_scope if r.id not in disabled else off for r in rules]

    # Level: the worst level any fired rule implies; -1 (no rule) -> DEFAULT_LEVEL.
    worst = np.full(n, -1, dtype=np.int8)
    # Reason: the rule that set the level; among those the most severe, then table order.
    # Rules that set no level explain a VM only when no other rule fired.
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
        weight = 1000 if rule.id == "OVERRIDE" else (
            (_LEVEL_RANK.get(rule.level or "", -1) + 1) * 10 + severity_rank[rule.severity])
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

    def by_level(names: Iterable[str]) -> np.ndarray:
        """In-scope rows whose level is one of `names`; from the integer ranks, which is
        faster than comparing a million strings."""
        names = list(names)
        ranks = [_LEVEL_RANK[lv] for lv in names]
        hit = np.isin(worst, ranks + ([-1] if _LEVEL_RANK[DEFAULT_LEVEL] in ranks else []))
        forced = _per_unique(override, lambda u: u.isin(list(names)).to_numpy(dtype=bool),
                             False).astype(bool)
        return in_scope & np.where(has_override, forced, hit)

    moves = by_level(MOVING_LEVELS)
    retire = by_level(["retire_idle"])
    col = {r.id: j for j, r in enumerate(rules)}
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


def outcome_counts(fit_frame: pd.DataFrame) -> dict[str, int]:
    """In-scope VMs per outcome (`OUTCOMES`: moving, staying, retire_with_platform,
    retire_idle), zeros included."""
    outcome = fit_frame["fit_level"].map(OUTCOME_OF_LEVEL)
    counts = outcome.value_counts()
    return {o: int(counts.get(o, 0)) for o in OUTCOMES}


def outcome_reasons(fit_frame: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The `n` most frequent reasons per outcome: columns outcome, fit_reason, fit_level, vms.

    Outcomes in `OUTCOMES` order, reasons largest first (ties by reason text), so the report's
    fit section can show moving, staying and both kinds of retirement with their reasons.
    """
    scoped = fit_frame.loc[fit_frame["fit_level"].notna(), ["fit_reason", "fit_level"]]
    scoped = scoped.assign(outcome=scoped["fit_level"].map(OUTCOME_OF_LEVEL))
    counts = (scoped.groupby(["outcome", "fit_reason", "fit_level"], sort=True).size()
              .rename("vms").reset_index())
    counts["order"] = counts["outcome"].map({o: i for i, o in enumerate(OUTCOMES)})
    counts = counts.sort_values(["order", "vms", "fit_reason"], ascending=[True, False, True],
                                kind="stable")
    top = counts.groupby("outcome", sort=False).head(n)
    return top[["outcome", "fit_reason", "fit_level", "vms"]].reset_index(drop=True)


def rule_masks(fit_frame: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per rule ID: the VMs whose `fit_rules` name it.

    Works on the distinct rule sets (a few hundred on any estate), then maps back.
    """
    codes, uniques = pd.factorize(fit_frame["fit_rules"].astype("string"))
    sets = [set(str(u).split(";")) for u in uniques]
    table = np.array([[rule in s for rule in RULE_IDS] for s in sets], dtype=bool
                     ).reshape(len(sets), len(RULE_IDS))
    rows = np.vstack([table, np.zeros((1, len(RULE_IDS)), dtype=bool)])
    picked = rows[np.where(codes >= 0, codes, len(sets))]
    return pd.DataFrame(picked, index=fit_frame.index, columns=list(RULE_IDS))


def family_masks(fit_frame: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per rule family (`RULE_FAMILIES`): the VMs any of its rules caught."""
    rules = rule_masks(fit_frame)
    return pd.DataFrame({family: rules[list(ids)].any(axis=1).to_numpy(dtype=bool)
                         for family, ids in RULE_FAMILIES.items()}, index=fit_frame.index)


def family_counts(fit_frame: pd.DataFrame) -> dict[str, int]:
    """VMs caught per rule family, in `RULE_FAMILIES` order (zeros included).

    >>> family_counts(classified)["infrastructure"]  # doctest: +SKIP
    52
    """
    masks = family_masks(fit_frame)
    return {family: int(masks[family].sum()) for family in RULE_FAMILIES}


def rule_counts(fit_frame: pd.DataFrame) -> dict[str, int]:
    """VMs each rule fired on, in `RULE_IDS` order (zeros included)."""
    masks = rule_masks(fit_frame)
    return {rule: int(masks[rule].sum()) for rule in RULE_IDS}
