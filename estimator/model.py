"""The typed result of an estimate: its vocabulary, table schemas and the frozen `Estimate`.

A leaf module: it imports nothing from the rest of the package (assumptions only for type
checking), so every step and every renderer can depend on it without a cycle.

- Vocabulary declared once: fit levels, cost categories.
- Summary blocks (`InventorySummary`, `CurrentEstate`, `FitSummary`, `TargetSummary`,
  `MoneySummary`, `QualityReport`, `Insights`, `Uncertainty`) are frozen pydantic models whose
  fields carry a description and, for numbers, a unit (`x-unit` in the JSON Schema).
- Every table is declared by a row model (`PoolRow`, `CostRow`, ...). `check_frame` checks a
  DataFrame against it when the `Estimate` is built, and the JSON document serialises the rows
  through the same model, so a missing or misnamed column fails loudly in both places.

Money units are written with the placeholder `{currency}`; the JSON Schema shows the
configured currency (USD by default) and the document's `currency` names it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from estimator.assumptions import Assumptions

CURRENCY = "{currency}"
PER_YEAR = f"{CURRENCY} per year"

# -- vocabulary ------------------------------------------------------------------------------
# Fit levels in display order (`estimator.fit` combines them). Only MOVING_LEVELS move;
# RETIRING_LEVELS cost before and nothing after; the rest stay VMs.
FIT_LEVELS: tuple[str, ...] = (
    "excellent", "good", "needs_work", "retire_idle", "retire_with_platform", "stays_vm",
    "no_fit", "insufficient_data",
)
MOVING_LEVELS: frozenset[str] = frozenset({"excellent", "good", "needs_work"})
RETIRING_LEVELS: frozenset[str] = frozenset({"retire_idle", "retire_with_platform"})

# Cost categories, in report order (one row each in `Estimate.costs`).
GUEST = "Guest OS licences"
HYPERVISOR = "Hypervisor licences"
PATCHING = "Patching labour"
OPERATIONS = "Other OS operations"
BACKUP = "Backup"
EOS = "End of support"
STORAGE = "Storage"
NETWORK = "Network and load balancing"
HARDWARE = "Hardware and facilities"
PLATFORM = "Container platform"
WINDOWS_CONTAINERS = "Windows containers"
PLATFORM_TEAM = "Platform team"
REGISTRY = "Registry and CI"
COST_CATEGORIES: tuple[str, ...] = (GUEST, HYPERVISOR, PATCHING, OPERATIONS, BACKUP, EOS,
                                    STORAGE, NETWORK, HARDWARE, PLATFORM, WINDOWS_CONTAINERS,
                                    PLATFORM_TEAM, REGISTRY)


class SchemaError(ValueError):
    """A table or block does not match its declared schema (a bug, not bad input)."""


# -- field helpers ---------------------------------------------------------------------------
def _extra(unit: str | None) -> dict[str, Any] | None:
    return None if unit is None else {"x-unit": unit}


def num(description: str, unit: str, default: Any = ..., **kw: Any) -> Any:
    """A numeric field with its unit (`x-unit`) and description."""
    return Field(default, description=description, json_schema_extra=_extra(unit), **kw)


def money(description: str, default: Any = ..., *, per_year: bool = True) -> Any:
    """A money field in the estimate's currency (per year unless `per_year` is False)."""
    return num(description, PER_YEAR if per_year else CURRENCY, default)


def txt(description: str, default: Any = ...) -> Any:
    """A text (or boolean, or structured) field with its description."""
    return Field(default, description=description)


class Block(BaseModel):
    """A frozen, strictly shaped part of the result."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# -- tables ----------------------------------------------------------------------------------
class PoolRow(Block):
    """One node pool after the move."""

    pool: str = txt("Pool name: OS family, then the isolation keys' values, joined by '/'.")
    os_family: str = txt("OS family of the pool's nodes: linux or windows.")
    node_type: str = txt("Node type chosen for the pool (from the node catalogue).")
    node_cores: float = num("Physical cores of one node.", "cores")
    node_memory_gib: float = num("Memory of one node.", "GiB")
    nodes: int = num("Nodes in the pool, HA spares included.", "nodes")
    nodes_lower_bound: int = num("Proven lower bound on the pool's nodes, spares included.",
                                 "nodes")
    spare_nodes: int = num("HA spare nodes included in `nodes`.", "nodes")
    workloads: int = num("Workloads (moving VMs) placed in the pool.", "workloads")
    pods: int = num("Pods placed in the pool (workloads x replicas).", "pods")
    allocatable_cpu_cores: float = num("Allocatable CPU of one node (after the platform's "
                                       "reservation).", "cores")
    allocatable_memory_gib: float = num("Allocatable memory of one node.", "GiB")
    cpu_request_cores: float = num("CPU requested by the pool's pods.", "cores")
    memory_request_gib: float = num("Memory requested by the pool's pods.", "GiB")
    cpu_allocatable_util: float = num("CPU requests / allocatable CPU.", "fraction")
    memory_allocatable_util: float = num("Memory requests / allocatable memory.", "fraction")
    annual_cost: float = money("Fully loaded yearly cost of the pool's nodes, as the node-type "
                               "choice priced it.")


class CostRow(Block):
    """One cost category before and after."""

    category: str = txt("Cost category.")
    annual_before: float = money("Yearly cost of the category today.")
    annual_after: float = money("Yearly cost of the category after the move (staying VMs "
                                "included).")
    annual_savings: float = money("annual_before - annual_after.")


class CashFlowRow(Block):
    """One year of the cash flow, as a finance team reads it."""

    year: int = num("Year of the horizon, 1 = the first year of the migration.", "years")
    opex_before: float = money("Cost of staying: today's yearly cost (end-of-support upgrades "
                               "or ESU included).")
    opex_after: float = money("Cost after: the shrinking VM estate and the platform at the "
                              "share moved (owned node hardware is capex).")
    savings: float = money("opex_before - opex_after.")
    dual_running: float = money("Paid because the move is under way: per-cluster costs from "
                                "month 1, nodes ahead of the ramp, today's hypervisor "
                                "subscription until its term ends.")
    capex: float = money("Owned servers bought in the year (first purchase and refresh).")
    migration_cost: float = money("One-off migration spent in the year.")
    net: float = money("savings - dual_running - capex - migration_cost.")
    cumulative: float = money("Running total of `net` to the end of the year.",
                              per_year=False)
    discounted: float = money("`net` discounted at finance.discount_rate.")


class FitReasonRow(Block):
    """How many in-scope VMs share a fit reason."""

    fit_reason: str = txt("Plain-words reason of the most severe fit rule.")
    fit_level: str = txt("Fit level the reason leads to.")
    vms: int = num("In-scope VMs with this reason and level.", "VMs")


class TornadoRow(Block):
    """Yearly savings with one ranged assumption at its low and high value."""

    key: str = txt("Assumption key.")
    label: str = txt("What the assumption means.")
    unit: str = txt("Unit of the assumption's values.")
    low_value: float = num("Low end of the assumption's range.", "assumption unit")
    high_value: float = num("High end of the assumption's range.", "assumption unit")
    low_savings: float = money("Yearly savings with the assumption at its low value.")
    high_savings: float = money("Yearly savings with the assumption at its high value.")
    swing: float = money("|high_savings - low_savings|.")


class ScenarioRow(Block):
    """The headline figures of one scenario (the main run first)."""

    name: str = txt("Scenario: 'as configured', a preset or an assumptions file.")
    vms_moving: int = num("VMs that become containers.", "VMs")
    nodes: int = num("Container nodes, HA spares included.", "nodes")
    nodes_lower_bound: int = num("Proven lower bound on nodes.", "nodes")
    annual_before: float = money("Yearly cost today.")
    annual_after: float = money("Yearly cost after the move.")
    annual_savings: float = money("Yearly savings.")
    one_off_migration: float = money("One-off migration cost.", per_year=False)
    payback_months: float | None = num("Months until the cumulative net turns positive; null: "
                                       "not within the horizon.", "months")
    npv: float = money("Net present value over the horizon.", per_year=False)
    savings_p10: float | None = money("P10 of yearly savings (null without a Monte Carlo).",
                                      None)
    savings_p90: float | None = money("P90 of yearly savings (null without a Monte Carlo).",
                                      None)


class PlatformRow(Block):
    """One target platform estimated on the same inventory and plan inputs."""

    name: str = txt("Platform archetype (estimator platforms).")
    description: str = txt("What the archetype stands for.")
    nodes_on: str = txt("Where nodes run: bare-metal, vsphere, cloud, or vms (no containers).")
    vms_moving: int = num("VMs that become containers.", "VMs")
    nodes: int = num("Container nodes (hosts kept for right-sized VMs on 'vms'), spares "
                     "included.", "nodes")
    node_cores: float = num("Physical cores of those nodes.", "cores")
    annual_before: float = money("Yearly cost today.")
    annual_after: float = money("Yearly cost after the move.")
    annual_savings: float = money("Yearly savings.")
    one_off_migration: float = money("One-off migration cost.", per_year=False)
    payback_months: float | None = num("Months until the cumulative net turns positive; null: "
                                       "not within the horizon.", "months")
    npv: float = money("Net present value over the horizon.", per_year=False)
    savings_beyond_rightsizing: float | None = money(
        "Yearly savings beyond what right-sizing the VMs alone gets (vms-rightsized); null for "
        "that row or when it was not estimated.", None)


class StayingReasonRow(Block):
    """In-scope VMs that do not move, grouped by level and reason."""

    fit_level: str = txt("Fit level (retire_idle for idle and zombie VMs).")
    reason: str = txt("Why the VMs do not move.")
    vms: int = num("VMs with this level and reason.", "VMs")


class StayingVmRow(Block):
    """One in-scope VM that does not move (the costliest first)."""

    name: str = txt("VM name.")
    fit_level: str = txt("Fit level (retire_idle for idle and zombie VMs).")
    reason: str = txt("Why the VM does not move.")
    os: str | None = txt("OS as exported.")
    annual_before: float | None = money("Yearly cost of the VM today.")


class MovingVmRow(Block):
    """One moving VM (the largest yearly saving first)."""

    name: str = txt("VM name.")
    fit_level: str = txt("Fit level.")
    pool: str | None = txt("Node pool of the workload.")
    cpu_request_cores: float | None = num("CPU request per replica.", "cores")
    memory_request_gib: float | None = num("Memory request per replica.", "GiB")
    annual_before: float | None = money("Yearly cost of the VM today.")
    annual_after: float | None = money("Yearly cost of the workload after the move.")
    annual_savings: float | None = money("annual_before - annual_after.")
    os: str | None = txt("OS as exported.")


class OsSupportRow(Block):
    """In-scope VMs per OS product, split by vendor support."""

    product: str = txt("OS product and version ('other' sums the products beyond the top).")
    supported_vms: int = num("In-scope VMs on a supported version (or unknown support).",
                             "VMs")
    end_of_support_vms: int = num("In-scope VMs past the vendor's end of support.", "VMs")
    total_vms: int = num("supported_vms + end_of_support_vms.", "VMs")


class FileQualityRow(Block):
    """What was read from one input file."""

    file: str = txt("File name as given.")
    format: str = txt("Reader that read the file.")
    rows_read: int = num("Data rows read.", "rows")
    vms_kept: int = num("VMs kept after rejected rows and duplicates.", "VMs")
    rows_dropped: int = num("Rows rejected with a reason.", "rows")
    duplicates: int = num("Duplicate VMs dropped.", "VMs")
    imputed_fields: int = num("Fields derived or filled in (see problems of kind 'imputed').",
                              "fields")
    unmapped_columns: tuple[str, ...] = txt("Headers the reader could not place.")
    vms_in_scope: int = num("In-scope VMs from the file.", "VMs")
    vms_with_usage: int = num("In-scope VMs with CPU and memory usage.", "VMs")
    usage_share: float | None = num("vms_with_usage / vms_in_scope.", "fraction")
    confidence_stars: int | None = num("1-5 stars from the usage share (Azure Migrate bands).",
                                       "stars")


class ProblemRow(Block):
    """One problem met while reading (a rejected row, an imputed field, a duplicate...)."""

    kind: str = txt("rejected, imputed, unmapped_column, duplicate, override, ...")
    message: str = txt("What happened, in plain words.")
    file: str | None = txt("File of the problem.")
    sheet: str | None = txt("Sheet (or CSV file) of the problem.")
    row: int | None = num("1-based row in the sheet (header = 1).", "row number")
    column: str | None = txt("Column header of the problem.")


class CapacityRow(Block):
    """One line of the capacity comparison, today and after, in the same units."""

    figure: str = txt("What the line measures.")
    cores: float | None = num("Physical cores (requests in cores).", "cores")
    memory_gib: float | None = num("Memory.", "GiB")
    note: str = txt("How the figure was obtained.")


class KeyAssumptionRow(Block):
    """One line of the page-one "key assumptions" box: what the result rests on."""

    topic: str = txt("What the line is about: Platform, CPU sizing, Memory sizing, Hosts today, "
                     "Finance, or Price.")
    text: str = txt("The assumption as a reader says it, figures in the shared format.")
    source: str = txt("Where it comes from: the assumption's source, or the inventory.")
    key: str | None = txt("The assumption key that changes it (--set KEY=VALUE); null for what "
                          "the inventory decides.")


class ContractPriceRow(Block):
    """An assumption that moves the saving a lot and has no public source."""

    key: str = txt("Assumption key.")
    label: str = txt("What the assumption means.")
    unit: str = txt("Unit of its value.")
    value: float = num("The value used (likely).", "assumption unit")
    swing: float = money("How far the net present value moves across its range.",
                         per_year=False)
    source: str = txt("Where the default comes from (none public).")


class SecurityFinding(Block):
    """One security point tied to this estate's figures."""

    title: str = txt("Topic.")
    text: str = txt("What to do, with this estate's figures.")


# The tables of `Estimate`, by attribute, with the row model that declares their columns.
TABLE_ROWS: dict[str, type[Block]] = {
    "pools": PoolRow, "costs": CostRow, "cash_flow": CashFlowRow,
    "fit_reasons": FitReasonRow, "scenarios": ScenarioRow, "platforms": PlatformRow,
}

# Per-VM columns the pipeline adds to the inventory's (see docs/architecture.md).
VM_ADDED_COLUMNS: dict[str, str] = {
    "in_scope": "bool", "exclusion_reason": "str",
    "fit_level": "str", "fit_rules": "str", "fit_reason": "str", "retire_candidate": "bool",
    "moves": "bool", "needs_os_upgrade": "bool",
    "cpu_request_cores": "number", "memory_request_gib": "number", "replicas": "number",
    "cpu_basis": "str", "memory_basis": "str", "pool": "str", "node_index": "number",
    "annual_before": "number", "annual_after": "number", "annual_savings": "number",
}


def _kind_of(annotation: Any) -> str:
    text = str(annotation)
    if "float" in text or "int" in text:
        return "number"
    if "bool" in text:
        return "bool"
    return "str"


def _dtype_ok(series: pd.Series, kind: str) -> bool:
    dtype = series.dtype
    generic = pd.api.types.is_object_dtype(dtype)
    if kind == "number":
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        return bool(numeric or (generic and series.isna().all()))
    if kind == "bool":
        return bool(pd.api.types.is_bool_dtype(dtype) or generic)
    return bool(pd.api.types.is_string_dtype(dtype) or generic
                or isinstance(dtype, pd.CategoricalDtype))


def check_columns(frame: pd.DataFrame, kinds: Mapping[str, str], table: str, *,
                  exact: bool) -> pd.DataFrame:
    """Raise `SchemaError` unless `frame` has the declared columns with compatible dtypes.

    `exact` also refuses columns that are not declared (a misnamed column). Returns `frame`.
    """
    missing = [c for c in kinds if c not in frame.columns]
    if missing:
        raise SchemaError(f"table {table!r} lacks column(s) {', '.join(missing)}")
    if exact:
        extra = [str(c) for c in frame.columns if c not in kinds]
        if extra:
            raise SchemaError(f"table {table!r} has undeclared column(s) {', '.join(extra)}")
    wrong = [c for c, k in kinds.items() if not _dtype_ok(frame[c], k)]
    if wrong:
        raise SchemaError(f"table {table!r}: column(s) {', '.join(wrong)} have the wrong "
                          f"dtype ({', '.join(str(frame[c].dtype) for c in wrong)})")
    return frame


def row_kinds(row: type[Block]) -> dict[str, str]:
    """Column -> kind ("number", "bool", "str") of a row model."""
    return {name: _kind_of(f.annotation) for name, f in row.model_fields.items()}


def check_frame(frame: pd.DataFrame, row: type[Block], table: str) -> pd.DataFrame:
    """`frame` checked against the row model `row` (exact columns, compatible dtypes)."""
    return check_columns(frame, row_kinds(row), table, exact=True)


def empty_table(row: type[Block]) -> pd.DataFrame:
    """A table with `row`'s columns and no rows."""
    dtypes = {"number": "float64", "bool": "boolean", "str": "string"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes[k]) for c, k in row_kinds(row).items()})


def plain(x: Any) -> Any:
    """numpy/pandas values (recursively) as JSON-safe Python values; NaN and NA as None."""
    if isinstance(x, BaseModel):
        return plain(x.model_dump())
    if isinstance(x, Mapping):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple | set | frozenset):
        return [plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [plain(v) for v in x.tolist()]
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, pd.Timestamp | dt.date):
        return x.isoformat()
    return x


R = TypeVar("R", bound=Block)


def rows(frame: pd.DataFrame | None, row: type[R]) -> tuple[R, ...]:
    """The rows of `frame` validated as `row` models (no rows for None or empty)."""
    if frame is None or frame.empty:
        return ()
    names = list(row.model_fields)
    sub = frame[names]
    out = []
    for values in sub.itertuples(index=False, name=None):
        rec = {k: plain(v) for k, v in zip(names, values, strict=True)}
        out.append(row.model_validate(rec))
    return tuple(out)


# -- summary blocks --------------------------------------------------------------------------
class InventorySummary(Block):
    """What was read and what is in scope."""

    vms_total: int = num("VMs read from all inventories (after rejected rows).", "VMs")
    rows_rejected: int = num("Rows rejected with a reason while reading.", "rows")
    vms_in_scope: int = num("VMs in scope.", "VMs")
    excluded: dict[str, int] = num("Excluded VMs by reason (template, powered_off, ...); "
                                   "reasons with none are left out.", "VMs")
    vcpus_in_scope: float = num("vCPUs of the in-scope VMs.", "vCPU")
    memory_gib_in_scope: float = num("Memory of the in-scope VMs.", "GiB")
    storage_used_gib_in_scope: float = num("Used storage of the in-scope VMs.", "GiB")
    os_end_of_support_vms: int = num("In-scope VMs on an OS past its end of support.", "VMs")
    os_families: dict[str, int] = num("In-scope VMs by OS family.", "VMs")


class CurrentEstate(Block):
    """The hosts that run the in-scope VMs today."""

    hosts: int = num("Physical hosts today (read, or inferred).", "hosts")
    hosts_inferred: bool = txt("True when some hosts took the current.* geometry because the "
                               "host list lacked them.")
    physical_cores: float | None = num("Physical cores of those hosts (hyper-threads not "
                                       "counted).", "cores")
    memory_gib: float | None = num("Memory installed in those hosts.", "GiB")
    cpu_used_cores: float | None = num("Cores busy today: the hosts' measured CPU use x cores "
                                       "(else the VMs' own use); null when nothing measured it.",
                                       "cores")
    memory_used_gib: float | None = num("Memory in use today (hosts' measured use, else the "
                                        "VMs'); null when nothing measured it.", "GiB")
    vms_per_host: float | None = num("In-scope VMs per host today.", "VMs per host")


class OutcomeReasonRow(Block):
    """One of the most common reasons behind an outcome."""

    outcome: str = txt("moving, staying, retire_with_platform or retire_idle.")
    fit_reason: str = txt("Plain-words reason of the rule that set the level.")
    fit_level: str = txt("Fit level the reason leads to.")
    vms: int = num("In-scope VMs with this outcome, reason and level.", "VMs")


class FitSummary(Block):
    """Which in-scope VMs move, stay or retire."""

    counts: dict[str, int] = num("In-scope VMs by fit level, every level listed.", "VMs")
    vms_moving: int = num("In-scope VMs that become containers.", "VMs")
    vms_staying: int = num("In-scope VMs that stay VMs (infrastructure roles, desktops, no "
                           "fit, insufficient data).", "VMs")
    vms_retiring: int = num("In-scope VMs that retire: idle or zombie, or with the "
                            "virtualisation platform.", "VMs")
    outcomes: dict[str, int] = num("In-scope VMs by outcome: moving, staying, "
                                   "retire_with_platform, retire_idle.", "VMs")
    outcome_reasons: tuple[OutcomeReasonRow, ...] = txt(
        "The three most common reasons per outcome.")
    top_reasons: tuple[FitReasonRow, ...] = txt("The most common fit reasons, largest first.")


class TargetSummary(Block):
    """The container platform after the move."""

    platform: str = txt("Target platform archetype the estimate used (estimator platforms).")
    hardware_model: str = txt("How nodes are paid: owned servers, vsphere hosts kept, or cloud "
                              "instances.")
    nodes: int = num("Container nodes needed, HA spares included.", "nodes")
    nodes_lower_bound: int = num("Proven lower bound on nodes (spares included).", "nodes")
    spare_nodes: int = num("HA spare nodes included in `nodes`.", "nodes")
    workloads: int = num("Container workloads (moving VMs).", "workloads")
    workloads_per_node: float = num("Workloads per node.", "workloads per node")
    isolation_extra_nodes: int = num("Extra nodes the isolation keys beyond OS family cost.",
                                     "nodes")
    sizing_fallbacks: int = num("In-scope VMs sized from allocation because usage was missing.",
                                "VMs")
    cpu_request_cores: float = num("CPU requested by the moving workloads (all replicas).",
                                   "cores")
    memory_request_gib: float = num("Memory requested by the moving workloads (all replicas).",
                                    "GiB")
    node_cores: float = num("Physical cores of every node, spares included.", "cores")
    node_memory_gib: float = num("Memory of every node, spares included.", "GiB")
    hosts_kept: float = num("Hosts kept for the VMs that stay VMs.", "hosts")
    cpu_request_share: float | None = num("Requested / allocatable CPU over every pool.",
                                          "fraction")
    memory_request_share: float | None = num("Requested / allocatable memory over every pool.",
                                             "fraction")


class MoneySummary(Block):
    """Yearly costs before and after, the one-off and the return."""

    annual_before: float = money("Yearly cost today.")
    annual_after: float = money("Yearly cost after the move (staying VMs included).")
    annual_savings: float = money("annual_before - annual_after.")
    one_off_migration: float = money("One-off migration cost.", per_year=False)
    payback_months: float | None = num("Months until cumulative savings repay the migration; "
                                       "null: not within the horizon.", "months")
    npv: float = money("Net present value over the horizon.", per_year=False)
    horizon_years: int = num("Years in the cash flow.", "years")
    discount_rate: float = num("Yearly discount rate of the NPV.", "fraction")


class QualityOverall(Block):
    """How far to trust the estimate, over every file."""

    rows_read: int = num("Data rows read.", "rows")
    vms_kept: int = num("VMs kept after rejected rows and duplicates.", "VMs")
    rows_dropped: int = num("Rows rejected with a reason.", "rows")
    duplicates: int = num("Duplicate VMs dropped.", "VMs")
    vms_in_scope: int = num("In-scope VMs.", "VMs")
    vms_with_usage: int = num("In-scope VMs with CPU and memory usage.", "VMs")
    usage_share: float | None = num("vms_with_usage / vms_in_scope.", "fraction")
    confidence_stars: int | None = num("1-5 stars from the usage share (Azure Migrate bands).",
                                       "stars")


class QualityReport(Block):
    """Data quality per file and overall, and every problem met while reading."""

    files: tuple[FileQualityRow, ...] = txt("One row per input file.")
    overall: QualityOverall = txt("Figures over every file.")
    confidence_stars: int | None = num(
        "1-5 stars from how much of the sizing rests on history: per-VM time series of 30 "
        "days or more up to 5; a snapshot of per-VM usage or host-level use at most 2; "
        "allocation only 1; one star less when a tenth or more of the VMs sit on inferred "
        "hosts.", "stars")
    confidence_reason: str = txt("Why the confidence is what it is, in one sentence.")
    raise_confidence: tuple[str, ...] = txt("What data would raise the confidence.")
    cpu_basis: dict[str, int] = num("In-scope VMs by the rule that sized their CPU "
                                    "(vm_usage, host_usage, vcpu_ratio).", "VMs")
    memory_basis: dict[str, int] = num("In-scope VMs by the rule that sized their memory "
                                       "(vm_usage, active_consumed, active_allocated, "
                                       "host_usage, allocated).", "VMs")
    problems: tuple[ProblemRow, ...] = txt("Every problem, in file order.")


class Insights(Block):
    """Findings computed once from the result, for every renderer to lay out."""

    headline: tuple[str, ...] = txt("The executive summary, one sentence per item.")
    takeaways: dict[str, str] = txt("One-line takeaway per chart, by chart name.")
    staying_total: int = num("In-scope VMs that do not move (staying or retiring).", "VMs")
    staying_by_reason: tuple[StayingReasonRow, ...] = txt(
        "Non-moving in-scope VMs by level and reason, largest first.")
    staying_vms: tuple[StayingVmRow, ...] = txt("The costliest non-moving VMs (capped).")
    moving_vms: tuple[MovingVmRow, ...] = txt("The moving VMs with the largest savings (capped).")
    os_support: tuple[OsSupportRow, ...] = txt("In-scope VMs by OS product and support, top "
                                               "products first, the rest as 'other'.")
    security: tuple[SecurityFinding, ...] = txt("Security findings tied to the estate.")
    capacity: tuple[CapacityRow, ...] = txt("Capacity today and after, side by side: installed, "
                                            "in use, requested after and node capacity after.")
    capacity_note: str | None = txt("One sentence when the nodes after hold more than today's "
                                    "hosts, or outnumber them, or hold fewer workloads than "
                                    "today's hosts hold VMs, with the reason; null otherwise.")
    evidence_note: str = txt("The sizing evidence most VMs rest on, in a few words (the "
                             "confidence tile).")
    money_notes: tuple[str, ...] = txt(
        "Why the money looks as it does, one sentence each: yearly savings that never pay "
        "back, a point estimate more than 20% from the median of the draws.")
    contract_prices: tuple[ContractPriceRow, ...] = txt(
        "The five assumptions that move the net present value most and have no public "
        "source: replace them with your contract prices.")
    key_prices: tuple[ContractPriceRow, ...] = txt(
        "The three price assumptions that move the net present value most, sourced or not.")
    key_assumptions: tuple[KeyAssumptionRow, ...] = txt(
        "What the result rests on, for the page-one box: platform, sizing basis, hosts, "
        "finance and the three prices that move it most, each with its source.")
    next_steps: tuple[str, ...] = txt(
        "What to do next for this estate, one sentence each: which VMs first, what data "
        "would raise the confidence, which prices to replace with contract prices.")
    appendix_keys: tuple[str, ...] = txt(
        "Assumption keys the report's appendix leads with: changed from the defaults, then "
        "those whose range moves the result most (unsourced first).")


class RangeRow(Block):
    """One ranged figure: the point estimate beside its Monte Carlo percentiles."""

    figure: str = txt("What the figure is, with its unit where it is not money.")
    kind: str = txt("How to show it: money, months (payback) or count.")
    point: float | None = num("The point estimate (null: a payback that never comes).",
                              "unit of the figure")
    p10: float | None = num("10th percentile (null: never, for a payback).", "unit of the figure")
    p50: float | None = num("Median.", "unit of the figure")
    p90: float | None = num("90th percentile.", "unit of the figure")


class Percentiles(Block):
    """P10/P50/P90 of one output over the Monte Carlo draws (null where undefined)."""

    p10: float | None = num("10th percentile.", "unit of the figure")
    p50: float | None = num("Median.", "unit of the figure")
    p90: float | None = num("90th percentile.", "unit of the figure")


class SavingsRange(Percentiles):
    """P10/P50/P90 of the yearly savings."""

    p10: float | None = money("10th percentile of the yearly savings.")
    p50: float | None = money("Median of the yearly savings.")
    p90: float | None = money("90th percentile of the yearly savings.")


class MoneyRange(Percentiles):
    """P10/P50/P90 of a money total (NPV, one-off)."""

    p10: float | None = money("10th percentile.", per_year=False)
    p50: float | None = money("Median.", per_year=False)
    p90: float | None = money("90th percentile.", per_year=False)


class MonthsRange(Percentiles):
    """P10/P50/P90 of the payback; null where those draws do not pay back in the horizon."""

    p10: float | None = num("10th percentile of the payback.", "months")
    p50: float | None = num("Median of the payback.", "months")
    p90: float | None = num("90th percentile of the payback.", "months")


class CoresRange(Percentiles):
    """P10/P50/P90 of the node capacity in physical cores."""

    p10: float | None = num("10th percentile of the node cores.", "cores")
    p50: float | None = num("Median of the node cores.", "cores")
    p90: float | None = num("90th percentile of the node cores.", "cores")


class GibRange(Percentiles):
    """P10/P50/P90 of the node capacity in memory."""

    p10: float | None = num("10th percentile of the node memory.", "GiB")
    p50: float | None = num("Median of the node memory.", "GiB")
    p90: float | None = num("90th percentile of the node memory.", "GiB")


class NodesRange(Percentiles):
    """P10/P50/P90 of the container nodes."""

    p10: float | None = num("10th percentile of the nodes.", "nodes")
    p50: float | None = num("Median of the nodes.", "nodes")
    p90: float | None = num("90th percentile of the nodes.", "nodes")


class Uncertainty(Block):
    """Monte Carlo ranges and the sensitivity tornado."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    draws: int = num("Monte Carlo draws.", "draws")
    seed: int = num("Random seed.", "seed")
    distribution: str = txt("Distribution of each ranged assumption.")
    annual_savings: SavingsRange = txt("Range of the yearly savings.")
    payback_months: MonthsRange = txt("Range of the payback; null where the draws do not pay "
                                      "back within the horizon.")
    npv: MoneyRange = txt("Range of the net present value.")
    one_off_migration: MoneyRange = txt("Range of the one-off migration cost.")
    nodes: NodesRange = txt("Range of the container nodes (a count across node types; the "
                            "capacity ranges below are in fixed units).")
    node_cores: CoresRange = txt("Range of the node capacity in physical cores.")
    node_memory_gib: GibRange = txt("Range of the node capacity in memory.")
    probability_positive_savings: float = num("Share of draws with positive yearly savings.",
                                              "fraction")
    tornado: tuple[TornadoRow, ...] = txt("Largest swings first.")
    savings_draws: tuple[float, ...] = Field(
        (), description="Every draw's yearly savings (for the distribution chart).",
        json_schema_extra={"x-unit": PER_YEAR}, exclude=True, repr=False)

    @property
    def tornado_frame(self) -> pd.DataFrame:
        """The tornado as a table (columns of `TornadoRow`)."""
        if not self.tornado:
            return empty_table(TornadoRow)
        return pd.DataFrame([r.model_dump() for r in self.tornado])


# -- the result ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """Everything one run produced. Renderers lay it out; nothing here is recomputed by them.

    Attributes:
        name: estate name (stem of the first inventory file).
        currency: ISO currency of every money figure (assumption finance.currency).
        as_of: the date end of support is judged against.
        inputs: inventory file names, in the order given.
        inventory, current, fit, target, money, quality, insights: typed summary blocks.
        vms: one row per VM read (in scope or not): inventory columns plus
            `VM_ADDED_COLUMNS`.
        hosts: physical hosts today (read, or inferred when the inventory had none).
        pools, costs, cash_flow, fit_reasons, scenarios, platforms: tables declared by
            `PoolRow`, `CostRow`, `CashFlowRow`, `FitReasonRow`, `ScenarioRow`, `PlatformRow`
            (scenarios and platforms are None unless asked for).
        assumptions: the assumptions used; assumption_table: key, value, low, high, unit,
            description, source, changed.
        uncertainty: Monte Carlo result, or None when it was not run.
        notes: plain-words caveats (hosts inferred, usage missing...).

    `summary` flattens the headline figures into one dict (`SUMMARY_KEYS`), the P10/P90 of
    savings, NPV, payback and nodes included (None without the Monte Carlo).
    """

    name: str
    currency: str
    as_of: dt.date
    inputs: tuple[str, ...]
    inventory: InventorySummary
    current: CurrentEstate
    fit: FitSummary
    target: TargetSummary
    money: MoneySummary
    quality: QualityReport
    insights: Insights
    vms: pd.DataFrame = field(repr=False)
    hosts: pd.DataFrame = field(repr=False)
    pools: pd.DataFrame = field(repr=False)
    costs: pd.DataFrame = field(repr=False)
    cash_flow: pd.DataFrame = field(repr=False)
    fit_reasons: pd.DataFrame = field(repr=False)
    assumptions: Assumptions = field(repr=False)
    assumption_table: pd.DataFrame = field(repr=False)
    uncertainty: Uncertainty | None = None
    scenarios: pd.DataFrame | None = field(default=None, repr=False)
    platforms: pd.DataFrame | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_columns(self.vms, VM_ADDED_COLUMNS, "vms", exact=False)
        for name, row in TABLE_ROWS.items():
            frame = getattr(self, name)
            if frame is not None:
                check_frame(frame, row, name)

    # -- a flat view for notebooks -----------------------------------------------------------
    @property
    def summary(self) -> dict[str, Any]:
        """The headline figures as one flat dict (see `SUMMARY_KEYS`), P10/P90 included."""
        out: dict[str, Any] = {
            **self.inventory.model_dump(exclude={"excluded", "os_families"}),
            "vms_excluded": dict(self.inventory.excluded),
            **self.current.model_dump(),
            "fit_counts": dict(self.fit.counts),
            **self.fit.model_dump(exclude={"counts", "top_reasons"}),
            **self.target.model_dump(),
            **self.money.model_dump(),
            "usage_coverage": self.quality.overall.usage_share,
            "confidence_stars": self.quality.overall.confidence_stars,
        }
        unc = self.uncertainty
        for key in RANGED_SUMMARY_KEYS:
            p = getattr(unc, key) if unc is not None else None
            out[f"{key}_p10"] = p.p10 if p is not None else None
            out[f"{key}_p90"] = p.p90 if p is not None else None
        return out

    @property
    def ranges(self) -> tuple[RangeRow, ...]:
        """Each ranged figure with its point estimate beside P10/P50/P90, in report order
        (empty without a Monte Carlo). Every renderer lays out this one list."""
        unc = self.uncertainty
        if unc is None:
            return ()
        m, t = self.money, self.target
        return tuple(RangeRow(figure=label, kind=kind, point=point, p10=p.p10, p50=p.p50,
                              p90=p.p90) for label, kind, point, p in (
            ("Yearly savings", "money", m.annual_savings, unc.annual_savings),
            ("One-off migration", "money", m.one_off_migration, unc.one_off_migration),
            ("Net present value", "money", m.npv, unc.npv),
            ("Payback", "months", m.payback_months, unc.payback_months),
            ("Container nodes", "count", float(t.nodes), unc.nodes),
            ("Node capacity [physical cores]", "count", t.node_cores, unc.node_cores),
            ("Node capacity [GiB]", "count", t.node_memory_gib, unc.node_memory_gib),
        ))

    # -- renderers ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON document (`estimator estimate --json`)."""
        from estimator.report.jsonout import estimate_to_dict

        return estimate_to_dict(self)

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        """JSON text; also written to `path` (atomically) when given."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
        if path is not None:
            from estimator.report.atomic import write_text_atomic

            write_text_atomic(Path(path), text + "\n")
        return text

    def figures(self) -> dict[str, go.Figure]:
        """The report's plotly figures, by name."""
        from estimator.report.charts import figures

        return figures(self)

    def to_html(self, path: str | Path | None = None) -> str:
        """The self-contained HTML report; also written to `path` when given."""
        from estimator.report.html import render_html

        html = render_html(self)
        if path is not None:
            from estimator.report.atomic import write_text_atomic

            write_text_atomic(Path(path), html)
        return html

    def to_excel(self, path: str | Path) -> Path:
        """Write the Excel workbook to `path` and return it."""
        from estimator.report.excel import write_excel

        return write_excel(self, Path(path))

    def _repr_html_(self) -> str:
        from estimator.report.html import render_tiles

        return render_tiles(self)


# The keys of `Estimate.summary`.
# Uncertainty ranges whose P10/P90 join `Estimate.summary` as `<key>_p10` / `<key>_p90`.
RANGED_SUMMARY_KEYS: tuple[str, ...] = ("annual_savings", "one_off_migration", "npv",
                                        "payback_months", "nodes", "node_cores",
                                        "node_memory_gib")

SUMMARY_KEYS: tuple[str, ...] = (
    *(k for k in InventorySummary.model_fields if k not in ("excluded", "os_families")),
    "vms_excluded", *CurrentEstate.model_fields, "fit_counts",
    *(k for k in FitSummary.model_fields if k not in ("counts", "top_reasons")),
    *TargetSummary.model_fields, *MoneySummary.model_fields, "usage_coverage",
    "confidence_stars",
    *(f"{k}_{p}" for k in RANGED_SUMMARY_KEYS for p in ("p10", "p90")),
)


def frame_of(items: Iterable[Block], row: type[Block]) -> pd.DataFrame:
    """Row models back into a table (for renderers that lay out tables)."""
    records = [r.model_dump() for r in items]
    return pd.DataFrame(records, columns=list(row.model_fields)) if records else empty_table(row)
