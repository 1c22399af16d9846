"""Which reader reads a file: by its sheets and headers, unless the user forces one.

RVTools wins when a vInfo sheet (or `RVTools_tabvInfo.csv`, or a vInfo-like header) is
present. Otherwise each table is offered to the readers in a fixed order, most specific
first: Azure Migrate, AWS Application Discovery Service, AWS Migration Portfolio
Assessment. The generic reader (header aliases and an optional mapping) is the fallback.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from estimator.errors import InputError
from estimator.inventory import rvtools
from estimator.inventory.tabular import Table

# Format name -> reader module (under estimator.inventory).
READERS: dict[str, str] = {
    "rvtools": "rvtools",
    "azure-migrate": "azure",
    "aws-ads": "aws_ads",
    "aws-mpa": "aws_mpa",
    "generic": "generic",
}
FORMATS: tuple[str, ...] = tuple(READERS)
# What the tool reads, in the words of an error message about a file it cannot.
ACCEPTED = ("an RVTools export (xlsx, or its folder of RVTools_tab*.csv files), an Azure "
            "Migrate import (CSV/xlsx), an AWS Application Discovery Service or Migration "
            "Portfolio Assessment export, or a hand-kept spreadsheet or CSV with a VM name, "
            "vCPU and memory column")
_HEADER_ORDER = ("azure-migrate", "aws-ads", "aws-mpa")


@dataclass(frozen=True)
class Detection:
    """The reader chosen for one file and the tables it reads."""

    format: str
    tables: tuple[Table, ...]


def reader(fmt: str) -> ModuleType:
    """The reader module for a format name."""
    try:
        return importlib.import_module(f"estimator.inventory.{READERS[fmt]}")
    except KeyError:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None


def detect(tables: Sequence[Table], *, forced: str | None = None) -> Detection:
    """Pick the reader for one file's tables.

    For RVTools every table is passed on (vInfo plus the optional sheets); for other
    formats the first table whose headers match (or, forced or generic, the first table).
    """
    if not tables:
        raise InputError("no tables to read")
    if forced is not None:
        if forced not in READERS:
            raise InputError(f"unknown format {forced!r}; use one of {', '.join(FORMATS)}",
                             file=tables[0].file)
        if forced == "rvtools":
            return Detection("rvtools", tuple(tables))
        mod = reader(forced)
        match = next((t for t in tables if mod.matches(t.headers)), tables[0])
        return Detection(forced, (match,))
    if rvtools.find_vinfo(tables) is not None:
        return Detection("rvtools", tuple(tables))
    for t in tables:
        for fmt in _HEADER_ORDER:
            if reader(fmt).matches(t.headers):
                return Detection(fmt, (t,))
    return Detection("generic", (tables[0],))
