"""Time reading an inventory: `read_inventory` against a plain read of the same file.

    python benchmarks/bench_read.py                          # 100,000 VMs, xlsx, 3 runs
    python benchmarks/bench_read.py --format csv             # an RVTools CSV folder
    python benchmarks/bench_read.py --vms 20000 --runs 5
    python benchmarks/bench_read.py --input my_export.xlsx   # an existing export

`read_inventory` does everything (safety checks, the RVTools tabs, joins, usage, OS
classification, row checks). The reference read only parses the same file into memory:
for a workbook every sheet with fastexcel into Arrow (the target: read_inventory within
1.5x of it), for a CSV folder every file with `pandas.read_csv` (target: within 3x).
python-calamine's cell-by-cell read of every sheet is timed too, as the alternative
workbook parser (`--methods` picks which run).

Each run is a fresh subprocess, so the peak RSS is that of one read (interpreter and
imports included; the time excludes them). Prints the median of `--runs` runs per method
and its ratio to the reference of the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One run of a method in a child process: prints {"seconds": ..., "peak_rss_mib": ...}.
_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
method, path = sys.argv[1], Path(sys.argv[2])

def read_inventory():
    from estimator.inventory import Limits, read_inventory
    limits = Limits(max_file_bytes=2**34, max_rows=20_000_000)
    return lambda: read_inventory(path, limits=limits)

def fastexcel_arrow():
    import fastexcel
    def run():
        reader = fastexcel.read_excel(path)
        return [reader.load_sheet(n).to_arrow() for n in reader.sheet_names]
    return run

def calamine_cells():
    import python_calamine
    def run():
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        return [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]
    return run

def pandas_read_csv():
    import pandas as pd
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    return lambda: [pd.read_csv(f, low_memory=False) for f in files]

def pyarrow_csv():
    import pyarrow.csv as pa_csv
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    return lambda: [pa_csv.read_csv(f) for f in files]

run = globals()[method]()  # imports happen here, outside the timing
start = time.perf_counter()
run()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_rss_mib": peak}))
"""

REFERENCE = {"xlsx": "fastexcel_arrow", "csv": "pandas_read_csv"}
METHODS = {"xlsx": ("read_inventory", "fastexcel_arrow", "calamine_cells"),
           "csv": ("read_inventory", "pandas_read_csv", "pyarrow_csv")}
TARGET = {"xlsx": 1.5, "csv": 3.0}


def run_method(method: str, path: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, method, str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def sample_input(folder: Path, vms: int, fmt: str) -> Path:
    """An RVTools-layout export written by `estimator.sample` (seed 1)."""
    from estimator.sample import sample_output_path, write_sample

    target = sample_output_path(folder / f"rvtools_{vms}.{fmt}")
    if not target.exists():
        start = time.perf_counter()
        write_sample(folder / f"rvtools_{vms}.{fmt}", vms=vms, seed=1)
        print(f"  wrote {target} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return target


def size_mib(path: Path) -> float:
    files = list(path.glob("*")) if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=100_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--methods", help="comma-separated, default: all for the format")
    parser.add_argument("--input", type=Path, help="existing export (skips generation)")
    parser.add_argument("--cache", type=Path, help="folder for generated exports")
    args = parser.parse_args()

    fmt = args.format
    if args.input is not None:
        fmt = "csv" if args.input.is_dir() or args.input.suffix.lower() == ".csv" else "xlsx"
    methods = args.methods.split(",") if args.methods else list(METHODS[fmt])
    reference = REFERENCE[fmt]
    if reference not in methods:
        methods.append(reference)
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        path = args.input or sample_input(cache, args.vms, fmt)
        print(f"input: {path.name}, {size_mib(path):,.0f} MiB, {fmt}", file=sys.stderr)
        runs: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
        for i in range(args.runs):
            # Interleaved, so that a change in machine load hits every method alike.
            for method in methods:
                runs[method].append(run_method(method, path))
                print(f"  run {i + 1}/{args.runs} {method}: {runs[method][-1]}",
                      file=sys.stderr)

    base = statistics.median(r["seconds"] for r in runs[reference])
    print(f"\n| method | median of {args.runs} [s] | vs {reference} | peak RSS [MiB] |")
    print("|---|---:|---:|---:|")
    for method in methods:
        seconds = statistics.median(r["seconds"] for r in runs[method])
        rss = max(r["peak_rss_mib"] for r in runs[method])
        print(f"| {method} | {seconds:.2f} | {seconds / base:.2f}x | {rss:,.0f} |")
    print(f"\nTarget: read_inventory within {TARGET[fmt]}x of {reference}.")


if __name__ == "__main__":
    main()
