"""docs/cli.md, generated from the help text of every command.

    python -m estimator.cli._docs > docs/cli.md      (or: python scripts/gen_docs.py)

tests/cli/test_docs.py fails when docs/cli.md is out of date, or when a command lacks a
one-line summary or an example.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from estimator.cli import app
from estimator.cli._help import argument_name, metavar_of

# The order a reader meets the commands in; any other command follows alphabetically.
ORDER = ("estimate", "batch", "validate", "assumptions", "sample")
WIDTH = 100


# Commands, options and contexts are typer's (click-compatible) objects; typer vendors click
# privately, so they are typed as Any here rather than imported.
Command = Any


def is_group(cmd: Command) -> bool:
    return hasattr(cmd, "list_commands")


def _context(cmd: Command, name: str, parent: Any = None) -> Any:
    ctx = cmd.make_context(name, [], parent=parent, resilient_parsing=True)
    ctx.terminal_width = ctx.max_content_width = WIDTH
    return ctx


def commands() -> Iterator[tuple[str, Command, Any]]:
    """(full name, command, context) of every command, groups before their subcommands."""
    root = typer.main.get_command(app)
    root_ctx = _context(root, "estimator")

    def walk(group: Command, ctx: Any, prefix: str) -> Iterator[tuple[str, Command, Any]]:
        names = sorted(group.list_commands(ctx),
                       key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
        for name in names:
            cmd = group.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            sub = _context(cmd, name, ctx)
            yield f"{prefix} {name}", cmd, sub
            if is_group(cmd):
                yield from walk(cmd, sub, f"{prefix} {name}")

    yield "estimator", root, root_ctx
    yield from walk(root, root_ctx, "estimator")


def summary(cmd: Command) -> str:
    """The one-line summary: the first line of the help text."""
    return (cmd.help or "").strip().split("\n", 1)[0].strip()


def example(cmd: Command) -> str | None:
    """The `Example: ...` line of the help text, without the label."""
    for line in (cmd.help or "").splitlines():
        if line.strip().startswith("Example:"):
            return line.strip().removeprefix("Example:").strip()
    return None


def _option_names(param: Any) -> str:
    names = ", ".join(sorted([*param.opts, *param.secondary_opts], key=len))
    return names if param.is_flag else f"{names} {metavar_of(param)}"


def _usage(name: str, cmd: Command) -> str:
    args = [a for a in cmd.params if a.param_type_name == "argument"]
    pieces = [name, "[OPTIONS]"]
    pieces += [argument_name(a) if a.required else f"[{argument_name(a)}]" for a in args]
    if is_group(cmd):
        pieces.append("COMMAND [ARGS]...")
    return " ".join(pieces)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _params(cmd: Command, ctx: Any) -> list[str]:
    args = [p for p in cmd.params if p.param_type_name == "argument"]
    opts = [p for p in cmd.params if p.param_type_name == "option" and not p.hidden]
    lines: list[str] = []
    if args:
        lines += ["| argument | meaning |", "|---|---|"]
        for a in args:
            lines.append(f"| `{argument_name(a)}` | {_cell(a.help or '')} |")
        lines.append("")
    if opts:
        lines += ["| option | meaning |", "|---|---|"]
        for o in opts:
            record = o.get_help_record(ctx)
            if record is None:
                continue
            lines.append(f"| `{_cell(_option_names(o))}` | {_cell(record[1])} |")
        lines.append("")
    return lines


def _help_body(cmd: Command) -> list[str]:
    """The help text as Markdown: paragraphs, with the example as a shell block."""
    out: list[str] = []
    for para in (cmd.help or "").strip().split("\n\n"):
        text = " ".join(para.split())
        if text.startswith("Example:"):
            out += ["Example:", "", "```sh", text.removeprefix("Example:").strip(), "```", ""]
        elif text:
            out += [text, ""]
    return out


def cli_markdown() -> str:
    """The whole of docs/cli.md."""
    lines = [
        "# Command line reference",
        "",
        "<!-- Generated from the commands' help text by `estimator.cli._docs.cli_markdown()` "
        "(run `python scripts/gen_docs.py`); do not edit by hand. -->",
        "",
        "Run `estimator COMMAND --help` for the same text in the terminal.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    entries = list(commands())
    for name, cmd, _ in entries[1:]:
        anchor = name.replace(" ", "-")
        lines.append(f"| [`{name}`](#{anchor}) | {_cell(summary(cmd))} |")
    lines.append("")
    for name, cmd, ctx in entries:
        lines += [f"## {name}", "", *_help_body(cmd), "Usage:", "", "```sh",
                  _usage(name, cmd), "```", "", *_params(cmd, ctx)]
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(cli_markdown(), end="")
