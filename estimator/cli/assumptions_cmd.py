"""`estimator assumptions show|init`: see and export the assumptions an estimate uses."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from estimator.assumptions import PRESETS, load_assumptions, to_toml
from estimator.cli._app import QUIET, ToolCommand, ToolGroup, app, handles_errors, out_console
from estimator.errors import OutputError
from estimator.formatting import plural

assumptions_app = typer.Typer(
    cls=ToolGroup,
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


# From this terminal width on each section is a table with description and source columns;
# below it each key is a line (value, unit, range) with its source wrapped under it.
WIDE = 140


Record = tuple[str, str, str, str, str, str]


def _records(rows: pd.DataFrame) -> list[Record]:
    """(key without section, value, range, unit, description, source) per row."""
    out = []
    for row in rows.itertuples(index=False):
        rng = "" if _is_nan(row.low) else f"{_num(row.low)} – {_num(row.high)}"
        key = str(row.key).split(".", 1)[1] + (" *" if row.changed else "")
        out.append((key, _cell(row.value), rng, str(row.unit), str(row.description),
                    str(row.source)))
    return out


def _wide_table(section: str, records: list[Record]) -> Table:
    table = Table(title=section, title_justify="left", header_style="bold", box=None)
    table.add_column("key", no_wrap=True)
    table.add_column("value", justify="right", overflow="fold")
    table.add_column("range", justify="right", no_wrap=True)
    table.add_column("unit")
    table.add_column("description", ratio=3)
    table.add_column("source", ratio=2)
    for r in records:
        table.add_row(*r)
    return table


def _narrow_lines(section: str, records: list[Record]) -> list[RenderableType]:
    """`key  value unit  (range low – high)`, then the source, indented under the key."""
    lines: list[RenderableType] = [Text(section, style="bold")]
    width = max(len(r[0]) for r in records)
    for key, value, rng, unit, _, source in records:
        line = Text(f" {key:<{width}}  ")
        line.append(value + (f" {unit}" if unit else ""), style="bold")
        if rng:
            line.append(f"  (range {rng})")
        lines += [line, Padding(Text(source, style="dim"), (0, 0, 0, 3), expand=False)]
    return lines


def _sections(frame: pd.DataFrame, width: int) -> list[RenderableType]:
    """What `assumptions show` prints: one block per section, keys without the section."""
    out: list[RenderableType] = []
    for section, rows in frame.groupby(frame["key"].str.split(".").str[0], sort=False):
        records = _records(rows)
        if width >= WIDE:
            out.append(_wide_table(str(section), records))
        else:
            out += _narrow_lines(str(section), records)
        out.append(Text())
    return out


@assumptions_app.command("show", cls=ToolCommand)
@handles_errors
def show(
    preset: str | None = typer.Option(None, "--preset", "-p", metavar="NAME", help=PRESET_HELP),
    files: list[Path] = typer.Option([], "--assumptions", "-a", metavar="FILE", help=FILE_HELP),
    sets: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or toml."),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
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
    for block in _sections(frame, out_console.width):
        out_console.print(block)
    out_console.print(
        f"{plural(len(assumptions.changed_keys()), 'key')} changed from the defaults (marked *). "
        "As data: --format json or toml.", markup=False)


@assumptions_app.command("init", cls=ToolCommand)
@handles_errors
def init(
    path: Path = typer.Argument(..., metavar="FILE", help="TOML file to write."),
    preset: str | None = typer.Option(None, "--preset", "-p", metavar="NAME", help=PRESET_HELP),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
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
