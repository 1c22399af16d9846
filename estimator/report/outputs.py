"""Where one estimate's files go, and writing them (HTML, Excel, JSON, pseudonym mapping).

>>> outs = plan_outputs("Acme", out_dir=Path("reports"), html=None, xlsx=None,
...                     json_out=None, no_html=False, no_xlsx=True, anonymised=False,
...                     inputs=())
>>> outs.html
PosixPath('reports/acme.html')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from estimator import formatting as fmt
from estimator.errors import OutputError
from estimator.model import Estimate
from estimator.report.atomic import check_output_path, write_text_atomic


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


def plan_outputs(
    name: str, *, out_dir: Path, html: Path | None, xlsx: Path | None, json_out: str | None,
    no_html: bool, no_xlsx: bool, anonymised: bool, inputs: tuple[Path, ...],
) -> Outputs:
    """Resolve the default and explicit output paths, and refuse unusable ones early."""
    base = slug(name)
    outs = Outputs(
        html=None if no_html else (html or out_dir / f"{base}.html"),
        xlsx=None if no_xlsx else (xlsx or out_dir / f"{base}.xlsx"),
        json=json_out,
        mapping=out_dir / f"{base}.mapping.csv" if anonymised else None,
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
        # The mapping holds the original names: a CSV people open in a spreadsheet.
        write_text_atomic(outs.mapping, mapping.map(fmt.csv_safe).to_csv(index=False))
        written.append(outs.mapping)
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
