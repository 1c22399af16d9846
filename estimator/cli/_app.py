"""The typer app and the one place where library errors become CLI errors."""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from estimator import __version__
from estimator.assumptions.load import RenamedKeyWarning
from estimator.cli._help import ToolCommand, ToolGroup
from estimator.errors import EstimatorError
from estimator.report.terminal import SafeConsole, no_controls, plain

F = TypeVar("F", bound=Callable[..., Any])
__all__ = ["QUIET", "ToolCommand", "ToolGroup", "app", "err_console", "fail", "handles_errors",
           "is_quiet", "no_controls", "out_console", "plain"]

app = typer.Typer(
    cls=ToolGroup,
    name="estimator",
    help="Estimate container nodes and yearly savings from moving VMs into containers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# stderr for messages and progress; stdout stays clean for --json - and tables.
err_console = SafeConsole(stderr=True, highlight=False)
out_console = SafeConsole(highlight=False)

_state = {"debug": False, "quiet": False}
INTERNAL_ERROR_EXIT = 70  # sysexits.h EX_SOFTWARE: a bug, told apart from bad input (1)


QUIET_HELP = "Print results and errors only: no progress, notes or 'Wrote ...' lines."


def _set_quiet(value: bool) -> None:
    if value:
        _state["quiet"] = True


# Every command takes -q too (`estimator estimate -q ...` as well as `estimator -q estimate`).
QUIET: Any = typer.Option(False, "--quiet", "-q", help=QUIET_HELP, callback=_set_quiet,
                          expose_value=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"estimator {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Estimate container nodes and yearly savings from moving VMs into containers."""
    _state["debug"] = debug
    _state["quiet"] = quiet


def is_quiet() -> bool:
    return _state["quiet"]


def fail(message: str, hint: str | None = None) -> typer.Exit:
    """Print one red line (plus the fix when known) and return the Exit to raise."""
    text = f"Error: {message}"
    if hint:
        text += f"\nHint: {hint}"
    err_console.print(text, style="red", markup=False, soft_wrap=True)
    return typer.Exit(code=1)


def handles_errors(func: F) -> F:
    """Turn `EstimatorError` into one red line and exit code 1 (traceback with --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RenamedKeyWarning)
                result = func(*args, **kwargs)
            _notes(caught)
            return result
        except EstimatorError as exc:
            if _state["debug"]:
                raise
            raise fail(exc.message, exc.hint) from None
        except KeyboardInterrupt:
            err_console.print("Interrupted.", style="red")
            raise typer.Exit(code=130) from None
        except OSError as exc:
            if _state["debug"]:
                raise
            raise fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None
        except Exception as exc:
            # The CLI framework's own exits and usage errors pass through.
            if _state["debug"] or type(exc).__module__.split(".")[0] in ("typer", "click"):
                raise
            # A bug, not the user's input: one line that says so, exit code 70 (EX_SOFTWARE).
            fail(f"internal error ({type(exc).__name__}: {exc})",
                 "this is a bug in estimator, not in your input; rerun with --debug for the "
                 "traceback and report it")
            raise typer.Exit(code=INTERNAL_ERROR_EXIT) from None

    return wrapper  # type: ignore[return-value]


def _notes(caught: list[warnings.WarningMessage]) -> None:
    """Deprecation notes (old assumption spellings) as plain lines on stderr."""
    for w in caught:
        if issubclass(w.category, RenamedKeyWarning):
            if not is_quiet():
                err_console.print(f"Note: {w.message}", markup=False, highlight=False,
                                  soft_wrap=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def main() -> None:
    """Console-script entry point."""
    from estimator import cli  # noqa: F401  (registers every command)

    app(prog_name="estimator")
    sys.exit(0)
