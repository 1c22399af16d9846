"""Stable pseudonyms for every name in an estate, so reports can leave the customer.

    >>> anon, mapping = anonymise(inventory)          # doctest: +SKIP
    >>> anon.vms["name"].head(2).tolist()             # doctest: +SKIP
    ['vm-0001', 'vm-0002']

VM, host, cluster, datacenter and vCenter names, UUIDs, owners, annotations, tags and input
file names are replaced by numbered pseudonyms (`vm-0001`, `host-003`, `dc-01`...). Numbers
follow the order of first appearance, and a name maps to the same pseudonym wherever it occurs
(case-insensitively), so pools, hosts and problems still line up. Free text (problem messages,
notes) is scrubbed token by token against the same mapping, and IPv4 addresses anywhere become
`ip-NNN`. The mapping (kind, original, pseudonym) is returned, never written here: keep it local.

`anonymise_estimate` does the same to a finished `Estimate`. The CLI anonymises the result rather
than the inventory, because scope and fit rules match name patterns (vCLS VMs, databases, domain
controllers) and would judge pseudonyms differently from the real names.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from estimator.errors import Problem
from estimator.model import Block

if TYPE_CHECKING:
    from estimator.inventory import Inventory
    from estimator.model import Estimate

B = TypeVar("B", bound=Block)

__all__ = ["KINDS", "anonymise", "anonymise_estimate"]

# kind -> (pseudonym prefix, minimum digits). Widths grow when an estate needs more.
KINDS: dict[str, tuple[str, int]] = {
    "file": ("inventory-", 1),
    "vcenter": ("vcenter-", 2),
    "datacenter": ("dc-", 2),
    "cluster": ("cluster-", 3),
    "host": ("host-", 3),
    "vm": ("vm-", 4),
    "uuid": ("uuid-", 4),
    "owner": ("owner-", 3),
    "annotation": ("note-", 4),
    "tags": ("tags-", 4),
    "ip": ("ip-", 3),
}

# Which kind each column holds, per frame. vm_id is rebuilt separately (it embeds UUID + vCenter).
VM_COLUMN_KINDS: dict[str, str] = {
    "source": "file", "vcenter": "vcenter", "datacenter": "datacenter", "cluster": "cluster",
    "host": "host", "name": "vm", "uuid": "uuid", "owner": "owner", "annotation": "annotation",
    "tags": "tags",
}
HOST_COLUMN_KINDS: dict[str, str] = {
    "source": "file", "vcenter": "vcenter", "datacenter": "datacenter", "cluster": "cluster",
    "host": "host",
}

_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
# Tokens of free text: names are runs without blanks, quotes or separators.
_TOKEN = re.compile(r"[^\s'\"`,;:()\[\]{}<>=|]+")
_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
_MAPPING_COLUMNS = ["kind", "original", "pseudonym"]


class _Pseudonyms:
    """Numbered pseudonyms per kind, keyed by the case-folded original."""

    def __init__(self, first: Mapping[str, int] | None = None) -> None:
        # first: the number each kind starts at (batch runs number their files apart).
        self.first = dict(first or {})
        self.by_kind: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        self.originals: dict[str, dict[str, str]] = {k: {} for k in KINDS}

    def add(self, kind: str, values: pd.Series) -> None:
        """Register the distinct non-blank `values` of `kind` in order of first appearance."""
        text = values.dropna().astype(str)
        text = text[text.str.strip() != ""]
        if text.empty:
            return
        firsts = text.groupby(text.str.casefold(), sort=False).first()
        known = self.by_kind[kind]
        new = [k for k in firsts.index if k not in known]
        if not new:
            return
        prefix, digits = KINDS[kind]
        start = len(known) + self.first.get(kind, 1) - 1
        width = max(digits, len(str(start + len(new))))
        for i, key in enumerate(new, start=start + 1):
            known[key] = self._name(kind, prefix, i, width, firsts[key])
            self.originals[kind][key] = firsts[key]

    @staticmethod
    def _name(kind: str, prefix: str, i: int, width: int, original: str) -> str:
        if kind == "file":
            suffix = PurePath(original).suffix.lower()
            return f"{prefix}{i}{suffix if _SUFFIX.fullmatch(suffix) else ''}"
        return f"{prefix}{i:0{width}d}"

    def column(self, kind: str, values: pd.Series) -> pd.Series:
        """`values` with every registered original replaced; blanks stay blank."""
        self.add(kind, values)
        lookup = self.by_kind[kind]
        folded = values.astype("string").str.casefold()
        out = folded.map(lookup, na_action="ignore")
        return out.astype(values.dtype if str(values.dtype) == "string" else "string")

    def lookup(self) -> dict[str, str]:
        """Every original (case-folded) -> pseudonym; on a clash the later kind wins."""
        out: dict[str, str] = {}
        for kind in KINDS:
            out.update(self.by_kind[kind])
        return out

    def mapping(self) -> pd.DataFrame:
        rows = [(kind, self.originals[kind][key], pseudo)
                for kind in KINDS for key, pseudo in self.by_kind[kind].items()]
        return pd.DataFrame(rows, columns=_MAPPING_COLUMNS).astype("string")


class _Scrubber:
    """Free-text replacement of known names (and any IPv4 address) by their pseudonyms."""

    def __init__(self, names: _Pseudonyms) -> None:
        self.names = names
        self._lookup: dict[str, str] | None = None
        self._short: dict[str, str] | None = None

    @property
    def table(self) -> dict[str, str]:
        if self._lookup is None:
            self._lookup = self.names.lookup()
            # Short host names ("esx01") stand for their FQDN ("esx01.corp.example.com").
            self._short = {}
            for key, pseudo in self.names.by_kind["host"].items():
                self._short.setdefault(key.split(".", 1)[0], pseudo)
        return self._lookup

    def _ip(self, match: re.Match[str]) -> str:
        ip = match.group(0)
        self.names.add("ip", pd.Series([ip]))
        self._lookup = None  # the new address joins the table
        return self.names.by_kind["ip"][ip.casefold()]

    def _token(self, match: re.Match[str]) -> str:
        token = match.group(0)
        table = self.table
        core = token.rstrip(".")
        hit = table.get(core.casefold()) or (self._short or {}).get(core.casefold())
        return token if hit is None else hit + token[len(core):]

    def _quoted(self, match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        hit = self.table.get(inner.casefold())
        return match.group(0) if hit is None else match.group(0).replace(inner, hit)

    def text(self, value: str) -> str:
        hit = self.table.get(value.casefold())
        if hit is not None:
            return hit
        value = _IPV4.sub(self._ip, value)
        value = _QUOTED.sub(self._quoted, value)  # names with blanks are quoted in messages
        return _TOKEN.sub(self._token, value)

    def block(self, block: B) -> B:
        """A result block with every string value scrubbed (field names and keys kept)."""
        return type(block).model_validate(self.values(block.model_dump()))

    def values(self, obj: Any) -> Any:
        """Scrub every string value in nested dicts/lists (keys kept)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, Mapping):
            return {k: self.values(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.values(v) for v in obj]
        return obj

    def deep(self, obj: Any) -> Any:
        """Scrub every string in nested dicts/lists (keys too)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, Mapping):
            return {self.deep(k) if isinstance(k, str) else k: self.deep(v)
                    for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return type(obj)(self.deep(v) for v in obj)
        return obj

    def problem(self, p: Problem) -> Problem:
        return dataclasses.replace(
            p, message=self.text(p.message),
            file=None if p.file is None else self.text(p.file))


def _register(names: _Pseudonyms, vms: pd.DataFrame, hosts: pd.DataFrame,
              files: tuple[str, ...] = ()) -> None:
    """Number every kind in a fixed order: files, then the VM columns, then host-only names."""
    names.add("file", pd.Series(list(files), dtype="string"))
    for frame, kinds in ((vms, VM_COLUMN_KINDS), (hosts, HOST_COLUMN_KINDS)):
        for column, kind in kinds.items():
            if column in frame.columns:
                names.add(kind, frame[column])


def _replace_columns(names: _Pseudonyms, frame: pd.DataFrame,
                     kinds: Mapping[str, str]) -> pd.DataFrame:
    out = frame.copy()
    for column, kind in kinds.items():
        if column in out.columns:
            out[column] = names.column(kind, out[column])
    if "vm_id" in out.columns:
        # vm_id embeds the UUID and vCenter (or file and name): a fresh unique key instead.
        codes, _ = pd.factorize(out["vm_id"], use_na_sentinel=True)
        width = max(6, len(str(len(out))))
        ids = np.char.add("id-", np.char.zfill((codes + 1).astype(str), width)).astype(object)
        out["vm_id"] = pd.Series(ids, index=out.index, dtype="string").where(codes >= 0)
    return out


def anonymise(inventory: Inventory) -> tuple[Inventory, pd.DataFrame]:
    """The same inventory with pseudonyms for every name, and the mapping.

    Returns `(inventory, mapping)`; `mapping` has columns kind, original, pseudonym.
    """
    names = _Pseudonyms()
    _register(names, inventory.vms, inventory.hosts, tuple(f.file for f in inventory.files))
    vms = _replace_columns(names, inventory.vms, VM_COLUMN_KINDS)
    hosts = _replace_columns(names, inventory.hosts, HOST_COLUMN_KINDS)
    scrub = _Scrubber(names)
    files = tuple(
        dataclasses.replace(f, file=scrub.text(f.file),
                            problems=tuple(scrub.problem(p) for p in f.problems))
        for f in inventory.files)
    problems = tuple(scrub.problem(p) for p in inventory.problems)
    anon = dataclasses.replace(inventory, vms=vms, hosts=hosts, files=files, problems=problems)
    return anon, names.mapping()


def anonymise_estimate(est: Estimate, *, first_file: int = 1) -> tuple[Estimate, pd.DataFrame]:
    """The same estimate with pseudonyms in every frame, text and name, and the mapping.

    `first_file` numbers the input files from there (`inventory-3.xlsx`), so that a batch of
    estimates gets distinct report names.
    """
    names = _Pseudonyms({"file": first_file})
    _register(names, est.vms, est.hosts, est.inputs)
    scrub = _Scrubber(names)
    inputs = tuple(scrub.text(f) for f in est.inputs)
    name = PurePath(inputs[0]).stem if inputs else "estate"
    if len(inputs) > 1:
        name += f" (+{len(inputs) - 1})"
    table = est.assumption_table.copy()
    if "value" in table.columns:
        table["value"] = [scrub.text(v) if isinstance(v, str) else v for v in table["value"]]
    anon = dataclasses.replace(
        est,
        name=name,
        inputs=inputs,
        vms=_replace_columns(names, est.vms, VM_COLUMN_KINDS),
        hosts=_replace_columns(names, est.hosts, HOST_COLUMN_KINDS),
        quality=scrub.block(est.quality),
        insights=scrub.block(est.insights),
        notes=tuple(scrub.text(n) for n in est.notes),
        fit_reasons=est.fit_reasons.copy(),
        assumption_table=table,
    )
    return anon, names.mapping()
