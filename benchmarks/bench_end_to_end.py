"""Time `estimator estimate` end to end, against a plain read of the same input.

    python benchmarks/bench_end_to_end.py                   # 10k, 100k (median of 3) and 1M (1 run)
    python benchmarks/bench_end_to_end.py --vms 100000 --format csv
    python benchmarks/bench_end_to_end.py --vms 100000 --format xlsx --monte-carlo --reports
    python benchmarks/bench_end_to_end.py --vms 1000000     # an RVTools CSV folder
    python benchmarks/bench_end_to_end.py --sizes 10000 --runs 1
    python benchmarks/bench_end_to_end.py --stages          # also time each stage in-process
    python benchmarks/bench_end_to_end.py --vms 1000000 --monte-carlo \
        --estimator /tmp/before/bin/estimator --max-rss-gib 16   # another install, capped

Each run is the real command in a subprocess under `/usr/bin/time -v`, so the figures include
interpreter start-up and imports, and the peak resident memory is the whole process's. By
default it is the point estimate alone, `estimator -q estimate ESTATE --no-uncertainty
--no-html --no-xlsx`; `--monte-carlo` times the Monte Carlo run as well and `--reports` writes
the HTML and Excel reports too. In the same run the reference read of the same input is timed
(`benchmarks/bench_read.py`'s: every sheet with fastexcel into Arrow for a workbook, every file
with `pandas.read_csv` for a CSV folder), and the table gives the command's wall time as a
multiple of it. Targets: a 100,000-VM CSV point estimate within 3x of the read, a workbook
within 1.5x.

The estates are written with `estimator.sample.write_sample` (seed 1) into a cache folder
(`--cache`, default a temporary folder): by default an .xlsx workbook up to 100,000 VMs and an
RVTools CSV folder above (the xlsx row limit caps a workbook at about 600,000 VMs); `--format`
picks one.

`--stages` runs the same steps once more inside this process and times each of them (reading,
then every step the pipeline's progress callback announces, then HTML and Excel), to show
which stage is slow.

`--estimator` times another installation's command (e.g. the code before a change, installed
in its own virtual environment) on the same estates; `--max-rss-gib` stops a run whose resident
memory passes the limit and reports it as "> limit" instead of letting the machine swap.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_read import REFERENCE, run_method  # the reference reads, shared

ESTIMATOR = Path(sys.executable).with_name("estimator")
CSV_ABOVE = 100_000  # estates larger than this are written as an RVTools CSV folder


def input_format(vms: int, fmt: str | None) -> str:
    return fmt or ("csv" if vms > CSV_ABOVE else "xlsx")


def sample_path(cache: Path, vms: int, fmt: str | None = None) -> Path:
    """The cached sample estate for `vms` VMs, written when missing."""
    from estimator.sample import sample_output_path, write_sample

    name = f"estate_{vms}.{input_format(vms, fmt)}"
    target = sample_output_path(cache / name)
    if not target.exists():
        start = time.perf_counter()
        write_sample(cache / name, vms=vms, seed=1)
        print(f"  wrote {target} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return target


def _field(text: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}: (.+)$", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"/usr/bin/time printed no {label!r}:\n{text[-2000:]}")
    return match.group(1).strip()


def _seconds(clock: str) -> float:
    """`h:mm:ss` or `m:ss.ss` -> seconds."""
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + float(part)
    return total


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (Linux /proc), in KiB."""
    total = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += _tree_rss_kib(int(child))
    return total


def run_once(path: Path, out: Path, *, monte_carlo: bool = True, reports: bool = True,
             estimator: Path = ESTIMATOR, max_rss_gib: float | None = None
             ) -> dict[str, float]:
    """One `estimator -q estimate` under /usr/bin/time -v: wall, CPU seconds, peak RSS.

    With `max_rss_gib` the run is stopped when its resident memory passes the limit; the
    result then has `stopped` = 1 and the limit as its peak."""
    # The 1M-VM vInfo CSV is ~0.9 GiB and vPartition ~2.1M rows, above the reader's default
    # guards (512 MiB, 2M rows).
    cmd = ["/usr/bin/time", "-v", str(estimator), "-q", "estimate", str(path), "--out-dir",
           str(out), "--limit", f"max_file_bytes={2**32}", "--limit", "max_rows=20000000"]
    cmd += [] if monte_carlo else ["--no-uncertainty"]
    cmd += [] if reports else ["--no-html", "--no-xlsx"]
    start = time.perf_counter()
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True) as proc:
        stopped = False
        while max_rss_gib is not None and proc.poll() is None:
            if _tree_rss_kib(proc.pid) > max_rss_gib * 2**20:
                # the estimator under /usr/bin/time; time then reports and exits
                for child in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text(
                        ).split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(child), signal.SIGKILL)
                stopped = True
                break
            time.sleep(0.2)
        _, err = proc.communicate()
    if stopped:
        return {"wall_s": time.perf_counter() - start, "cpu_s": float("nan"),
                "peak_rss_mib": max_rss_gib * 1024 if max_rss_gib else float("nan"),
                "stopped": 1.0}
    if proc.returncode != 0:
        raise RuntimeError(f"estimate failed ({proc.returncode}):\n{err[-3000:]}")
    return {
        "wall_s": _seconds(_field(err, "Elapsed (wall clock) time (h:mm:ss or m:ss)")),
        "cpu_s": float(_field(err, "User time (seconds)")) + float(
            _field(err, "System time (seconds)")),
        "peak_rss_mib": int(_field(err, "Maximum resident set size (kbytes)")) / 1024,
    }


def stages(path: Path, out: Path) -> list[tuple[str, float, float]]:
    """(stage, wall s, CPU s) of one in-process run: reading, pipeline steps, HTML, Excel."""
    from estimator.inventory import Limits, read_inventory
    from estimator.pipeline import estimate

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    marks: list[tuple[str, tuple[float, float]]] = [("read", now())]
    inv = read_inventory(path, limits=Limits(max_file_bytes=2**32, max_rows=20_000_000))
    marks.append(("estimate (setup)", now()))
    est = estimate(inv, progress=lambda msg: marks.append((msg, now())))
    marks.append(("HTML", now()))
    est.to_html(out / "stages.html")
    marks.append(("Excel", now()))
    est.to_excel(out / "stages.xlsx")
    marks.append(("end", now()))
    # Each mark starts a stage that ends at the next one.
    return [(name, t1[0] - t0[0], t1[1] - t0[1])
            for (name, t0), (_, t1) in itertools.pairwise(marks)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vms", "--sizes", dest="sizes", type=int, nargs="+",
                        default=[10_000, 100_000, 1_000_000], help="estate sizes in VMs")
    parser.add_argument("--format", choices=("xlsx", "csv"),
                        help="input kind (default: xlsx up to 100,000 VMs, CSV folder above)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size up to 100,000 VMs")
    parser.add_argument("--monte-carlo", action="store_true",
                        help="also time the estimate with the Monte Carlo")
    parser.add_argument("--reports", action="store_true", help="also write HTML and Excel")
    parser.add_argument("--cache", type=Path, default=None, help="folder for the sample estates")
    parser.add_argument("--stages", action="store_true", help="also time each stage")
    parser.add_argument("--estimator", type=Path, default=ESTIMATOR,
                        help="the estimator command to time (default: this environment's)")
    parser.add_argument("--max-rss-gib", type=float, default=None,
                        help="stop a run whose resident memory passes this many GiB")
    args = parser.parse_args()

    variants = [("point", False)] + ([("Monte Carlo", True)] if args.monte_carlo else [])
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp) / "estates"
        cache.mkdir(parents=True, exist_ok=True)
        out = Path(tmp) / "reports"
        results = []
        for vms in args.sizes:
            fmt = input_format(vms, args.format)
            path = sample_path(cache, vms, args.format)
            runs = 1 if vms > CSV_ABOVE else args.runs
            samples: dict[str, list[dict[str, float]]] = {label: [] for label, _ in variants}
            reads = []
            for i in range(runs):
                # The reference read between the commands, so machine load hits both alike.
                reads.append(run_method(REFERENCE[fmt], path)["seconds"])
                for label, monte_carlo in variants:
                    samples[label].append(run_once(path, out, monte_carlo=monte_carlo,
                                                   reports=args.reports,
                                                   estimator=args.estimator,
                                                   max_rss_gib=args.max_rss_gib))
                    print(f"  {vms:,} VMs {label} run {i + 1}/{runs}: {samples[label][-1]} "
                          f"(reference read {reads[-1]:.2f} s)", file=sys.stderr)
            results.append((vms, fmt, runs, samples, statistics.median(reads)))
            if args.stages:
                print(f"\nStages, {vms:,} VMs (one in-process run):")
                for name, wall, cpu in stages(path, out):
                    print(f"  {name:<72} {wall:7.1f} s wall {cpu:7.1f} s CPU")

    reports = "with reports" if args.reports else "no reports"
    print(f"\n| VMs | input | estimate ({reports}) | runs | wall [s] (median) | CPU [s] (median) "
          "| peak RSS [MiB] | reference read [s] | wall / read |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for vms, fmt, runs, samples, read in results:
        kind = "CSV folder" if fmt == "csv" else "xlsx"
        for label, _ in variants:
            wall = statistics.median(s["wall_s"] for s in samples[label])
            cpu = statistics.median(s["cpu_s"] for s in samples[label])
            rss = max(s["peak_rss_mib"] for s in samples[label])
            over = ">" if any(s.get("stopped") for s in samples[label]) else ""
            print(f"| {vms:,} | {kind} | {label} | {runs} | {over}{wall:.1f} | {cpu:.1f} "
                  f"| {over}{rss:,.0f} | {read:.2f} | {over}{wall / read:.1f}x |")


if __name__ == "__main__":
    main()
