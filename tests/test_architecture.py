"""The package's shape: no import cycles, a leaf result model, renderers that only lay out."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "estimator"

# Imports inside functions that are deliberate: the result delegates to its renderers, and
# the console script registers the commands when it starts.
LAZY_IMPORTS: dict[str, set[str]] = {
    "estimator.model": {"estimator.report.jsonout", "estimator.report.atomic",
                        "estimator.report.charts", "estimator.report.html",
                        "estimator.report.excel"},
    "estimator.cli._app": {"estimator.cli"},
}
# (file, pattern) -> why a renderer may call an aggregation there.
AGGREGATION_ALLOWED: dict[tuple[str, str], str] = {}
AGGREGATIONS = ("groupby(", ".sum(", "value_counts(", ".mean(")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The estimator modules an import statement loads."""
    out: set[str] = set()
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                 for a in node.names]
    for name in names:
        if name.startswith("estimator"):
            while name not in modules and "." in name:
                name = name.rsplit(".", 1)[0]
            out.add(name)
    return out


def _imports(path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions) of one file, TYPE_CHECKING excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    lazy: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                (lazy if in_function else top).update(_targets(child, modules))
            visit(child, in_function or isinstance(child, ast.FunctionDef
                                                   | ast.AsyncFunctionDef))

    visit(tree, False)
    return top, lazy


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()
    top, lazy = {}, {}
    for name, path in modules.items():
        top[name], lazy[name] = _imports(path, modules)
        top[name].discard(name)
    return top, lazy


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_no_import_cycle() -> None:
    top, _ = _graph()
    assert _cycles(top) == []


def test_a_cycle_is_detected() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_lazy_imports_are_only_the_deliberate_ones() -> None:
    _, lazy = _graph()
    found = {m: targets for m, targets in lazy.items() if targets}
    assert found == LAZY_IMPORTS


def test_model_is_a_leaf() -> None:
    top, _ = _graph()
    assert top["estimator.model"] == set()
    # the core steps never import the orchestrator, the CLI or a renderer
    for name, targets in top.items():
        if name.split(".")[1:2] and name.split(".")[1] in (
                "planning", "costs", "uncertainty", "sizing", "fit", "packing", "scope",
                "insights", "quality", "inventory"):
            bad = {t for t in targets if t.startswith(("estimator.pipeline", "estimator.cli",
                                                       "estimator.report"))}
            assert bad == set(), (name, bad)


def test_no_renderer_imports_another_renderers_private_helpers() -> None:
    for path in (PACKAGE / "report").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "estimator.report"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert private == [], (path.name, node.module, private)


def test_renderers_do_not_aggregate_per_vm_rows() -> None:
    found = []
    for path in sorted((PACKAGE / "report").rglob("*.py")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for pattern in AGGREGATIONS:
                if pattern in code and (path.name, pattern) not in AGGREGATION_ALLOWED:
                    found.append(f"{path.name}:{i}: {line.strip()}")
    assert found == []


def test_the_scan_would_catch_an_aggregation() -> None:
    assert any(p in "x = vms.groupby('pool').size()" for p in AGGREGATIONS)
    assert re.search(r"\.sum\(", "total = frame['cost'].sum()")
