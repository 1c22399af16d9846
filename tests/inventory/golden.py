"""Snapshots of what `read_inventory` makes of a fixed set of inputs, for `test_golden.py`.

    python tests/inventory/golden.py      # rewrite tests/data/golden/*.json from the readers

A snapshot holds the `vms` and `hosts` frames column by column (missing values as null),
each file's report and problems, and the merge problems; or, for a refused input, the error
message. The test compares the readers' output with the committed snapshots: numbers within
1e-9, everything else equal, row order included. Columns added to the schema after a
snapshot was written are not compared (new columns get their own tests).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"
BAD = ROOT / "tests" / "data" / "bad"
sys.path.insert(0, str(ROOT / "tests"))

from shared_data import IBM_WORKSHOP, KUBEV2V_EXAMPLE1, shared_path  # noqa: E402

from estimator.errors import InputError  # noqa: E402
from estimator.inventory import read_inventory  # noqa: E402

# Case name -> inputs: "repo:<path in the repo>", "real:<path under shared/data/real>",
# "golden:<path under tests/data/golden/inputs>", "bad:<hostile corpus file>".
CASES: dict[str, tuple[str, ...]] = {
    "sample-rvtools": ("repo:data/sample-rvtools.xlsx",),
    "ibm-sizingworkshop": ("real:" + "/".join(IBM_WORKSHOP),),
    "kubev2v-example1": ("real:" + "/".join(KUBEV2V_EXAMPLE1),),
    "rvtools-csv": ("golden:rvtools-csv",),
    "rvtools-csv-eu": ("golden:rvtools-csv-eu",),
    "generic-eu": ("golden:generic-eu.csv",),
    "generic-title": ("golden:generic-title.csv",),
    "quirks-rvtools": ("golden:quirks-rvtools.xlsx",),
    "generic-xlsx": ("golden:generic.xlsx",),
    "azure": ("golden:azure.csv",),
    "aws-ads": ("golden:aws-ads.csv",),
    "aws-mpa": ("golden:aws-mpa.xlsx",),
    "merged": ("golden:quirks-rvtools.xlsx", "golden:rvtools-csv", "golden:azure.csv",
               "golden:generic.xlsx"),
}


def _corpus_cases() -> dict[str, tuple[str, ...]]:
    """Every run of the hostile corpus's expected.toml without extra options."""
    doc = tomllib.loads((BAD / "expected.toml").read_text(encoding="utf-8"))
    out: dict[str, tuple[str, ...]] = {}
    for case in doc["case"]:
        if case.get("args") or not all((BAD / f).exists() for f in case["inputs"]):
            continue  # made at test time, or run with options
        out["bad-" + "+".join(case["inputs"])] = tuple(f"bad:{f}" for f in case["inputs"])
    return out


CASES |= _corpus_cases()


def resolve(token: str) -> Path | None:
    """The path an input token names; None when shared data is not available."""
    kind, _, rest = token.partition(":")
    base = {"repo": ROOT, "golden": GOLDEN / "inputs", "bad": BAD,
            "real": shared_path() / "data" / "real"}[kind]
    path = base / rest
    return path if path.exists() else None


def _plain(value: Any) -> Any:
    """A cell as JSON: missing -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    return str(value)


def _frame(frame: pd.DataFrame) -> dict[str, Any]:
    return {"rows": len(frame),
            "columns": {str(c): [_plain(v) for v in frame[c].tolist()] for c in frame.columns}}


# Readers' own words inside "not a readable workbook (...)" may change with the library.
_READER_DETAIL = re.compile(r"not a readable workbook \(.*?\)(?=$| \(|:)")


def normalise_error(message: str) -> str:
    return _READER_DETAIL.sub("not a readable workbook (...)", message)


def snapshot(inputs: tuple[str, ...]) -> dict[str, Any] | None:
    """What read_inventory gives for these inputs, as plain JSON data (None: not available)."""
    paths = [resolve(t) for t in inputs]
    if any(p is None for p in paths):
        return None
    try:
        inv = read_inventory(paths)  # type: ignore[arg-type]
    except InputError as exc:
        return {"error": normalise_error(str(exc))}
    return {
        "vms": _frame(inv.vms),
        "hosts": _frame(inv.hosts),
        "files": [{"file": f.file, "format": f.format, "rows_read": f.rows_read,
                   "vms_kept": f.vms_kept, "problems": [p.to_dict() for p in f.problems]}
                  for f in inv.files],
        "problems": [p.to_dict() for p in inv.problems],
    }


def golden_path(name: str) -> Path:
    return GOLDEN / f"{name}.json.gz"


def load(name: str) -> dict[str, Any] | None:
    path = golden_path(name)
    if not path.exists():
        return None
    return json.loads(gzip.decompress(path.read_bytes()))


def write(name: str, snap: dict[str, Any]) -> None:
    # mtime=0 keeps the gzip bytes the same for the same snapshot.
    data = json.dumps(snap, indent=0, ensure_ascii=False, sort_keys=True).encode()
    golden_path(name).write_bytes(gzip.compress(data, mtime=0))


def differences(expected: Any, actual: Any, where: str = "") -> Iterator[str]:
    """Where `actual` differs from `expected`: floats within 1e-9, the rest equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key not in actual:
                yield f"{where}/{key}: missing"
            else:
                yield from differences(expected[key], actual[key], f"{where}/{key}")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{where}: {len(actual)} items instead of {len(expected)}"
            return
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            yield from differences(e, a, f"{where}[{i}]")
        return
    both_numbers = all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in (expected, actual))
    if both_numbers:
        if not math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9):
            yield f"{where}: {actual!r} instead of {expected!r}"
    elif expected != actual or type(expected) is not type(actual):
        yield f"{where}: {actual!r} instead of {expected!r}"


def main() -> None:
    for name, inputs in CASES.items():
        snap = snapshot(inputs)
        if snap is None:
            print(f"skipped {name}: input not available")
            continue
        write(name, snap)
        print(f"wrote {golden_path(name).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
