"""`estimator sample OUT.xlsx|OUT.csv`: write a synthetic RVTools export."""

from __future__ import annotations

from pathlib import Path

import typer

from estimator.cli._app import QUIET, ToolCommand, app, err_console, handles_errors, is_quiet
from estimator.errors import OutputError
from estimator.sample import sample_output_path, write_sample

# Beyond this the tables alone outgrow a laptop's memory; the xlsx limit bites far earlier.
MAX_VMS = 5_000_000


@app.command("sample", cls=ToolCommand)
@handles_errors
def sample(
    out: Path = typer.Argument(
        ..., help="OUT.xlsx (a workbook, one sheet per RVTools tab) or OUT.csv (a folder OUT/ "
        "of RVTools_tab*.csv files, as RVTools exports CSV; use it above ~600,000 VMs)."),
    vms: int = typer.Option(
        1000, "--vms", min=1, max=MAX_VMS, metavar="N",
        help=f"Rows in vInfo, templates, SRM placeholders and vCLS VMs included (1 to "
        f"{MAX_VMS:,})."),
    seed: int = typer.Option(0, "--seed", metavar="N",
                             help="Random seed: the same seed gives the same estate."),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it already exists."),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
) -> None:
    """Write a realistic synthetic RVTools export for demos, tests and benchmarks.

    Example: estimator sample demo.xlsx --vms 800 --seed 42
    """
    target = sample_output_path(out)
    if target.exists() and not force:
        raise OutputError(f"{target} already exists", hint="use --force to replace it")
    if err_console.is_terminal and not is_quiet():
        with err_console.status(f"Writing {vms:,} VMs to {target}..."):
            written = write_sample(out, vms=vms, seed=seed)
    else:
        written = write_sample(out, vms=vms, seed=seed)
    if not is_quiet():
        err_console.print(f"Wrote {vms:,} VMs to {written}", markup=False, highlight=False)
