"""A legacy .xls is parsed in a child process: a reader that aborts becomes one InputError."""

import os
from pathlib import Path

import pytest

from estimator.errors import InputError
from estimator.inventory import read_inventory, workbook

LEGACY = Path(__file__).resolve().parents[1] / "data" / "bad" / "legacy.xls"


def test_legacy_xls_still_reads_through_the_child() -> None:
    inv = read_inventory(LEGACY)
    assert sorted(inv.vms["name"]) == ["vm001", "vm002", "vm003"]


def test_reader_abort_in_the_child_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def abort(*_args: object, **_kwargs: object) -> None:
        os.abort()  # what a Rust allocation failure inside calamine does

    monkeypatch.setattr(workbook, "load_cells", abort)
    with pytest.raises(InputError, match=r"legacy\.xls: the legacy \.xls reader failed"):
        read_inventory(LEGACY)


def test_reader_errors_in_the_child_keep_their_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InputError("70000 rows, above the 10 row limit", file="legacy.xls", sheet="vInfo")

    monkeypatch.setattr(workbook, "load_cells", refuse)
    with pytest.raises(InputError, match=r"^legacy\.xls, sheet 'vInfo': 70000 rows"):
        read_inventory(LEGACY)
