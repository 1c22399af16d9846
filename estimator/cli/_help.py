"""Help text that reads like a tool's: FILE, KEY=VALUE, PATH... and no Python types.

typer (0.29) prints each parameter's Python type beside it (`<bool>`, `<list[Path]>`), a
number range as `[1<=x<=5000000]`, and wraps a required argument in braces in the usage line
(`{inventory}...`). It builds its parameter objects itself, with no hook for their class, so
`ToolCommand` and `ToolGroup` give each of their parameters a subclass that shows the
metavar instead: the one the option declares, else one derived from its annotation.
These override typer internals, which is why pyproject.toml pins typer to a minor version.
"""

from __future__ import annotations

import enum
import types
import typing
from pathlib import Path
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# Annotation -> metavar when an option declares none.
_METAVARS: dict[Any, str] = {Path: "PATH", int: "INTEGER", float: "NUMBER", str: "TEXT"}


def metavar_of(param: Any) -> str:
    """The value placeholder of an option or argument: its own metavar, else from its type.

    Choices read `a|b|c`; a list shows its element (`--set KEY=VALUE`, repeatable in the help).
    """
    if param.metavar:
        return str(param.metavar)
    desc = param.type_descriptor
    if desc.is_choice:
        return "|".join(str(c.value if isinstance(c, enum.Enum) else c) for c in desc.choices)
    annotation = desc.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and (desc.is_list or isinstance(annotation, types.UnionType)
                 or typing.get_origin(annotation) is typing.Union):
        annotation = args[0]
    return _METAVARS.get(annotation, "TEXT")


class ReadableOption(TyperOption):
    """An option shown as `--name METAVAR` (a flag as just `--name`)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return metavar_of(self)

    def _get_number_range_help_str(self) -> str | None:
        return None  # the help text says the range in words


class ReadableArgument(TyperArgument):
    """An argument shown by its metavar (`INVENTORY...`), without a Python type."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = argument_name(self)
        return name if self.required else f"[{name}]"


def argument_name(param: Any) -> str:
    """`INVENTORY...` for a repeatable argument, `PATH` for a single one."""
    name = str(param.metavar or (param.name or "").upper())
    return name + "..." if param.nargs != 1 and not name.endswith("...") else name


def readable(params: list[Any]) -> None:
    """Give each typer parameter its readable class (in place) and an argument its metavar."""
    for p in params:
        if type(p) is TyperOption:
            p.__class__ = ReadableOption
        elif type(p) is TyperArgument:
            p.__class__ = ReadableArgument
            p.metavar = argument_name(p)


class _Readable:
    """Mixin of `ToolCommand` and `ToolGroup`: readable parameters, `--help` included."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        readable(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            readable([option])
        return option


class ToolCommand(_Readable, TyperCommand):
    """A command whose help shows metavars, not Python types (`@app.command(cls=...)`)."""


class ToolGroup(_Readable, TyperGroup):
    """A command group whose help shows metavars, not Python types (`typer.Typer(cls=...)`)."""
