"""Reading VM inventories: any supported file(s) in, one normalised estate out.

    >>> inv = read_inventory(["vc1.xlsx", "vc2.xlsx"])
    >>> inv.vms[["name", "vcpus", "memory_gib", "os_family"]]

Each file is opened safely (`tabular`), its format detected (`detect`), read by its
reader into raw canonical rows, then checked and typed (`normalise.finalise`). Several
files merge into one estate; a VM is identified by VM UUID + vCenter where exported, so
the same name in two vCenters is two VMs, while the same UUID + vCenter twice is one VM
(reported as a duplicate and counted once).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.errors import InputError, Problem
from estimator.formatting import plural
from estimator.inventory import rvtools
from estimator.inventory.detect import FORMATS, detect, reader
from estimator.inventory.normalise import finalise
from estimator.inventory.schema import HOST_SCHEMA, VM_SCHEMA, conform, empty_frame
from estimator.inventory.tabular import RVTOOLS_CSV_RE, Limits, Table, load_tables

__all__ = ["FORMATS", "FileReport", "Inventory", "Limits", "Table", "folder_inventories",
           "format_label", "read_inventory"]

_SPREADSHEET_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods"}

# How each detected format reads in messages (`FileReport.format` -> words).
FORMAT_LABELS: dict[str, str] = {
    "rvtools": "RVTools export",
    "rvtools-csv": "RVTools CSV export",
    "azure-migrate": "Azure Migrate import",
    "aws-ads": "AWS Application Discovery Service export",
    "aws-mpa": "AWS Migration Portfolio Assessment export",
    "generic": "VM list (generic)",
}


def format_label(fmt: str) -> str:
    """A detected format in words: `format_label("rvtools-csv") -> 'RVTools CSV export'`."""
    return FORMAT_LABELS.get(fmt, fmt)


@dataclass(frozen=True)
class FileReport:
    """What one input file (or RVTools CSV folder) gave.

    `rows_read` counts the data rows of the main sheet, `vms_kept` the VMs it added to the
    estate (after rejected rows and duplicates of VMs read earlier).
    """

    file: str
    format: str
    rows_read: int
    vms_kept: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True, eq=False)
class Inventory:
    """The merged estate: VMs (`VM_SCHEMA`), hosts (`HOST_SCHEMA`, may be empty)."""

    vms: pd.DataFrame
    hosts: pd.DataFrame
    files: tuple[FileReport, ...]
    problems: tuple[Problem, ...]  # merge-level: duplicate VMs

    @property
    def all_problems(self) -> tuple[Problem, ...]:
        """File problems then merge problems."""
        return tuple(p for f in self.files for p in f.problems) + self.problems


@dataclass(frozen=True)
class _Unit:
    """One inventory to read: a file, or the RVTools CSV files of one folder."""

    display: str
    paths: tuple[Path, ...]
    rvtools_csv: bool


def read_inventory(
    paths: str | Path | Sequence[str | Path],
    *,
    format: str | None = None,
    mapping: str | Path | None = None,
    limits: Limits | None = None,
    merge: bool = False,
) -> Inventory:
    """Read one or more inventory files (or folders) into one estate.

    `format` forces a reader (`rvtools`, `azure-migrate`, `aws-ads`, `aws-mpa`, `generic`);
    `mapping` is a TOML column mapping for headers the readers do not know.
    Files named together are merged. A folder is one inventory (a file, or RVTools' per-tab
    CSV files); a folder of several inventories is refused unless `merge` is true, since
    exports of different estates should not be added up by accident.
    Raises `InputError` for a file that cannot be used at all; rows that cannot be used
    are dropped and reported as problems.
    """
    if format is not None and format not in FORMATS:
        raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    units = _units(paths, merge=merge)
    mapping_dict = None
    if mapping is not None:
        mapping_dict = reader("generic").load_mapping(mapping)
    limits = limits or Limits()

    vm_frames: list[pd.DataFrame] = []
    host_frames: list[pd.DataFrame] = []
    reports: list[tuple[str, str, int, list[Problem]]] = []
    for unit in units:
        vms, hosts, fmt, rows_read, problems = _read_unit(unit, format, mapping_dict, limits)
        vm_frames.append(vms)
        if len(hosts):
            host_frames.append(hosts)
        reports.append((unit.display, fmt, rows_read, problems))

    vms = pd.concat([f for f in vm_frames if len(f)], ignore_index=True) if any(
        len(f) for f in vm_frames) else empty_frame(VM_SCHEMA)
    dup = vms["vm_id"].duplicated(keep="first").to_numpy(dtype=bool)
    merge_problems = _duplicate_problems(vms, dup)
    vms = vms.loc[~dup].reset_index(drop=True)
    kept = vms["source"].value_counts()

    hosts = pd.concat(host_frames, ignore_index=True) if host_frames else empty_frame(
        HOST_SCHEMA)
    host_key = hosts["vcenter"].fillna("") + "|" + hosts["host"].str.lower()
    hosts = hosts.loc[~host_key.duplicated().to_numpy()].reset_index(drop=True)

    files = tuple(
        FileReport(file=d, format=fmt, rows_read=n, vms_kept=int(kept.get(d, 0)),
                   problems=tuple(p))
        for d, fmt, n, p in reports
    )
    return Inventory(vms=conform(vms, VM_SCHEMA), hosts=conform(hosts, HOST_SCHEMA),
                     files=files, problems=tuple(merge_problems))


def _read_unit(
    unit: _Unit, forced: str | None, mapping: dict[str, str] | None, limits: Limits
) -> tuple[pd.DataFrame, pd.DataFrame, str, int, list[Problem]]:
    tables: list[Table] = []
    # Only the RVTools tabs' columns the reader uses are converted; a forced other reader
    # sees every column (it reports the ones it cannot place).
    columns = rvtools.columns_to_read if forced in (None, "rvtools") else None
    for p in unit.paths:
        tables += [dataclasses.replace(t, file=unit.display)
                   for t in load_tables(p, limits, sheet_filter=rvtools.sheets_to_read,
                                        column_filter=columns)]
    found = detect(tables, forced=forced)
    problems: list[Problem] = []
    hosts = empty_frame(HOST_SCHEMA)
    if found.format == "rvtools":
        main = rvtools.find_vinfo(found.tables) or found.tables[0]
        raw, host_rows = rvtools.read_tables(found.tables, problems=problems, vinfo=main)
        fmt = "rvtools-csv" if unit.rvtools_csv or main.sheet is None else "rvtools"
        if len(host_rows):
            host_rows["source"] = unit.display
            hosts = conform(host_rows, HOST_SCHEMA)
    else:
        main = found.tables[0]
        raw = reader(found.format).to_raw(main, mapping=mapping, problems=problems)
        fmt = found.format
    sheet, blank_rows, header_row = main.sheet, main.blank_rows, main.header_row
    # The sheets are read: let them go before the VM table is built (at 1,000,000 VMs the
    # other tabs' columns are about 0.5 GB).
    del tables, found, main
    if blank_rows:
        problems.append(Problem("warning", f"{plural(blank_rows, 'blank row')} between "
                                "data rows skipped", file=unit.display, sheet=sheet))
    rows_read = len(raw)
    if rows_read == 0:
        raise InputError("no data rows under the header", file=unit.display, sheet=sheet,
                         row=header_row)
    vms, rejected = finalise(raw, file=unit.display, sheet=sheet, source_format=fmt)
    problems += rejected
    if len(vms) == 0:
        first = rejected[0] if rejected else None
        detail = f"; first: {first}" if first else ""
        raise InputError(f"none of the {rows_read} rows is usable{detail}", file=unit.display,
                         sheet=sheet)
    return vms, hosts, fmt, rows_read, problems


def _duplicate_problems(vms: pd.DataFrame, dup: np.ndarray) -> list[Problem]:
    """One problem per dropped duplicate, naming where the VM was first read."""
    if not dup.any():
        return []
    ids = vms["vm_id"]
    first = ids.drop_duplicates()  # vms has a RangeIndex: labels are positions
    seen = ids[dup].map(pd.Series(first.index, index=first.to_numpy())).to_numpy()
    rows = vms.loc[dup]
    seen_source = vms["source"].to_numpy(dtype=object)[seen]
    seen_row = vms["source_row"].to_numpy(dtype=object)[seen]
    return [
        Problem("duplicate",
                f"VM {name!r} (UUID {uuid}, vCenter {'unknown' if pd.isna(vc) else vc}) "
                f"was already read from {src} row {src_row}; counted once",
                file=str(file), sheet=None if pd.isna(sheet) else str(sheet),
                row=None if pd.isna(row) else int(row))
        for name, uuid, vc, file, sheet, row, src, src_row in zip(
            rows["name"].to_numpy(dtype=object), rows["uuid"].to_numpy(dtype=object),
            rows["vcenter"].to_numpy(dtype=object), rows["source"].to_numpy(dtype=object),
            rows["source_sheet"].to_numpy(dtype=object),
            rows["source_row"].to_numpy(dtype=object), seen_source, seen_row, strict=True)
    ]


def folder_inventories(folder: Path) -> tuple[list[Path], list[Path]]:
    """(inventories, skipped files) of a folder, without reading them.

    A folder with `RVTools_tab*.csv` files is one inventory: `([folder], [])`. Otherwise
    each CSV or spreadsheet file is one; other files (README.md, PDFs) are skipped.
    """
    children = sorted(c for c in folder.iterdir()
                      if c.is_file() and not c.name.startswith(("~$", ".")))
    if any(RVTOOLS_CSV_RE.match(c.name) for c in children):
        return [folder], []
    files = [c for c in children if c.suffix.lower() in _SPREADSHEET_SUFFIXES]
    return files, [c for c in children if c not in files]


def _units(paths: str | Path | Sequence[str | Path], *, merge: bool = True) -> list[_Unit]:
    """Expand folders, group RVTools_tab*.csv files per folder, name each unit uniquely."""
    items = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not items:
        raise InputError("no inventory files given")
    units: list[_Unit] = []
    csv_groups: dict[Path, list[Path]] = {}
    for p in items:
        if not p.exists():
            raise InputError("no such file or folder", file=str(p))
        if p.is_dir():
            files, _ = folder_inventories(p)
            if files == [p]:
                csv_groups.setdefault(p.resolve(), []).extend(
                    c for c in sorted(p.iterdir()) if c.is_file() and RVTOOLS_CSV_RE.match(c.name))
                continue
            if not files:
                raise InputError("the folder holds no CSV or spreadsheet files", file=str(p))
            if len(files) > 1 and not merge:
                shown = ", ".join(f.name for f in files[:5]) + (", ..." if len(files) > 5 else "")
                raise InputError(
                    f"the folder holds {len(files)} inventories ({shown}); they are not merged "
                    "into one estate unless asked",
                    file=str(p),
                    hint=f"estimate each on its own with `estimator batch {p} --out-dir "
                         "reports/batch`, or read them as one estate with --merge "
                         "(merge=True in Python)")
            units += [_Unit(f.name, (f,), False) for f in files]
        elif RVTOOLS_CSV_RE.match(p.name):
            csv_groups.setdefault(p.parent.resolve(), []).append(p)
        else:
            units.append(_Unit(p.name, (p,), False))
    for folder, files in csv_groups.items():
        unique = tuple(dict.fromkeys(f.resolve() for f in files))
        display = unique[0].name if len(unique) == 1 else folder.name
        units.append(_Unit(display, unique, True))
    # The same file name from two folders: qualify both with their folder.
    names = pd.Series([u.display for u in units])
    clash = names.duplicated(keep=False).to_numpy()
    return [dataclasses.replace(u, display=f"{u.paths[0].parent.name}/{u.display}")
            if c else u for u, c in zip(units, clash, strict=True)]
