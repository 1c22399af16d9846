"""Synthetic RVTools-layout estates for demos, tests and benchmarks.

`sample_tables(vms, seed)` generates the tabs as DataFrames (`generate`, pure); `write_sample(path,
vms=..., seed=...)` writes them as an RVTools xlsx export or CSV folder (`workbook`).

>>> write_sample(Path("estate.xlsx"), vms=1000, seed=1)  # doctest: +SKIP
PosixPath('estate.xlsx')
"""

from estimator.sample.generate import SHEETS, sample_tables
from estimator.sample.workbook import XLSX_MAX_ROWS, sample_output_path, write_sample

__all__ = ["SHEETS", "XLSX_MAX_ROWS", "sample_output_path", "sample_tables", "write_sample"]
