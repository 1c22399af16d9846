"""The readers give the same estate as the committed snapshots (see `golden.py`).

The snapshots were written by the readers before they moved to Arrow (fastexcel, pyarrow);
this test holds the new readers to the same values, problems and row order.
"""

from __future__ import annotations

import pytest
from golden import CASES, differences, load, snapshot

# Differences the Arrow readers make on purpose: case -> {snapshot path: why}.
ACCEPTED: dict[str, dict[str, str]] = {}


@pytest.mark.parametrize("name", sorted(CASES))
def test_readers_match_the_snapshot(name: str) -> None:
    expected = load(name)
    assert expected is not None, f"no snapshot for {name}: run python tests/inventory/golden.py"
    actual = snapshot(CASES[name])
    if actual is None:
        pytest.skip(f"input of {name} not available")
    accepted = ACCEPTED.get(name, {})
    found = [d for d in differences(expected, actual)
             if not any(d.startswith(path) for path in accepted)]
    assert not found, "\n".join(found[:20])
