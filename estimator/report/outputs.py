"""Where one estimate's files go, and writing them (HTML, Excel, JSON, pseudonym mapping).

>>> outs = plan_outputs("Acme", out_dir=Path("reports"), html=None, xlsx=None,
...                     json_out=None, no_html=False, no_xlsx=True, mapping=None,
...                     inputs=())
>>> outs.html
PosixPath('reports/acme.html')

The pseudonym mapping of `--anonymise` holds the original names, so it never goes into the
reports folder (which is what gets sent): by default it is `./anonymise-mapping.csv` in the
working directory, and an existing mapping is never overwritten.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from estimator import formatting as fmt
from estimator.errors import OutputError
from estimator.model import Estimate
from estimator.report.atomic import check_output_path


def slug(name: str) -> str:
    """A file-name-safe form of an estate name: `'RVTools Acme (+1)'` -> `'rvtools-acme-1'`."""
    text = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.")
    return text or "estate"


@dataclass(frozen=True)
class Outputs:
    """Where one estimate's files go (None: not written)."""

    html: Path | None
    xlsx: Path | None
    json: str | None  # a path, "-" for stdout, or None
    mapping: Path | None

    def paths(self) -> list[Path]:
        out = [p for p in (self.html, self.xlsx, self.mapping) if p is not None]
        return out + ([Path(self.json)] if self.json not in (None, "-") else [])


DEFAULT_MAPPING = Path("anonymise-mapping.csv")


def mapping_path(explicit: Path | None, inputs: tuple[Path, ...]) -> Path:
    """Where the pseudonym mapping goes: never over an existing file.

    An explicit path that exists is refused; the default takes the first free name of
    `anonymise-mapping.csv`, `anonymise-mapping-2.csv`, ... in the working directory.
    """
    if explicit is not None:
        if explicit.exists():
            raise OutputError(f"{explicit}: already exists, and a pseudonym mapping is never "
                              "overwritten", hint="name a new file with --mapping-out, or move "
                              "the old mapping away first")
        check_output_path(explicit, inputs)
        return explicit
    path, n = DEFAULT_MAPPING, 1
    while path.exists() or path.is_symlink():
        n += 1
        path = DEFAULT_MAPPING.with_name(f"{DEFAULT_MAPPING.stem}-{n}{DEFAULT_MAPPING.suffix}")
    check_output_path(path, inputs)
    return path


def write_mapping(path: Path, mapping: pd.DataFrame) -> Path:
    """Write the pseudonym mapping CSV: readable by its owner only, never over a file.

    It holds the original names and people open it in a spreadsheet, so cells that look
    like formulas are neutralised. The file appears whole (written aside, then linked).
    """
    check_output_path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:  # mkstemp: mode 0600
            f.write(mapping.map(fmt.csv_safe).to_csv(index=False))
        try:
            os.link(tmp, path)  # unlike a rename, fails when the path exists
        except FileExistsError:
            raise OutputError(f"{path}: already exists, and a pseudonym mapping is never "
                              "overwritten", hint="name a new file with --mapping-out") from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise
            os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def plan_outputs(
    name: str, *, out_dir: Path, html: Path | None, xlsx: Path | None, json_out: str | None,
    no_html: bool, no_xlsx: bool, mapping: Path | None, inputs: tuple[Path, ...],
) -> Outputs:
    """Resolve the default and explicit output paths, and refuse unusable ones early.

    `mapping` is where the pseudonym mapping goes (see `mapping_path`), None when not
    anonymising.
    """
    base = slug(name)
    outs = Outputs(
        html=None if no_html else (html or out_dir / f"{base}.html"),
        xlsx=None if no_xlsx else (xlsx or out_dir / f"{base}.xlsx"),
        json=json_out,
        mapping=mapping,
    )
    for path in outs.paths():
        check_output_path(path, inputs)
    return outs


def check_out_dir(out_dir: Path, inputs: tuple[Path, ...]) -> None:
    """An unusable output folder fails now, not after a long run."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: is a file, not a folder", hint="choose another --out-dir")
    check_output_path(out_dir / "report", inputs)


def write_outputs(est: Estimate, outs: Outputs, mapping: pd.DataFrame | None,
                  say: Callable[[str], None]) -> list[Path]:
    """Write every requested file atomically; return what was written (stdout JSON excluded)."""
    written: list[Path] = []
    if outs.mapping is not None and mapping is not None:
        say(f"Writing {outs.mapping.name}")
        written.append(write_mapping(outs.mapping, mapping))
    if outs.html is not None:
        say(f"Writing {outs.html.name}")
        est.to_html(outs.html)
        written.append(outs.html)
    if outs.xlsx is not None:
        say(f"Writing {outs.xlsx.name}")
        est.to_excel(outs.xlsx)
        written.append(outs.xlsx)
    if outs.json not in (None, "-"):
        say("Writing JSON")
        est.to_json(Path(outs.json))
        written.append(Path(outs.json))
    return written
