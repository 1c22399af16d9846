"""Fixtures for every test; plain helpers live in tests/shared_data.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import shared_path


@pytest.fixture
def shared_dir() -> Path:
    """The read-only ../shared folder (skips the test when it is absent)."""
    path = shared_path()
    if not path.exists():
        pytest.skip(f"shared folder not available: {path}")
    return path


@pytest.fixture
def real_data_dir(shared_dir: Path) -> Path:
    """../shared/data/real: public RVTools exports, Bitbrains traces, Alibaba cluster data."""
    return shared_dir / "data" / "real"
