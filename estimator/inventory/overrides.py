"""The per-VM overrides file (`scope.overrides_file`): exclusions and corrections by hand.

A CSV (or workbook) with a `name` column and any of `vcenter`, `exclude`, `fit_level`,
`environment`, `security_zone`, `replicas`:

    name,vcenter,exclude,fit_level,replicas
    sql-prod-01,,true,,
    web-01,vc1.example.com,,good,3

Blank cells mean "no override". Unknown columns, bad booleans, unknown fit levels and
repeated VMs are errors naming the file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from estimator.errors import InputError
from estimator.formatting import noun
from estimator.inventory.tabular import Limits, load_tables
from estimator.model import FIT_LEVELS

OVERRIDE_COLUMNS: tuple[str, ...] = (
    "name", "vcenter", "exclude", "fit_level", "environment", "security_zone", "replicas",
)
_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0"}


def load_overrides(path: str | Path, limits: Limits | None = None) -> pd.DataFrame:
    """Read and check an overrides file.

    Returns columns `OVERRIDE_COLUMNS` plus `source_row`: text as string, `exclude` as
    nullable boolean, `replicas` as float (NA where blank).
    """
    path = Path(path)
    tables = load_tables(path, limits)
    t = tables[0]
    file = path.name
    headers = {h.strip().lower().replace(" ", "_"): h for h in t.headers}
    unknown = [h for k, h in headers.items() if k not in OVERRIDE_COLUMNS]
    if unknown:
        raise InputError(
            f"unknown {noun(len(unknown), 'column')} {', '.join(repr(u) for u in unknown)}; "
            f"allowed: {', '.join(OVERRIDE_COLUMNS)}", file=file, sheet=t.sheet, row=t.header_row)
    if "name" not in headers:
        raise InputError("the required column 'name' is missing", file=file, sheet=t.sheet,
                         row=t.header_row)
    rows = t.row_numbers()
    out = pd.DataFrame(index=pd.RangeIndex(len(t.frame)))
    out["source_row"] = rows
    for c in OVERRIDE_COLUMNS:
        raw = (t.frame[headers[c]].reset_index(drop=True) if c in headers
               else pd.Series(pd.NA, index=out.index, dtype="string"))
        out[c] = _text(raw)

    def fail(mask: np.ndarray, column: str, message: str) -> None:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            value = out[column].iat[i]
            raise InputError(f"{message}, got {value!r}", file=file, sheet=t.sheet,
                             row=int(rows[i]), column=headers.get(column, column))

    fail(out["name"].isna().to_numpy(), "name", "every row needs a VM name")
    flag = out["exclude"].str.lower()
    fail((flag.notna() & ~flag.isin(_TRUE | _FALSE)).to_numpy(dtype=bool), "exclude",
         "exclude must be true or false")
    exclude = pd.Series(pd.NA, index=out.index, dtype="boolean")
    exclude[flag.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = True
    exclude[flag.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = False
    out["exclude"] = exclude
    level = out["fit_level"].str.lower().str.replace(" ", "_")
    fail((level.notna() & ~level.isin(FIT_LEVELS)).to_numpy(dtype=bool), "fit_level",
         f"fit_level must be one of {', '.join(FIT_LEVELS)}")
    out["fit_level"] = level
    replicas = pd.to_numeric(out["replicas"], errors="coerce")
    bad = out["replicas"].notna() & (replicas.isna() | (replicas < 1) | (replicas % 1 != 0))
    fail(bad.to_numpy(dtype=bool), "replicas", "replicas must be a whole number of 1 or more")
    out["replicas"] = replicas.astype("float64")
    key = out["name"].str.lower() + "|" + out["vcenter"].str.lower().fillna("")
    fail(key.duplicated().to_numpy(dtype=bool), "name",
         "the same VM (name and vCenter) appears twice")
    return out


def _text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s.dtype):
        whole = s.notna() & (s % 1 == 0)
        text = s.astype("string")
        text[whole] = s[whole].astype("int64").astype("string")
        return text
    out = s.astype("string").str.strip()
    return out.mask(out == "")
