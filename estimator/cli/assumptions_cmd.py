"""`estimator assumptions show|init`: see and export the assumptions an estimate uses."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from estimator.assumptions import PRESETS, load_assumptions, to_toml
from estimator.cli._app import app, handles_errors, out_console
from estimator.errors import OutputError
from estimator.formatting import plural

assumptions_app = typer.Typer(
    name="assumptions",
    help="Show the assumptions an estimate uses, or write them to an editable TOML file.",
    no_args_is_help=True,
)
app.add_typer(assumptions_app, name="assumptions")


class Format(StrEnum):
    table = "table"
    json = "json"
    toml = "toml"


PRESET_HELP = f"Preset merged over the defaults: {', '.join(PRESETS)}."
FILE_HELP = "TOML file of assumptions (repeatable; later files win)."
SET_HELP = "Override one key, e.g. --set sizing.comfort_factor=1.5 (repeatable; wins over files)."


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _num(value: float) -> str:
    return f"{value:,.10g}" if abs(value) >= 10_000 else f"{value:.10g}"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "(empty)"
    return "(none)" if value is None else str(value)


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The flat JSON list: key, value, unit, description, source, changed (+ low, high)."""
    records = []
    for row in frame.to_dict("records"):
        record: dict[str, Any] = {"key": row["key"], "value": row["value"]}
        if not _is_nan(row["low"]):
            record["low"], record["high"] = row["low"], row["high"]
        for column in ("unit", "description", "source", "changed"):
            record[column] = row[column]
        records.append(record)
    return records


def _rich_tables(frame: pd.DataFrame, width: int) -> list[Table]:
    """One table per section, keys shown without the section prefix so they fit a terminal."""
    wide = width >= 140
    tables = []
    for section, rows in frame.groupby(frame["key"].str.split(".").str[0], sort=False):
        table = Table(title=str(section), title_justify="left", header_style="bold", box=None)
        table.add_column("key", no_wrap=True)
        table.add_column("value", justify="right", overflow="fold")
        table.add_column("range", justify="right", no_wrap=True)
        table.add_column("unit")
        if wide:
            table.add_column("description")
        for row in rows.itertuples(index=False):
            rng = "" if _is_nan(row.low) else f"{_num(row.low)} – {_num(row.high)}"
            key = row.key.split(".", 1)[1] + (" *" if row.changed else "")
            cells = [key, _cell(row.value), rng, row.unit]
            table.add_row(*cells, *([row.description] if wide else []))
        tables.append(table)
    return tables


@assumptions_app.command("show")
@handles_errors
def show(
    preset: str | None = typer.Option(None, "--preset", "-p", help=PRESET_HELP),
    files: list[Path] = typer.Option([], "--assumptions", "-a", help=FILE_HELP),
    sets: list[str] = typer.Option([], "--set", help=SET_HELP),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or toml."),
) -> None:
    """Show every assumption with its value, range, unit and source.

    Keys marked * differ from the defaults.

    Example: estimator assumptions show -p conservative --set operations.labour_per_hour=80
    """
    assumptions = load_assumptions(preset, files, sets)
    if fmt is Format.toml:
        typer.echo(to_toml(assumptions), nl=False)
        return
    frame = assumptions.table()
    if fmt is Format.json:
        typer.echo(json.dumps(json_records(frame), indent=2, ensure_ascii=False))
        return
    for table in _rich_tables(frame, out_console.width):
        out_console.print(table)
        out_console.print()
    out_console.print(
        f"{plural(len(assumptions.changed_keys()), 'key')} changed from the defaults (marked *). "
        "Sources: --format json or toml.",
        markup=False,
    )


@assumptions_app.command("init")
@handles_errors
def init(
    path: Path = typer.Argument(..., help="TOML file to write."),
    preset: str | None = typer.Option(None, "--preset", "-p", help=PRESET_HELP),
    force: bool = typer.Option(False, "--force", help="Overwrite PATH if it exists."),
) -> None:
    """Write a complete, commented TOML file of the assumptions to edit and pass back with -a.

    Example: estimator assumptions init my-assumptions.toml --preset conservative
    """
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists (use --force to overwrite)")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder")
    text = to_toml(load_assumptions(preset))
    path.write_text(text, encoding="utf-8")
    out_console.print(f"Wrote {path}. Edit it, then use: -a {path}", markup=False)
