"""Fixtures for the cost model: settings and values with the agreed key names and defaults."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from cost_helpers import VALUES, make_settings


@pytest.fixture
def settings() -> SimpleNamespace:
    return make_settings()


@pytest.fixture
def values() -> dict[str, float]:
    return dict(VALUES)
