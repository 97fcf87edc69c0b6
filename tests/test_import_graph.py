"""The import graph of `loader` and `simulator`: no cycles, and the simulator apart.

The graph is read from the source with `ast` (every `import` and `from ... import`, at any
depth, including those inside functions), so a cycle hidden behind a function-level import is
found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("loader", "simulator")
# The only loader module the simulator may import: the published export contract.
CONTRACT = "loader.schema"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Dotted names a module imports (`from a import b` gives `a.b` and `a`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def build_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of `packages` it imports."""
    sources = {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for module, path in sources.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        names = imported_names(tree, module, path.name == "__init__.py")
        graph[module] = {name for name in names if name in sources and name != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return build_graph(ROOT, PACKAGES)


def test_the_graph_sees_the_packages(graph):
    assert "loader.cli.commands" in graph["loader.cli.main"]
    assert CONTRACT in graph["simulator.generator"]


def test_no_import_cycle(graph):
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_simulator_imports_only_the_export_contract_from_the_loader(graph):
    reached = {
        (module, target)
        for module, targets in graph.items()
        if module.split(".")[0] == "simulator"
        for target in targets
        if target.split(".")[0] == "loader" and target != CONTRACT
    }
    assert not reached, f"the simulator imports loader modules beyond {CONTRACT}: {reached}"


def test_the_contract_imports_nothing_from_the_loader(graph):
    assert not graph[CONTRACT], f"{CONTRACT} imports {graph[CONTRACT]}"


def test_a_cycle_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import x\n")
    (package / "b.py").write_text("def f():\n    from pkg import a\n")
    cycle = find_cycle(build_graph(tmp_path, ("pkg",)))
    assert cycle == ["pkg.a", "pkg.b", "pkg.a"]
