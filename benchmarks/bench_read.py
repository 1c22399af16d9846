"""Time reading an RVTools workbook: `read_inventory` against plain `pandas.read_excel`.

    python benchmarks/bench_read.py                     # 100,000 VMs, 3 runs, calamine
    python benchmarks/bench_read.py --engines calamine,openpyxl --vms 20000
    python benchmarks/bench_read.py --workbook my_export.xlsx

`read_inventory` does everything (safety checks, all five tabs, joins, OS classification,
checks); `pandas.read_excel` only parses the same sheets into DataFrames. The target is
read_inventory within 2x of `pandas.read_excel(engine="calamine")`. Prints the median of
`--runs` runs per method.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from estimator.inventory import read_inventory
from estimator.inventory.rvtools import sheets_to_read


def _median_seconds(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _workbook(vms: int, folder: Path) -> Path:
    from estimator.sample import write_sample

    return write_sample(folder / f"rvtools_{vms}.xlsx", vms=vms, seed=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="calamine",
                        help="pandas engines to compare, comma-separated (calamine,openpyxl)")
    parser.add_argument("--workbook", type=Path, help="existing workbook (skips generation)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.workbook or _workbook(args.vms, Path(tmp))
        sheets = sheets_to_read(pd.ExcelFile(path, engine="calamine").sheet_names)
        inv = read_inventory(path)
        print(f"workbook: {path.name}, {path.stat().st_size / 2**20:.0f} MiB, "
              f"{len(inv.vms):,} VMs, sheets {', '.join(sheets)}")
        rows = [("read_inventory", _median_seconds(lambda: read_inventory(path), args.runs))]
        for engine in args.engines.split(","):
            rows.append((f"pandas.read_excel({engine})", _median_seconds(
                lambda e=engine: pd.read_excel(path, sheet_name=sheets, engine=e), args.runs)))
    base = next((s for n, s in rows if "calamine" in n), rows[-1][1])
    print(f"\n| method | median of {args.runs} [s] | vs read_excel(calamine) |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} | {seconds / base:.2f}x |")


if __name__ == "__main__":
    main()
