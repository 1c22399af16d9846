"""`estimator platforms`: the target-platform archetypes `--platform` accepts."""

from __future__ import annotations

import dataclasses
import json
from typing import Literal

import typer
from rich.table import Table

from estimator.assumptions import DEFAULT_PLATFORM, platforms
from estimator.cli._app import QUIET, ToolCommand, app, handles_errors, out_console


@app.command("platforms", cls=ToolCommand)
@handles_errors
def platforms_command(
    format: Literal["text", "json"] = typer.Option(
        "text", "--format", help="text (a table) or json (a list of objects)."),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
) -> None:
    """List the target-platform archetypes: what each assumes and where its nodes run.

    Example: estimator platforms --format json
    """
    items = platforms()
    if format == "json":
        typer.echo(json.dumps([dataclasses.asdict(p) for p in items], indent=2))
        return
    table = Table(title="Target platforms (--platform NAME)", title_justify="left",
                  header_style="bold", box=None)
    for c in ("name", "nodes on", "subscription", "what it assumes"):
        table.add_column(c, overflow="fold", no_wrap=c != "what it assumes")
    for p in items:
        table.add_row(p.name + (" (default)" if p.name == DEFAULT_PLATFORM else ""),
                      p.nodes_on, "yes" if p.subscription else "no", p.description)
    out_console.print(table)
