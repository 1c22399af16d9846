"""The readers give the same estate as the committed snapshots (see `golden.py`).

The snapshots were written by the readers before they moved to Arrow (fastexcel, pyarrow);
this test holds the new readers to the same values, problems and row order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from golden import CASES, differences, load, snapshot


def _row_blank_in_the_columns_read(snap: dict[str, Any]) -> None:
    """quirks-rvtools.xlsx vInfo row 10 holds only a blank name and a Folder, a column the
    RVTools reader does not read: it is now a blank row under the data, not a row without a
    VM name."""
    quirks = snap["files"][0]
    quirks["rows_read"] -= 1
    quirks["problems"] = [p for p in quirks["problems"]
                          if (p["row"], p["message"]) != (10, "row dropped: no VM name")]


# Differences the new readers make on purpose: case -> edits of the old snapshot.
ACCEPTED: dict[str, list[Callable[[dict[str, Any]], None]]] = {
    "quirks-rvtools": [_row_blank_in_the_columns_read],
    "merged": [_row_blank_in_the_columns_read],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_readers_match_the_snapshot(name: str) -> None:
    expected = load(name)
    assert expected is not None, f"no snapshot for {name}: run python tests/inventory/golden.py"
    actual = snapshot(CASES[name])
    if actual is None:
        pytest.skip(f"input of {name} not available")
    for edit in ACCEPTED.get(name, []):
        edit(expected)
    found = list(differences(expected, actual))
    assert not found, "\n".join(found[:20])
