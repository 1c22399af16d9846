"""Command line: a thin typer layer over the library.

Each command lives in its own module and registers itself on `app`; it parses options,
calls the library and renders. No arithmetic happens here.
"""

from estimator.cli import (
    assumptions_cmd,  # noqa: F401
    batch_cmd,  # noqa: F401
    estimate_cmd,  # noqa: F401
    platforms_cmd,  # noqa: F401
    sample_cmd,  # noqa: F401
    schema_cmd,  # noqa: F401
    validate_cmd,  # noqa: F401
)
from estimator.cli._app import app, main

__all__ = ["app", "main"]
