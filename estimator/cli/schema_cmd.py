"""`estimator schema`: the JSON Schema of the `estimate --json` document."""

from __future__ import annotations

import json
from typing import Literal

import typer

from estimator.cli._app import QUIET, ToolCommand, app, handles_errors
from estimator.report.jsonout import json_schema


@app.command("schema", cls=ToolCommand)
@handles_errors
def schema(
    format: Literal["json"] = typer.Option(
        "json", "--format", help="Output format (JSON Schema draft 2020-12 is written as JSON)."),
    currency: str = typer.Option("USD", "--currency", metavar="CODE",
                                 help="Currency shown in the money units (x-unit)."),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
) -> None:
    """Print the JSON Schema (draft 2020-12) of the `estimator estimate --json` document.

    Every property has a description and every number an `x-unit`.

    Example: estimator schema > estimate.schema.json
    """
    typer.echo(json.dumps(json_schema(currency), indent=2, ensure_ascii=False))
