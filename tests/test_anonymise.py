"""Tests for `estimator.anonymise`: stable pseudonyms everywhere, and no name in any output."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from estimator.anonymise import anonymise, anonymise_estimate
from estimator.cli import app
from estimator.errors import Problem
from estimator.inventory import FileReport, Inventory, read_inventory
from estimator.inventory.schema import HOST_SCHEMA, VM_SCHEMA, conform
from estimator.pipeline import estimate
from estimator.sample import sample_tables, write_sample

runner = CliRunner()
NAME_COLUMNS = ("name", "host", "cluster", "datacenter", "vcenter", "owner", "annotation",
                "uuid", "tags")


def _inventory() -> Inventory:
    vms = conform(pd.DataFrame({
        "vm_id": ["a", "b", "c"],
        "name": ["web01", "WEB01", "db-ora-1"],
        "source": ["acme.xlsx"] * 3,
        "vcenter": ["vc.acme.local", "vc.acme.local", "10.1.2.3"],
        "uuid": ["u1", "u2", "u3"],
        "host": ["esx1.acme.local", "ESX1.acme.local", "esx2.acme.local"],
        "cluster": ["Prod", "Prod", "Lab"],
        "datacenter": ["Berlin", "Berlin", "Berlin"],
        "owner": ["J. Smith", None, "J. Smith"],
        "annotation": ["call 555", None, None],
        "vcpus": [2.0, 4.0, 8.0],
        "memory_gib": [4.0, 8.0, 16.0],
        "environment": ["prod", "prod", "test"],
    }), VM_SCHEMA)
    hosts = conform(pd.DataFrame({
        "host": ["esx1.acme.local", "esx3.acme.local"], "source": ["acme.xlsx"] * 2,
        "cluster": ["Prod", "Spare"], "cores": [32.0, 16.0],
    }), HOST_SCHEMA)
    problem = Problem("duplicate", "VM 'web01' (vCenter vc.acme.local) on esx1 at 10.9.8.7 "
                      "was already read", file="acme.xlsx", row=4)
    files = (FileReport("acme.xlsx", "rvtools", 3, 3, (problem,)),)
    return Inventory(vms=vms, hosts=hosts, files=files, problems=(problem,))


def test_names_become_stable_numbered_pseudonyms() -> None:
    inv = _inventory()
    anon, mapping = anonymise(inv)
    v = anon.vms
    # Same name (case-insensitively) -> same pseudonym; numbering by first appearance.
    assert v["name"].tolist() == ["vm-0001", "vm-0001", "vm-0002"]
    assert v["host"].tolist() == ["host-001", "host-001", "host-002"]
    assert anon.hosts["host"].tolist() == ["host-001", "host-003"]
    assert v["cluster"].tolist() == ["cluster-001", "cluster-001", "cluster-002"]
    assert anon.hosts["cluster"].tolist() == ["cluster-001", "cluster-003"]
    assert v["datacenter"].unique().tolist() == ["dc-01"]
    assert v["vcenter"].tolist() == ["vcenter-01", "vcenter-01", "vcenter-02"]
    assert v["owner"].tolist()[0] == "owner-001" and pd.isna(v["owner"].iloc[1])
    assert v["annotation"].tolist()[0] == "note-0001"
    assert v["uuid"].tolist() == ["uuid-0001", "uuid-0002", "uuid-0003"]
    assert v["vm_id"].tolist() == ["id-000001", "id-000002", "id-000003"]
    assert v["source"].unique().tolist() == ["inventory-1.xlsx"]
    # Numbers and categories are untouched.
    assert v["vcpus"].tolist() == [2.0, 4.0, 8.0]
    assert v["environment"].tolist() == ["prod", "prod", "test"]
    # The input is not modified (pure function).
    assert inv.vms["name"].tolist() == ["web01", "WEB01", "db-ora-1"]
    rows = set(map(tuple, mapping.to_numpy().tolist()))
    assert ("vm", "web01", "vm-0001") in rows
    assert ("host", "esx3.acme.local", "host-003") in rows
    assert ("file", "acme.xlsx", "inventory-1.xlsx") in rows
    assert list(mapping.columns) == ["kind", "original", "pseudonym"]


def test_problem_messages_and_file_names_are_scrubbed() -> None:
    anon, mapping = anonymise(_inventory())
    [p] = anon.problems
    assert p.message == ("VM 'vm-0001' (vCenter vcenter-01) on host-001 at ip-001 was already "
                         "read")
    assert p.file == "inventory-1.xlsx" and p.row == 4
    assert anon.files[0].file == "inventory-1.xlsx"
    assert anon.files[0].problems[0].message == p.message
    assert ("ip", "10.9.8.7", "ip-001") in set(map(tuple, mapping.to_numpy().tolist()))


def test_estimate_numbers_do_not_change(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "acme.xlsx", vms=50, seed=5)
    est = estimate(path, uncertainty=False)
    anon, mapping = anonymise_estimate(est)
    assert anon.summary == est.summary
    assert anon.name == "inventory-1" and anon.inputs == ("inventory-1.xlsx",)
    assert anon.vms["name"].str.fullmatch(r"vm-\d{4}").all()
    assert anon.vms["annual_savings"].equals(est.vms["annual_savings"])
    assert not set(est.vms["name"]) & set(anon.vms["name"])
    assert set(mapping["kind"]) >= {"vm", "host", "cluster", "datacenter", "vcenter", "file"}
    again, mapping2 = anonymise_estimate(est)
    assert again.vms["name"].equals(anon.vms["name"]) and mapping2.equals(mapping)


def _originals(*paths: Path) -> set[str]:
    inv = read_inventory(list(paths))
    found: set[str] = {p.stem for p in paths}
    for frame in (inv.vms, inv.hosts):
        for col in NAME_COLUMNS:
            if col in frame.columns:
                found |= {str(v) for v in frame[col].dropna().unique() if len(str(v)) >= 4}
    return found


def _xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def _write_estate(path: Path) -> Path:
    """A sample export whose owners and datacenters are not words the report itself uses
    (the sample's owners are team names like 'Security', which the report text contains)."""
    tables = sample_tables(60, 8)
    tables["vInfo"]["Owner"] = tables["vInfo"]["Owner"] + " Dept"
    for sheet in ("vInfo", "vHost"):
        tables[sheet]["Datacenter"] = tables[sheet]["Datacenter"] + " Campus"
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path) as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def test_no_original_name_appears_in_any_output(tmp_path: Path) -> None:
    first = _write_estate(tmp_path / "in" / "AcmeBank-prod.xlsx")
    # A copy of the same export: every VM is a duplicate, whose problem message names it.
    second = tmp_path / "in" / "AcmeBank-copy.xlsx"
    shutil.copy(first, second)
    out = tmp_path / "out"
    mapping = tmp_path / "private" / "names.csv"
    result = runner.invoke(app, ["estimate", str(first), str(second), "--anonymise", "-o",
                                 str(out), "--json", str(out / "doc.json"),
                                 "--mapping-out", str(mapping)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == ["doc.json", "inventory-1-1.html", "inventory-1-1.xlsx"]
    texts = {
        "html": (out / "inventory-1-1.html").read_text(encoding="utf-8"),
        "xlsx": _xlsx_text(out / "inventory-1-1.xlsx"),
        "json": (out / "doc.json").read_text(encoding="utf-8"),
        "terminal": result.stdout + result.stderr,
    }
    assert "duplicate" in texts["json"]  # the scrubbed messages are there
    originals = _originals(first, second)
    assert len(originals) > 100
    for kind, text in texts.items():
        low = text.lower()
        leaks = sorted(o for o in originals if o.lower() in low)
        assert leaks == [], f"{kind} leaks {leaks[:5]}"
    assert "vm-0001" in texts["json"] + texts["xlsx"]
    # The mapping is the one local file that holds the originals.
    with mapping.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {"kind": "file", "original": "AcmeBank-prod.xlsx",
            "pseudonym": "inventory-1.xlsx"} in rows
    assert f"Wrote the pseudonym mapping to {mapping}" in " ".join(result.stderr.split())


@pytest.mark.parametrize("kind", ["name", "host"])
def test_blank_values_stay_blank(kind: str) -> None:
    inv = _inventory()
    vms = inv.vms.copy()
    vms.loc[0, kind] = pd.NA
    anon, _ = anonymise(dataclasses.replace(inv, vms=vms))
    assert pd.isna(anon.vms.loc[0, kind])
