"""`Assumptions`: the root model, its flat dotted-key view and validation into `ConfigError`."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field, ValidationError

from estimator.assumptions._fields import (
    CURRENCY,
    KeyInfo,
    Range,
    Section,
    field_extra,
    number_meta,
)
from estimator.assumptions.sections import (
    Backup,
    Current,
    EndOfSupport,
    Finance,
    Fit,
    Licences,
    Migration,
    Network,
    Operations,
    Platform,
    Scope,
    Sizing,
    Storage,
    Uncertainty,
)
from estimator.errors import ConfigError

TABLE_COLUMNS = ["key", "value", "low", "high", "unit", "description", "source", "changed"]


# Name prefix of the node type shaped like today's most common host (planning adds it).
HOST_SHAPED_PREFIX = "like-hosts-"


@dataclass(frozen=True)
class Entry:
    """One leaf of the model: a number (float or Range) or a setting."""

    key: str
    value: Any
    numeric: bool
    unit: str  # currency placeholder not yet rendered
    description: str
    source: str

    @property
    def likely(self) -> float:
        return self.value.likely if isinstance(self.value, Range) else float(self.value)

    @property
    def low_high(self) -> tuple[float, float] | None:
        return (self.value.low, self.value.high) if isinstance(self.value, Range) else None


def _walk(model: BaseModel, prefix: str) -> Iterator[Entry]:
    """Every leaf in declaration order; node types (a dict) in their own order."""
    for name, info in type(model).model_fields.items():
        key = f"{prefix}{name}"
        value = getattr(model, name)
        meta = number_meta(info)
        if meta is not None:
            yield Entry(key, value, True, meta.unit, info.description or "", meta.source)
        elif isinstance(value, BaseModel):
            yield from _walk(value, f"{key}.")
        elif isinstance(value, dict):
            for item_name, item in value.items():
                yield from _walk(item, f"{key}.{item_name}.")
        else:
            extra = field_extra(info)
            yield Entry(key, value, False, "", info.description or "", str(extra.get("source", "")))


def _plain(value: Any) -> Any:
    """A setting as JSON/TOML-friendly data (tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value


class Assumptions(Section):
    """Every assumption of an estimate, in sections. Frozen; build with `load_assumptions`."""

    scope: Scope = Field(default_factory=Scope, description="Which VMs are candidates.")
    sizing: Sizing = Field(default_factory=Sizing, description="VM to container request.")
    fit: Fit = Field(default_factory=Fit, description="Containerisation fit rules.")
    platform: Platform = Field(default_factory=Platform, description="The target platform.")
    current: Current = Field(default_factory=Current, description="The estate today.")
    licences: Licences = Field(default_factory=Licences, description="OS licences.")
    operations: Operations = Field(default_factory=Operations, description="Operations effort.")
    backup: Backup = Field(default_factory=Backup, description="Backup before and after.")
    eos: EndOfSupport = Field(default_factory=EndOfSupport,
                              description="End-of-support operating systems.")
    storage: Storage = Field(default_factory=Storage, description="Primary storage.")
    network: Network = Field(default_factory=Network, description="Network and load balancing.")
    migration: Migration = Field(default_factory=Migration, description="One-off migration.")
    finance: Finance = Field(default_factory=Finance, description="Money settings.")
    uncertainty: Uncertainty = Field(default_factory=Uncertainty, description="Monte Carlo.")

    # ------------------------------------------------------------------ flat views
    def entries(self) -> list[Entry]:
        """Every leaf (numbers and settings) in declaration order."""
        return list(_walk(self, ""))

    def flat_values(self) -> dict[str, float]:
        """Dotted key -> likely value (float) for every numeric assumption."""
        return {e.key: e.likely for e in _walk(self, "") if e.numeric}

    def ranges(self) -> dict[str, tuple[float, float, float]]:
        """Dotted key -> (low, likely, high) for the keys given as real ranges (low < high)."""
        return {
            e.key: e.value.as_tuple()
            for e in _walk(self, "")
            if isinstance(e.value, Range) and e.value.low < e.value.high
        }

    def unit(self, raw_unit: str) -> str:
        """A unit with the configured currency filled in."""
        return raw_unit.replace(CURRENCY, self.finance.currency)

    def describe(self, key: str) -> KeyInfo:
        """Unit (currency rendered), description and source of a dotted key."""
        for e in _walk(self, ""):
            if e.key == key:
                return KeyInfo(self.unit(e.unit), e.description, e.source)
        raise unknown_key(key, self)

    def changed_keys(self) -> set[str]:
        """Keys whose value differs from the package defaults (after presets, files, --set).

        The node type shaped like today's hosts is derived from the inventory, not changed by
        anyone, so its keys do not count."""
        defaults = {e.key: e.value for e in _walk(default_assumptions(), "")}
        derived = f"platform.node_types.{HOST_SHAPED_PREFIX}"
        return {
            e.key
            for e in _walk(self, "")
            if not e.key.startswith(derived) and (
                e.key not in defaults or _comparable(e.value) != _comparable(defaults[e.key]))
        }

    def table(self) -> pd.DataFrame:
        """One row per assumption: key, value, low, high, unit, description, source, changed."""
        changed = self.changed_keys()
        rows = []
        for e in _walk(self, ""):
            low_high = e.low_high
            rows.append(
                {
                    "key": e.key,
                    "value": e.likely if e.numeric else _plain(e.value),
                    "low": low_high[0] if low_high else float("nan"),
                    "high": low_high[1] if low_high else float("nan"),
                    "unit": self.unit(e.unit),
                    "description": e.description,
                    "source": e.source,
                    "changed": e.key in changed,
                }
            )
        frame = pd.DataFrame(rows, columns=TABLE_COLUMNS)
        frame["value"] = frame["value"].astype(object)
        return frame

    # ------------------------------------------------------------------ copies
    def with_values(self, values: Mapping[str, float]) -> Assumptions:
        """A copy where the given dotted keys are set to single values (e.g. for tornado)."""
        numeric = {e.key for e in _walk(self, "") if e.numeric}
        data = self.model_dump()
        for key, value in values.items():
            if key not in numeric:
                raise unknown_key(key, self, numeric_only=True)
            set_dotted(data, key, float(value))
        return validate_assumptions(data, file=None)

    def collapsed(self) -> Assumptions:
        """A copy where every range is its likely value."""
        return self.with_values({key: rng[1] for key, rng in self.ranges().items()})


def _comparable(value: Any) -> Any:
    if isinstance(value, Range):
        return value.as_tuple()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set `a.b.c` in nested dicts, creating tables on the way."""
    *parents, last = key.split(".")
    node = data
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[last] = value


@functools.cache
def default_assumptions() -> Assumptions:
    """The package defaults (built once; the model is frozen, so sharing it is safe)."""
    return Assumptions()


def known_keys(assumptions: Assumptions | None = None, *, numeric_only: bool = False) -> list[str]:
    model = assumptions or default_assumptions()
    keys = [e.key for e in _walk(model, "") if e.numeric or not numeric_only]
    # Section and sub-table names help suggestions for typos in table headers too.
    parents = {k.rsplit(".", 1)[0] for k in keys}
    return keys + sorted(parents)


def unknown_key(
    key: str, assumptions: Assumptions | None = None, *, file: str | None = None,
    numeric_only: bool = False,
) -> ConfigError:
    """A ConfigError for an unknown key, with the closest known key as a hint."""
    close = difflib.get_close_matches(key, known_keys(assumptions, numeric_only=numeric_only), 1)
    what = "unknown numeric key" if numeric_only else "unknown key"
    message = f"{what} (did you mean {close[0]!r}?)" if close else what
    return ConfigError(message, key=key, file=file)


def _loc_key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


_TYPE_MESSAGES = {
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected a string",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
}


def config_error(exc: ValidationError, *, file: str | None) -> ConfigError:
    """The first validation error as one ConfigError naming the key and the file."""
    err = exc.errors(include_url=False)[0]
    key = _loc_key(err["loc"]) or None
    kind = err["type"]
    if kind == "extra_forbidden":
        return unknown_key(key or "", file=file)
    if kind == "missing":
        return ConfigError("missing value", key=key, file=file)
    if kind in {"assumption", "value_error"}:
        message = err["msg"].removeprefix("Value error, ")
    elif kind == "literal_error":
        message = f"must be {err.get('ctx', {}).get('expected', '?')}, got {err.get('input')!r}"
    else:
        plain = _TYPE_MESSAGES.get(kind, err["msg"][:1].lower() + err["msg"][1:])
        message = f"{plain}, got {err.get('input')!r}"
    return ConfigError(message, key=key, file=file)


def validate_assumptions(data: Mapping[str, Any], *, file: str | None) -> Assumptions:
    """Validate nested data into `Assumptions`, turning pydantic errors into one ConfigError."""
    try:
        return Assumptions.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, file=file) from None
