"""Loading assumptions: defaults < preset < files (in order) < `--set key=value`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from estimator.assumptions._fields import RANGE_KEYS
from estimator.assumptions._model import (
    Assumptions,
    default_assumptions,
    set_dotted,
    validate_assumptions,
)
from estimator.errors import ConfigError

PRESETS: tuple[str, ...] = ("conservative", "typical", "aggressive")
SET_SOURCE = "--set"


def _parse_toml(text: str, *, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=file) from None


def preset_data(name: str) -> dict[str, Any]:
    """The partial assumptions of a packaged preset."""
    if name not in PRESETS:
        raise ConfigError(
            f"unknown preset {name!r} (choose from {', '.join(PRESETS)})", key="preset"
        )
    resource = resources.files("estimator").joinpath("data", "presets", f"{name}.toml")
    text = resource.read_text(encoding="utf-8")
    return _parse_toml(text, file=f"preset {name}")


def read_file(path: str | Path) -> dict[str, Any]:
    """The partial assumptions of a user TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("assumptions file not found", file=str(path)) from None
    except IsADirectoryError:
        raise ConfigError("is a folder, not a TOML file", file=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", file=str(path)) from None
    return _parse_toml(text, file=str(path))


def parse_set(item: str) -> tuple[str, Any]:
    """`section.key=value` -> (key, value). The value is a TOML literal; bare words are strings."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    raw = raw.strip()
    if not sep or not key:
        raise ConfigError(f"expected KEY=VALUE, got {item!r}", file=SET_SOURCE)
    if any(not part for part in key.split(".")):
        raise ConfigError("empty part in dotted key", key=key, file=SET_SOURCE)
    if not raw:
        raise ConfigError("missing value after '='", key=key, file=SET_SOURCE)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        # `--set sizing.basis=allocated` without shell-quoted TOML quotes.
        value = raw
    return key, value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge `over` onto `base`; a partial range over a single number keeps it as likely."""
    out = dict(base)
    for key, new in over.items():
        old = out.get(key)
        if isinstance(new, Mapping) and isinstance(old, Mapping):
            out[key] = merge(old, new)
        elif isinstance(new, Mapping) and _is_number(old) and set(new) <= set(RANGE_KEYS):
            out[key] = {"likely": old, **new}
        else:
            out[key] = new
    return out


def load_assumptions(
    preset: str | None = None,
    files: Sequence[str | Path] = (),
    sets: Sequence[str] = (),
) -> Assumptions:
    """Defaults, then the preset, then each file in order, then each `--set KEY=VALUE`.

    Every layer is partial. Each layer is validated as it is applied, so an error names the file
    (or `--set`) that caused it: "mine.toml, key 'sizing.comfort_factor': must be >= 1, got 0.5".

    >>> load_assumptions("conservative", sets=["finance.currency=EUR"]).finance.currency
    'EUR'
    """
    data: dict[str, Any] = default_assumptions().model_dump()
    result = default_assumptions()
    layers: list[tuple[str, dict[str, Any]]] = []
    if preset is not None:
        layers.append((f"preset {preset}", preset_data(preset)))
    layers.extend((str(path), read_file(path)) for path in files)
    for name, layer in layers:
        data = merge(data, layer)
        result = validate_assumptions(data, file=name)
    if sets:
        for item in sets:
            key, value = parse_set(item)
            update: dict[str, Any] = {}
            set_dotted(update, key, value)
            data = merge(data, update)
            result = validate_assumptions(data, file=SET_SOURCE)
    return result
