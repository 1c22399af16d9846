"""The package's error types and the non-fatal problems readers collect.

Every failure a user can cause (a bad file, a bad assumption) raises a subclass of
`EstimatorError`. The CLI turns it into one line and exit code 1; anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


def _where(
    file: str | None, sheet: str | None, row: int | None, column: str | None
) -> str:
    parts = []
    if file:
        parts.append(str(file))
    if sheet:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


class EstimatorError(Exception):
    """Base class for every error the user can cause and fix."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InputError(EstimatorError):
    """An inventory file that cannot be used. Names the file, sheet, row and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file, self.sheet, self.row, self.column = file, sheet, row, column
        where = _where(file, sheet, row, column)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)


class ConfigError(EstimatorError):
    """An assumption, preset, mapping or option that is wrong. Names the key and file."""

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        file: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.key, self.file = key, file
        where = ", ".join(p for p in (str(file) if file else None, key and f"key {key!r}") if p)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)


class OutputError(EstimatorError):
    """A report that cannot be written where asked (unwritable folder, input path...)."""


@dataclass(frozen=True)
class Problem:
    """A non-fatal finding while reading: a rejected row, an unmapped header, an imputation.

    `kind` is one of "rejected", "imputed", "unmapped_column", "duplicate", "warning".
    """

    kind: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = _where(self.file, self.sheet, self.row, self.column)
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "message": self.message,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
        }
