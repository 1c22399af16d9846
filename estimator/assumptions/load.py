"""Loading assumptions: defaults < preset < files (in order) < `--set key=value`."""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
PLATFORMS: tuple[str, ...] = ("openshift-bare-metal", "kubernetes-bare-metal",
                              "vsphere-kubernetes", "managed-cloud", "vms-rightsized")
DEFAULT_PLATFORM = "openshift-bare-metal"
SET_SOURCE = "--set"


@dataclass(frozen=True)
class PlatformInfo:
    """One target-platform archetype: a coherent bundle of assumptions (data file)."""

    name: str
    description: str
    nodes_on: str  # "bare-metal", "vsphere", "cloud" or "vms"
    subscription: bool

# Old spellings (with the currency in the name) that still load, dotted old -> new. Node-type
# keys are renamed by their last part (`platform.node_types.<type>.annual_cost_usd`).
RENAMED: dict[str, str] = {
    "platform.subscription_usd_per_core_year": "platform.subscription_per_core_year",
    "platform.subscription_usd_per_node_year": "platform.subscription_per_node_year",
    "platform.control_plane_usd_per_year": "platform.control_plane_per_cluster_year",
    "platform.security_tooling_usd_per_node_year": "platform.security_tooling_per_node_year",
    "current.host_price_usd": "current.host_price",
    "current.hypervisor_usd_per_core_year": "current.hypervisor_per_core_year",
    "current.power_cooling_usd_per_host_year": "current.power_cooling_per_host_year",
    "licences.windows_standard_usd_per_16_cores": "licences.windows_standard_per_16_cores",
    "licences.windows_datacenter_usd_per_16_cores": "licences.windows_datacenter_per_16_cores",
    "licences.rhel_usd_per_year": "licences.rhel_per_subscription_year",
    "licences.node_linux_usd_per_node_year": "licences.node_linux_per_node_year",
    "operations.labour_usd_per_hour": "operations.labour_per_hour",
    "operations.agent_usd_per_os_year": "operations.agent_per_os_year",
    "backup.licence_usd_per_workload_year": "backup.licence_per_workload_year",
    "backup.storage_usd_per_gb_month": "backup.storage_per_gb_month",
    "backup.after_licence_usd_per_unit_year": "backup.after_licence_per_unit_year",
    "migration.labour_usd_per_hour": "migration.labour_per_hour",
}
RENAMED_NODE_FIELDS: dict[str, str] = {"annual_cost_usd": "hardware_per_node_year"}


class RenamedKeyWarning(FutureWarning):
    """An assumption key was given in an old spelling; it still loads under its new name."""


def new_key(key: str) -> str:
    """The current spelling of a dotted key (the key itself when it was never renamed)."""
    if key in RENAMED:
        return RENAMED[key]
    parts = key.split(".")
    if len(parts) == 4 and parts[:2] == ["platform", "node_types"] and \
            parts[3] in RENAMED_NODE_FIELDS:
        return ".".join([*parts[:3], RENAMED_NODE_FIELDS[parts[3]]])
    return key


def _renamed(layer: Mapping[str, Any], source: str, prefix: str = "") -> dict[str, Any]:
    """`layer` with old key spellings moved to their new names, each with a warning."""
    out: dict[str, Any] = {}
    for key, value in layer.items():
        dotted = f"{prefix}{key}"
        new = new_key(dotted)
        if new != dotted:
            warnings.warn(f"{source}: key {dotted!r} is now {new!r} (the old spelling still "
                          "loads; please rename it)", RenamedKeyWarning, stacklevel=4)
            key = new.rsplit(".", 1)[1]
        out[key] = (_renamed(value, source, f"{dotted}.") if isinstance(value, Mapping)
                    else value)
    return out


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


def platform_text(name: str) -> str:
    """The data file of a platform archetype, as written (comments give the sources)."""
    if name not in PLATFORMS:
        raise ConfigError(
            f"unknown platform {name!r} (choose from {', '.join(PLATFORMS)})", key="platform")
    resource = resources.files("estimator").joinpath("data", "platforms", f"{name}.toml")
    return resource.read_text(encoding="utf-8")


def _platform_toml(name: str) -> dict[str, Any]:
    return _parse_toml(platform_text(name), file=f"platform {name}")


def platform_data(name: str) -> dict[str, Any]:
    """The partial assumptions of a platform archetype (its data file without `[meta]`)."""
    data = _platform_toml(name)
    data.pop("meta", None)
    return data


def platforms() -> list[PlatformInfo]:
    """Every platform archetype with its description, in report order."""
    out = []
    for name in PLATFORMS:
        meta = _platform_toml(name).get("meta", {})
        out.append(PlatformInfo(name=name, description=str(meta.get("description", "")),
                                nodes_on=str(meta.get("nodes_on", "")),
                                subscription=bool(meta.get("subscription", False))))
    return out


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
    *,
    platform: str | None = None,
) -> Assumptions:
    """Defaults, then the platform archetype, then the preset, then each file in order, then
    each `--set KEY=VALUE`.

    Every layer is partial. Each layer is validated as it is applied, so an error names the file
    (or `--set`) that caused it: "mine.toml, key 'sizing.comfort_factor': must be >= 1, got 0.5".

    >>> load_assumptions("conservative", sets=["finance.currency=EUR"]).finance.currency
    'EUR'
    """
    data: dict[str, Any] = default_assumptions().model_dump()
    result = default_assumptions()
    layers: list[tuple[str, dict[str, Any]]] = []
    if platform is not None:
        layers.append((f"platform {platform}", platform_data(platform)))
    if preset is not None:
        layers.append((f"preset {preset}", preset_data(preset)))
    layers.extend((str(path), read_file(path)) for path in files)
    for name, layer in layers:
        data = merge(data, _renamed(layer, name))
        result = validate_assumptions(data, file=name)
    if sets:
        for item in sets:
            key, value = parse_set(item)
            new = new_key(key)
            if new != key:
                warnings.warn(f"--set: key {key!r} is now {new!r} (the old spelling still "
                              "loads; please rename it)", RenamedKeyWarning, stacklevel=2)
                key = new
            update: dict[str, Any] = {}
            set_dotted(update, key, value)
            data = merge(data, update)
            result = validate_assumptions(data, file=SET_SOURCE)
    return result
