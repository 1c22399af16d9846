"""examples/quickstart.ipynb runs top to bottom (nbclient) and shows what it promises."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOK = EXAMPLES / "quickstart.ipynb"


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec for this very interpreter, so the notebook runs in the test's environment
    (a fresh venv, or a machine whose global 'python3' kernel points elsewhere)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = tmp_path / "kernels" / "estimator-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "estimator test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert KernelSpecManager().get_kernel_spec("estimator-test").argv[0] == sys.executable
    return "estimator-test"


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        for mime in ("text/plain", "text/html"):
            parts.append(out.get("data", {}).get(mime, ""))
    return "\n".join(parts)


def test_quickstart_notebook_runs(kernel_name: str) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"  # what users' Jupyter offers
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs")
    NotebookClient(nb, kernel_name=kernel_name, timeout=600,
                   resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    by_source = {c.source.split("\n", 1)[0]: c for c in code}
    assert "800 VMs and 18 hosts read" in _text(by_source["inv = estimator.read_inventory(SAMPLE)"])
    # The Estimate shows its headline tiles as HTML in Jupyter.
    est_cell = by_source["est = estimator.estimate(inv)"]
    assert any("text/html" in o.get("data", {}) for o in est_cell.outputs)
    assert "Yearly savings P10" in _text(by_source["unc = est.uncertainty"])
    [pools] = [c for c in code if c.source.startswith("est.pools")]
    assert "windows" in _text(pools) and "linux" in _text(pools)
    assert "Container platform" in _text(by_source["est.costs"])
    fig_cell = by_source["figures = est.figures()"]
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in fig_cell.outputs)
    compare = _text(code[-1])
    assert "comfort 1.8" in compare and "nodes" in compare
