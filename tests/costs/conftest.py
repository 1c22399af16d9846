"""Fixtures for the cost model: settings and values with the agreed key names and defaults."""

from __future__ import annotations

import pytest
from cost_helpers import VALUES, make_settings

from estimator.assumptions import Assumptions


@pytest.fixture
def settings() -> Assumptions:
    return make_settings()


@pytest.fixture
def values() -> dict[str, float]:
    return dict(VALUES)
