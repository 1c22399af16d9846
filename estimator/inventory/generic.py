"""Generic reader: VM lists kept by hand in CSV or Excel.

Headers are matched through `HEADER_ALIASES` after normalisation (case, spaces,
punctuation, camelCase, a leading `*`), with the unit taken from the header
(`RAM (GB)`, `mem_mib`, `CPU %`) or from the cells (`16 GB`). A user can map headers the
aliases miss with a small TOML file (`load_mapping`). A header that cannot be placed is
reported as `Problem(kind="unmapped_column")` and ignored, never guessed.

Also home of the pieces the Azure and AWS readers share: `header_key`, `split_unit`,
`RawBuilder`.

Mapping file::

    [columns]
    "Server Label" = "name"
    "Mem"          = "memory_gib"
    "Ignore me"    = "ignore"

    [units]
    memory = "MB"       # "Mem" holds MiB

A `[columns]` value may also carry the unit directly: `"Mem" = "memory_gib:MB"`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import pandas as pd

from estimator.errors import ConfigError, InputError, Problem
from estimator.formatting import noun, plural
from estimator.inventory.detect import ACCEPTED
from estimator.inventory.units import (
    SHARE_UNITS,
    SIZE_UNITS,
    parse_number,
    parse_quantity,
    percent_scale,
    to_fraction,
)

if TYPE_CHECKING:
    from estimator.inventory.tabular import Table

FORMAT = "generic"

# Canonical columns a header can be mapped to, by kind of value.
TEXT_COLUMNS = ("name", "os_raw", "os_tools_raw", "power_state", "environment", "owner",
                "security_zone", "cluster", "datacenter", "host", "uuid", "vcenter",
                "annotation", "tags")
SIZE_COLUMNS = ("memory_gib", "storage_provisioned_gib", "storage_used_gib")
SHARE_COLUMNS = ("cpu_util", "memory_util")
MAPPABLE_COLUMNS: tuple[str, ...] = (
    *TEXT_COLUMNS, "vcpus", *SIZE_COLUMNS, *SHARE_COLUMNS, "is_template",
    "os_version",  # appended to os_raw ("Windows Server" + "2019")
    "memory_used_gib",  # absolute memory in use; memory_util = used / memory
    "ignore",  # known and deliberately not read
)
REQUIRED_COLUMNS = ("name", "vcpus", "memory_gib")
# [units] keys: a size or share column, or its short stem.
UNIT_KEYS: dict[str, tuple[str, ...]] = {
    "memory": ("memory_gib",), "memory_gib": ("memory_gib",),
    "memory_used": ("memory_used_gib",), "memory_used_gib": ("memory_used_gib",),
    "storage": ("storage_provisioned_gib", "storage_used_gib"),
    "storage_provisioned": ("storage_provisioned_gib",),
    "storage_provisioned_gib": ("storage_provisioned_gib",),
    "storage_used": ("storage_used_gib",), "storage_used_gib": ("storage_used_gib",),
    "cpu_util": ("cpu_util",), "memory_util": ("memory_util",),
}
UNITS_PREFIX = "@units."  # mapping-dict keys that carry a unit, not a header


def _aliases(column: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, column)


# Normalised header (see `header_key`, unit removed by `split_unit`) -> canonical column.
# Earlier spellings win when two headers of one file land on the same column.
HEADER_ALIASES: dict[str, str] = {
    **_aliases("name", "name", "vm", "vm name", "vmname", "virtual machine",
               "virtual machine name", "server", "server name", "servername", "hostname",
               "host name", "computer", "computer name", "computername", "machine",
               "machine name", "guest", "guest name", "instance", "instance name",
               "display name", "vm hostname"),
    **_aliases("vcpus", "vcpu", "vcpus", "v cpu", "v cpus", "cpu", "cpus", "cores", "core",
               "cpu count", "cpu cores", "num cpu", "num cpus", "numcpu", "numcpus",
               "number of cpus", "number of vcpus", "no of cpus", "n cpu", "ncpu", "ncpus",
               "vcpu count", "virtual cpus", "virtual cpu", "processors",
               "logical processors", "logical cores", "cpu num", "cores count"),
    **_aliases("memory_gib", "ram", "memory", "mem", "vram", "vmem", "memory size", "ram size",
               "mem size", "memory total", "total memory", "total ram", "ram total",
               "configured memory", "memory configured", "allocated memory",
               "memory allocated", "vmemory", "v memory", "v ram"),
    **_aliases("storage_provisioned_gib", "storage", "disk", "disk size", "disk space",
               "storage size", "provisioned", "provisioned storage", "provisioned space",
               "storage provisioned", "disk provisioned", "provisioned disk", "total disk",
               "total storage", "disk capacity", "storage capacity", "hdd", "disk total",
               "allocated storage", "storage allocated", "disk allocated", "total disk size"),
    **_aliases("storage_used_gib", "used storage", "storage used", "disk used", "used disk",
               "used space", "storage in use", "in use", "disk usage", "storage usage",
               "consumed storage", "disk consumed", "used disk space"),
    **_aliases("os_raw", "os", "operating system", "guest os", "os name", "osname", "os type",
               "ostype", "platform", "os family", "operating system name"),
    **_aliases("os_version", "os version", "osversion", "os release",
               "operating system version"),
    **_aliases("power_state", "power state", "powerstate", "power", "state", "power status",
               "vm state", "running state"),
    **_aliases("environment", "environment", "env", "stage", "environment type",
               "lifecycle", "lifecycle stage"),
    **_aliases("owner", "owner", "contact", "app owner", "application owner",
               "business owner", "responsible", "owner email", "technical owner"),
    **_aliases("security_zone", "security zone", "zone", "network zone", "seczone",
               "security domain"),
    **_aliases("cluster", "cluster", "cluster name", "vm cluster"),
    **_aliases("datacenter", "datacenter", "data center", "datacentre", "data centre", "dc",
               "site", "location"),
    **_aliases("host", "host", "esx host", "esxi host", "hypervisor host", "physical host",
               "esx", "esxi"),
    **_aliases("uuid", "uuid", "vm uuid", "bios uuid", "instance uuid", "vm id", "vmid",
               "instance id", "server id", "serverid"),
    **_aliases("vcenter", "vcenter", "vcenter server", "vi sdk server", "vc"),
    **_aliases("annotation", "annotation", "annotations", "notes", "note", "description",
               "comment", "comments", "remarks"),
    **_aliases("tags", "tags", "tag", "labels", "custom attributes"),
    **_aliases("is_template", "template", "is template", "istemplate"),
    **_aliases("cpu_util", "max cpu", "peak cpu", "cpu peak", "cpu max", "p95 cpu", "cpu p95",
               "max cpu util", "max cpu usage", "peak cpu util", "peak cpu usage",
               "cpu util", "cpu utilisation", "cpu utilization", "cpu usage", "cpu use",
               "cpu load", "cpu busy", "avg cpu", "cpu avg", "average cpu", "avg cpu util",
               "avg cpu usage", "cpu utilization percentage", "cpu utilisation percentage",
               "cpu usage percentage"),
    **_aliases("memory_util", "max memory util", "peak memory util", "max ram util",
               "max memory usage percent", "memory util", "memory utilisation",
               "memory utilization", "ram util", "ram utilisation", "ram utilization",
               "mem util", "memory utilization percentage", "memory utilisation percentage",
               "avg memory util", "avg ram util"),
    **_aliases("memory_used_gib", "memory used", "used memory", "ram used", "used ram",
               "mem used", "memory consumed", "consumed memory", "active memory",
               "memory in use", "memory usage", "ram usage", "mem usage"),
}
# A header whose unit is a share (`CPU %`, `RAM pct`) names utilisation, not a size.
SHARE_ALIASES: dict[str, str] = {
    **_aliases("cpu_util", "cpu", "vcpu", "cpu usage", "cpu util", "cpu load", "max cpu",
               "peak cpu", "avg cpu", "cpu utilisation", "cpu utilization", "processor"),
    **_aliases("memory_util", "memory", "ram", "mem", "memory usage", "ram usage",
               "mem usage", "memory util", "ram util", "max memory", "max ram",
               "avg memory", "memory utilisation", "memory utilization", "memory used",
               "ram used"),
}

_UNIT_TAIL = re.compile(
    r"(?:^|\s)(?:in\s+)?(?P<unit>bytes|b|kb|kib|mb|mib|gb|gib|tb|tib|%|pct|percent|percentage"
    r"|fraction)$"
)
# Values with no unit in a size column larger than this median cannot be GiB
# (no estate's median VM has 1 TiB of RAM or 16 TiB of disk): read as MiB.
_MIB_GUESS_MEDIAN_GIB = {"memory_gib": 1024.0, "memory_used_gib": 1024.0,
                         "storage_provisioned_gib": 16384.0, "storage_used_gib": 16384.0}


# --- header handling ----------------------------------------------------------------


def header_key(header: object) -> str:
    """Normalise a header: camelCase split, lower case, punctuation to spaces, no `*`.

    >>> header_key("*Memory (In MB)"), header_key("ramGB"), header_key("cpu_count")
    ('memory in mb', 'ram gb', 'cpu count')
    """
    h = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(header).strip())
    h = h.lower().replace("%", " % ")
    h = re.sub(r"[^a-z0-9%]+", " ", h)
    return " ".join(h.split())


def split_unit(header: object) -> tuple[str, str | None]:
    """(`header_key` without its unit, unit or None): `"RAM (GB)"` -> `("ram", "gb")`."""
    key = header_key(header)
    m = _UNIT_TAIL.search(key)
    if not m:
        return key, None
    base = key[: m.start()].strip()
    unit = m.group("unit")
    unit = {"pct": "%", "percent": "%", "percentage": "%"}.get(unit, unit)
    if not base:  # a header that is only a unit word is not a unit annotation
        return key, None
    return base, unit


def _unit_kind(unit: str | None) -> str | None:
    if unit is None:
        return None
    u = unit.lower()
    return "size" if u in SIZE_UNITS else "share" if u in SHARE_UNITS else None


def place_header(header: str) -> tuple[str | None, str | None, int]:
    """(canonical column, unit from the header, alias rank) or (None, None, -1)."""
    base, unit = split_unit(header)
    kind = _unit_kind(unit)
    ranks = list(HEADER_ALIASES)
    if kind == "share" and base in SHARE_ALIASES:
        return SHARE_ALIASES[base], unit, list(SHARE_ALIASES).index(base)
    if base in HEADER_ALIASES:
        column = HEADER_ALIASES[base]
        if kind == "share" and column not in SHARE_COLUMNS:
            return None, None, -1  # "Storage %" is neither a size nor a utilisation
        if kind == "size" and column not in (*SIZE_COLUMNS, "memory_used_gib"):
            return None, None, -1  # "Name (GB)" makes no sense
        return column, unit, ranks.index(base)
    full = header_key(header)
    if full in HEADER_ALIASES:  # a header that merely ends in a unit-like word
        return HEADER_ALIASES[full], None, ranks.index(full)
    return None, None, -1


def matches(headers: Sequence[str]) -> bool:
    """True when a name, a vCPU and a memory column can all be placed by the aliases."""
    placed = {place_header(h)[0] for h in headers}
    return set(REQUIRED_COLUMNS) <= placed


# --- mapping file -------------------------------------------------------------------


def load_mapping(path: str | Path) -> dict[str, str]:
    """Read a TOML mapping file into `{source header: canonical column[:unit]}`.

    `[units]` entries come back under `"@units.<column>"` keys. Raises `ConfigError` naming
    the file and key for anything unknown.
    """
    path = Path(path)
    display = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError("mapping file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the mapping file ({exc})", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", file=display) from None
    return mapping_from_dict(data, file=display)


def mapping_from_dict(data: Mapping[str, object], *, file: str | None = None) -> dict[str, str]:
    """Validate a parsed mapping (`{"columns": {...}, "units": {...}}`) as `load_mapping`."""
    for key in data:
        if key not in ("columns", "units"):
            raise ConfigError("unknown table; use [columns] and [units]", key=key, file=file)
    columns = data.get("columns", {})
    units = data.get("units", {})
    if not isinstance(columns, Mapping) or not isinstance(units, Mapping):
        raise ConfigError("[columns] and [units] must be tables", file=file,
                          key="columns" if not isinstance(columns, Mapping) else "units")
    out: dict[str, str] = {}
    for header, target in columns.items():
        where = f"columns.{header}"
        if not isinstance(target, str):
            raise ConfigError("must be a column name (a string)", key=where, file=file)
        column, _, unit = target.strip().partition(":")
        if column not in MAPPABLE_COLUMNS:
            raise ConfigError(
                f"unknown column {column!r}; use one of {', '.join(MAPPABLE_COLUMNS)}",
                key=where, file=file)
        if unit:
            _check_unit(column, unit, key=where, file=file)
        out[str(header)] = f"{column}:{unit}" if unit else column
    for key, unit in units.items():
        where = f"units.{key}"
        if key not in UNIT_KEYS:
            raise ConfigError(f"unknown unit key; use one of {', '.join(UNIT_KEYS)}",
                              key=where, file=file)
        if not isinstance(unit, str):
            raise ConfigError("must be a unit name such as \"MB\"", key=where, file=file)
        for column in UNIT_KEYS[key]:
            _check_unit(column, unit, key=where, file=file)
            out[UNITS_PREFIX + column] = unit
    return out


def _check_unit(column: str, unit: str, *, key: str, file: str | None) -> None:
    kind = _unit_kind(unit)
    want = ("size" if column in (*SIZE_COLUMNS, "memory_used_gib") else
            "share" if column in SHARE_COLUMNS else None)
    if want is None:
        raise ConfigError(f"{column} takes no unit", key=key, file=file)
    if kind != want:
        allowed = "B, KB, MB, GB, TB (or KiB...)" if want == "size" else "%, fraction"
        raise ConfigError(f"unknown unit {unit!r} for {column}; use {allowed}", key=key,
                          file=file)


# --- building raw rows --------------------------------------------------------------


def text(values: pd.Series) -> pd.Series:
    """Cells as stripped text (whole numbers without `.0`), blanks NA, on a RangeIndex."""
    s = values.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        f = s.astype("float64")
        whole = (f.notna() & np.isfinite(f) & (f == np.round(f))).to_numpy()
        out = f.astype("string")
        out[whole] = f[whole].astype("int64").astype("string")
    else:
        obj = s.astype(object)
        floats = obj.map(type).eq(float).to_numpy()
        out = obj.astype("string")
        if floats.any():
            f = obj[floats].astype("float64")
            whole = (np.isfinite(f) & (f == np.round(f))).to_numpy()
            idx = f.index[whole]
            out[idx] = f[whole].astype("int64").astype("string")
    out = out.str.strip()
    return out.mask(out == "")


class RawBuilder:
    """Collects a reader's raw canonical columns for one `Table`, and its row rejections.

    Bad cells in required numeric columns reject the row (`_reject_reason`,
    `_reject_column`); bad cells elsewhere become NaN with one `Problem("warning")` per
    column.
    """

    def __init__(self, table: Table, problems: list[Problem]) -> None:
        self.table = table
        self.problems = problems
        self.frame = table.frame
        n = len(self.frame)
        self.raw = pd.DataFrame(index=pd.RangeIndex(n))
        self.raw["source_row"] = pd.Series(table.row_numbers(), dtype="Int64")
        self.reason = pd.Series(pd.NA, index=self.raw.index, dtype="string")
        self.column = pd.Series(pd.NA, index=self.raw.index, dtype="string")

    def cells(self, header: str) -> pd.Series:
        return self.frame[header].reset_index(drop=True)

    def _bad(self, header: str, bad: pd.Series, required: bool) -> None:
        if not bad.any():
            return
        shown = text(self.cells(header))
        if required:
            newly = bad & self.reason.isna()
            self.reason[newly] = "not a number: " + shown[newly].fillna("?")
            self.column[newly] = header
        else:
            example = shown[bad].iloc[0]
            self.problems.append(Problem(
                "warning", f"{plural(bad.sum(), 'cell holds', 'cells hold')} text instead "
                f"of a number (e.g. {example!r}); read as unknown", file=self.table.file,
                sheet=self.table.sheet, column=header))

    def number(self, header: str, *, required: bool = False) -> pd.Series:
        values, bad = parse_number(self.cells(header))
        self._bad(header, bad, required)
        return values

    def size_gib(self, header: str, *, default_unit: str, required: bool = False) -> pd.Series:
        values, bad = parse_quantity(self.cells(header), to="GiB", default_unit=default_unit)
        self._bad(header, bad, required)
        return values

    def fraction(self, header: str, *, scale: str) -> tuple[pd.Series, str]:
        """Utilisation as a fraction and the scale used ("percent" or "fraction")."""
        cells = self.cells(header)
        if scale == "auto":
            plain, _ = parse_number(cells)
            scale = percent_scale(plain)
        values, bad = to_fraction(cells, scale=scale)
        self._bad(header, bad, False)
        return values, scale

    def imputed(self, column: str, how: str, count: int) -> None:
        if count:
            self.problems.append(Problem("imputed", f"{how}: {plural(count, 'VM')}",
                                         file=self.table.file, sheet=self.table.sheet,
                                         column=column))

    def unmapped(self, header: str, why: str | None = None) -> None:
        self.problems.append(Problem(
            "unmapped_column",
            why or "column not recognised and not read (map it with --mapping if it matters)",
            file=self.table.file, sheet=self.table.sheet, column=header))

    def finish(self) -> pd.DataFrame:
        # Usage columns always present (NaN = unknown), so later steps need not ask.
        for column in SHARE_COLUMNS:
            if column not in self.raw:
                self.raw[column] = np.nan
        # Utilisation in these files is a figure the assessment tool or the user summarised.
        self.raw["usage_source"] = pd.Series("summary", index=self.raw.index,
                                             dtype="string").where(
            self.raw["cpu_util"].notna() | self.raw["memory_util"].notna())
        self.raw["_reject_reason"] = self.reason
        self.raw["_reject_column"] = self.column
        return self.raw


def join_os(name: pd.Series, version: pd.Series) -> pd.Series:
    """OS name + version as one string, without repeating a version the name holds."""
    pairs = pd.DataFrame({"n": name.astype("string"), "v": version.astype("string")})
    uniq = pairs.drop_duplicates()
    # A few dozen distinct pairs at most: judge each once, then map back.
    joined = [
        n if pd.isna(v) else v if pd.isna(n) else n if str(v).lower() in str(n).lower()
        else f"{n} {v}"
        for n, v in zip(uniq["n"], uniq["v"], strict=True)
    ]
    lookup = pd.Series(joined, index=pd.MultiIndex.from_frame(uniq.fillna("\0")),
                       dtype="string")
    keys = pd.MultiIndex.from_frame(pairs.fillna("\0"))
    out = lookup.reindex(keys)
    out.index = name.index
    return out.astype("string")


# --- the generic reader -------------------------------------------------------------


def _match_mapping(headers: Sequence[str], mapping: Mapping[str, str],
                   problems: list[Problem], table: Table) -> dict[str, tuple[str, str | None]]:
    """header -> (column, unit) for the mapping entries whose header the table has."""
    by_key = {header_key(h): h for h in headers}
    out: dict[str, tuple[str, str | None]] = {}
    for source, target in mapping.items():
        if source.startswith(UNITS_PREFIX):
            continue
        header = source if source in headers else by_key.get(header_key(source))
        column, _, unit = target.partition(":")
        if header is None:
            problems.append(Problem(
                "warning", f"the mapping names column {source!r} ({column}), which this "
                "file does not have", file=table.file, sheet=table.sheet))
            continue
        out[header] = (column, unit or None)
    return out


def _not_an_inventory(table: Table, headers: Sequence[str]) -> NoReturn:
    """Refuse a table none of whose headers the readers know (a README, a price list...)."""
    suffix = PurePath(str(table.file)).suffix.lower()
    spreadsheet = suffix in {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"}
    shown = ", ".join(repr(h[:40] + ("…" if len(h) > 40 else "")) for h in headers[:4])
    more = f" and {len(headers) - 4:,} more" if len(headers) > 4 else ""
    detail = (f"no column is one the readers know (headers found: {shown or 'none'}{more})"
              if spreadsheet else f"a {suffix or 'file without extension'} file with no "
              "table of VMs")
    hint = f"the tool reads {ACCEPTED}"
    if spreadsheet:
        hint += "; for a list of VMs under other headers, name the columns with --mapping"
    raise InputError(f"not an inventory: {detail}", file=table.file, sheet=table.sheet,
                     hint=hint)


def to_raw(table: Table, *, mapping: Mapping[str, str] | None = None,
           problems: list[Problem]) -> pd.DataFrame:
    """Raw canonical rows from a hand-made table; see the module docstring."""
    mapping = dict(mapping or {})
    headers = table.headers
    b = RawBuilder(table, problems)
    mapped = _match_mapping(headers, mapping, problems, table)

    # Place every header: explicit mapping first, then aliases (best rank wins).
    chosen: dict[str, tuple[str, str | None]] = {}
    for header, (column, unit) in mapped.items():
        if column == "ignore":
            continue
        if column in {c for c, _ in chosen.values()}:
            b.unmapped(header, f"the mapping sends a second column to {column}; not read")
            continue
        chosen[header] = (column, unit)
    taken = {c for c, _ in chosen.values()}
    candidates: list[tuple[int, int, str, str, str | None]] = []
    for pos, header in enumerate(headers):
        if header in mapped:
            continue
        placed, placed_unit, rank = place_header(header)
        if placed is None:
            b.unmapped(header)
            continue
        candidates.append((rank, pos, header, placed, placed_unit))
    winners: dict[str, str] = {}
    for _rank, _pos, header, column, unit in sorted(candidates):
        if column in taken:
            first = winners.get(column) or next(h for h, (c, _) in chosen.items() if c == column)
            b.unmapped(header, f"also looks like {column}, which is read from {first!r}; "
                       "not read (map it with --mapping to choose)")
            continue
        taken.add(column)
        winners[column] = header
        chosen[header] = (column, unit)

    missing = [c for c in REQUIRED_COLUMNS if c not in taken]
    if missing and not chosen:
        _not_an_inventory(table, headers)
    if missing:
        found = ", ".join(repr(h) for h in headers) or "none"
        raise InputError(
            f"required {noun(len(missing), 'column')} {', '.join(missing)} not found; "
            f"headers found: {found}",
            file=table.file, sheet=table.sheet,
            hint="name them in a mapping file and pass --mapping map.toml, e.g. [columns] "
                 f"\"Your Header\" = \"{missing[0]}\"")

    units = {k[len(UNITS_PREFIX):]: v for k, v in mapping.items() if k.startswith(UNITS_PREFIX)}
    raw = b.raw
    os_version: pd.Series | None = None
    memory_used: pd.Series | None = None
    for header, (column, header_unit) in chosen.items():
        unit = header_unit or units.get(column)
        if column in TEXT_COLUMNS:
            raw[column] = text(b.cells(header))
        elif column == "os_version":
            os_version = text(b.cells(header))
        elif column == "vcpus":
            raw["vcpus"] = b.number(header, required=True)
        elif column == "is_template":
            raw["is_template"] = _boolean(b.cells(header))
        elif column in SHARE_COLUMNS:
            scale = ("percent" if unit == "%" else "fraction" if unit == "fraction"
                     else "auto")
            raw[column], used = b.fraction(header, scale=scale)
            if scale == "auto":
                b.imputed(column, f"no unit in {header!r}: values read as "
                          f"{'percent (0-100)' if used == 'percent' else 'fractions (0-1)'} "
                          "judged from the column", int(raw[column].notna().sum()))
        else:  # sizes
            values = _size(b, header, column, unit)
            if column == "memory_used_gib":
                memory_used = values
            else:
                raw[column] = values
    if os_version is not None:
        raw["os_raw"] = join_os(raw["os_raw"], os_version) if "os_raw" in raw else os_version
    if memory_used is not None and "memory_util" not in raw:
        mem = raw["memory_gib"]
        raw["memory_util"] = memory_used / mem.where(mem > 0)
        b.imputed("memory_util", "memory utilisation from memory in use / memory",
                  int(raw["memory_util"].notna().sum()))
    return b.finish()


def _size(b: RawBuilder, header: str, column: str, unit: str | None) -> pd.Series:
    required = column == "memory_gib"
    if unit is not None:
        return b.size_gib(header, default_unit=unit, required=required)
    values, bad = parse_quantity(b.cells(header), to="GiB", default_unit="GiB")
    median = float(values.median()) if values.notna().any() else 0.0
    if median > _MIB_GUESS_MEDIAN_GIB[column]:
        b.imputed(column, f"no unit in {header!r} and a median of {median:,.0f}: values "
                  "read as MiB", int(values.notna().sum()))
        return b.size_gib(header, default_unit="MiB", required=required)
    b.imputed(column, f"no unit in {header!r}: values read as GiB",
              int(values.notna().sum()))
    b._bad(header, bad, required)
    return values


_TRUE = {"true", "yes", "y", "1", "x", "wahr", "ja", "oui", "si"}
_FALSE = {"false", "no", "n", "0", "falsch", "nein", "non"}


def _boolean(values: pd.Series) -> pd.Series:
    t = text(values).str.lower()
    out = pd.Series(pd.NA, index=t.index, dtype="boolean")
    out[t.isin(_TRUE).fillna(False).astype(bool)] = True
    out[t.isin(_FALSE).fillna(False).astype(bool)] = False
    return out
