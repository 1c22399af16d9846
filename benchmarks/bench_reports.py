"""Time the HTML report and the Excel workbook for large estates (median of several runs).

    python benchmarks/bench_reports.py                      # 10,000 and 100,000 VMs, 3 runs
    python benchmarks/bench_reports.py --vms 20000 --runs 5
    python benchmarks/bench_reports.py --source fixture     # skip the pipeline

`--source pipeline` (default) builds each estate with `estimator.sample` (RVTools CSV export),
reads it and runs `estimate()` once, untimed; `--source fixture` uses the report tests'
hand-made estimate builder instead (seconds rather than minutes). Only the renderers are timed:
`render_html` + writing the file, and `write_excel`. Targets: the workbook for 100,000 VMs in
under 30 s, the HTML under about 10 MB.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from estimator.model import Estimate
from estimator.report.excel import write_excel
from estimator.report.html import render_html

ROOT = Path(__file__).resolve().parents[1]


def _median_seconds(func: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time is steadier on a busy machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _from_pipeline(vms: int, folder: Path) -> Estimate:
    from estimator.inventory import read_inventory
    from estimator.pipeline import estimate
    from estimator.sample import write_sample

    path = write_sample(folder / f"rvtools_{vms}.csv", vms=vms, seed=0)
    # Monte Carlo off: its cost belongs to the uncertainty benchmark, not to the renderers.
    return estimate(read_inventory(path), uncertainty=False)


def _from_fixture(vms: int, _folder: Path) -> Estimate:
    spec = importlib.util.spec_from_file_location(
        "report_fixture", ROOT / "tests" / "report" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_estimate(vms, hostile=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", choices=("pipeline", "fixture"), default="pipeline")
    args = parser.parse_args()
    build = _from_pipeline if args.source == "pipeline" else _from_fixture

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for vms in args.vms:
            start = time.perf_counter()
            est = build(vms, folder)
            built = time.perf_counter() - start
            html_path = folder / f"report_{vms}.html"
            xlsx_path = folder / f"report_{vms}.xlsx"
            html_s = _median_seconds(
                lambda e=est, p=html_path: p.write_text(render_html(e), encoding="utf-8"),
                args.runs)
            xlsx_s = _median_seconds(lambda e=est, p=xlsx_path: write_excel(e, p), args.runs)
            rows.append((vms, len(est.vms), built, html_s, html_path.stat().st_size / 1e6,
                         xlsx_s, xlsx_path.stat().st_size / 1e6))

    print(f"source: {args.source}, median of {args.runs} runs, wall (CPU) seconds")
    print("| VMs | build estimate [s] | HTML [s] | HTML [MB] | Excel [s] | Excel [MB] |")
    print("|---:|---:|---:|---:|---:|---:|")
    for vms, _n, built, (html_s, html_cpu), html_mb, (xlsx_s, xlsx_cpu), xlsx_mb in rows:
        print(f"| {vms:,} | {built:.1f} | {html_s:.2f} ({html_cpu:.2f}) | {html_mb:.1f} "
              f"| {xlsx_s:.2f} ({xlsx_cpu:.2f}) | {xlsx_mb:.1f} |")


if __name__ == "__main__":
    main()
