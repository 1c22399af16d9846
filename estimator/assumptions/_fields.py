"""Building blocks of the assumption model: `Range`, the field helpers and the `Section` base.

A numeric assumption is declared once with `num(...)`: its default (a single value, or a range when
`low`/`high` are given), unit, description, source and bounds. The metadata lives in the field's
`json_schema_extra`, so docs, the TOML template and the CLI table are generated from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError, PydanticUndefined

# Money units carry this placeholder; it is replaced by `finance.currency` when shown.
CURRENCY = "{currency}"
NO_SOURCE = "estimate, no public source"
RANGE_KEYS = ("low", "likely", "high")


class Range(BaseModel):
    """A three-point estimate: the likely value feeds the point estimate, low/high the spread."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: float
    likely: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.likely <= self.high:
            raise ValueError(_order_message(self.low, self.likely, self.high))
        return self

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.low, self.likely, self.high)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _order_message(low: float, likely: float, high: float) -> str:
    return (
        f"range must have low <= likely <= high, got low={_fmt(low)}, "
        f"likely={_fmt(likely)}, high={_fmt(high)}"
    )


@dataclass(frozen=True)
class NumberMeta:
    """What the model knows about one numeric field."""

    unit: str
    source: str
    ge: float | None
    le: float | None
    integer: bool
    rangeable: bool


class KeyInfo(NamedTuple):
    """Unit (currency rendered), description and source of one assumption key."""

    unit: str
    description: str
    source: str


def num(
    default: float | tuple[float, float, float] | None,
    *,
    unit: str,
    description: str,
    source: str,
    ge: float | None = 0.0,
    le: float | None = None,
    integer: bool = False,
    rangeable: bool = True,
) -> Any:
    """Declare a numeric assumption. A 3-tuple default is `(low, likely, high)`; None = required."""
    if default is None:
        value: Any = PydanticUndefined
    elif isinstance(default, tuple):
        value = Range(low=default[0], likely=default[1], high=default[2])
    else:
        value = int(default) if integer else float(default)
    extra = {
        "kind": "number",
        "unit": unit,
        "source": source,
        "ge": ge,
        "le": le,
        "integer": integer,
        "rangeable": rangeable,
    }
    return Field(default=value, description=description,
                 json_schema_extra=cast(JsonDict, extra))


def setting(default: Any, *, description: str, source: str = "method choice") -> Any:
    """Declare a non-numeric assumption (mode, switch, list of patterns...)."""
    extra: JsonDict = {"kind": "setting", "source": source}
    return Field(default=default, description=description, json_schema_extra=extra)


def field_extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def number_meta(info: FieldInfo) -> NumberMeta | None:
    """The numeric metadata of a field, or None for settings and sub-sections."""
    extra = field_extra(info)
    if extra.get("kind") != "number":
        return None
    return NumberMeta(
        unit=str(extra["unit"]),
        source=str(extra["source"]),
        ge=extra["ge"],  # type: ignore[arg-type]
        le=extra["le"],  # type: ignore[arg-type]
        integer=bool(extra["integer"]),
        rangeable=bool(extra["rangeable"]),
    )


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("assumption", message)


def _as_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(f"expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise _error(f"expected a finite number, got {value!r}")
    return number


def _check_bounds(number: float, meta: NumberMeta) -> None:
    if meta.ge is not None and number < meta.ge:
        raise _error(f"must be >= {_fmt(meta.ge)}, got {_fmt(number)}")
    if meta.le is not None and number > meta.le:
        raise _error(f"must be <= {_fmt(meta.le)}, got {_fmt(number)}")
    if meta.integer and not number.is_integer():
        raise _error(f"must be a whole number, got {_fmt(number)}")


def coerce_number(value: Any, meta: NumberMeta) -> float | int | Range:
    """Turn a TOML value into a checked float/int or `Range`, with one readable error."""
    if isinstance(value, Range):
        value = value.model_dump()
    if isinstance(value, Mapping):
        if not meta.rangeable:
            raise _error("expected a single number, not a range")
        unknown = sorted(set(value) - set(RANGE_KEYS))
        if unknown:
            raise _error(f"a range takes only low, likely, high; got {', '.join(unknown)}")
        missing = [k for k in RANGE_KEYS if k not in value]
        if missing:
            raise _error(f"a range needs low, likely and high; missing {', '.join(missing)}")
        low, likely, high = (_as_number(value[k]) for k in RANGE_KEYS)
        if not low <= likely <= high:
            raise _error(_order_message(low, likely, high))
        for number in (low, likely, high):
            _check_bounds(number, meta)
        if low == high:  # a range without spread is a single value
            return int(likely) if meta.integer else likely
        return Range.model_construct(low=low, likely=likely, high=high)
    if isinstance(value, bool) or not isinstance(value, int | float):
        expected = "a number" if not meta.rangeable else "a number or {low, likely, high}"
        raise _error(f"expected {expected}, got {value!r}")
    number = _as_number(value)
    _check_bounds(number, meta)
    return int(number) if meta.integer else number


class Section(BaseModel):
    """Base of every assumption section: frozen, no unknown keys, numbers checked on the way in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        meta = number_meta(cls.model_fields[info.field_name])
        return value if meta is None else coerce_number(value, meta)


# Type aliases for annotations: a rangeable number, a whole number.
Num = float | Range
