"""The layers point down only: a module imports its own layer's packages or lower ones, never
higher, and packages import each other without cycles (docs/architecture.md, "Layers").

Every import counts, including those inside functions (deferred for start-up time) and under
`TYPE_CHECKING`: a deferred import upward is still an upward dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = ("tracker", "scheduler", "charts")

# Lowest first. A module belongs to the longest package prefix listed.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        (
            "tracker",
            "tracker.errors",
            "tracker.models",
            "tracker.timeutil",
            "tracker.storefronts",
            "tracker.runtime",
            "tracker.atomic",
            "tracker.metrics",
            "tracker.text",
        ),
    ),
    ("config", ("tracker.config",)),
    ("fetch", ("tracker.fetch",)),
    ("store", ("tracker.store",)),
    ("query", ("tracker.query",)),
    ("outputs", ("charts", "tracker.files", "tracker.alerts", "tracker.web")),
    ("services", ("tracker.simulate", "tracker.demo", "scheduler")),
    ("cli", ("tracker.cli", "tracker.__main__")),
)


def package_of(module: str) -> str:
    """The LAYERS entry a module falls under (the longest matching prefix)."""
    best = ""
    for _, packages in LAYERS:
        for package in packages:
            if (module == package or module.startswith(package + ".")) and len(package) > len(best):
                best = package
    if not best:
        raise LookupError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")
    return best


def rank_of(package: str) -> int:
    for rank, (_, packages) in enumerate(LAYERS):
        if package in packages:
            return rank
    raise LookupError(package)


def module_names(root: Path) -> dict[str, Path]:
    names: dict[str, Path] = {}
    for top in TOP:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names[".".join(parts)] = path
    return names


def imports_of(module: str, path: Path) -> Iterator[str]:
    """Every project module `module` imports, by absolute name (relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            targets = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in TOP:
                yield target


def known(target: str, modules: Iterable[str]) -> str | None:
    """The longest prefix of `target` that is a module (`from a.b import name` names a.b)."""
    names = set(modules)
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in names:
            return candidate
    return None


def package_edges(root: Path) -> dict[tuple[str, str], list[str]]:
    """(importer's package, imported package) -> the module imports behind that edge."""
    modules = module_names(root)
    edges: dict[tuple[str, str], list[str]] = {}
    for module, path in modules.items():
        if ".migrations.versions." in module:
            continue
        for target in imports_of(module, path):
            imported = known(target, modules)
            if imported is None or imported == module:
                continue
            source, dest = package_of(module), package_of(imported)
            if source != dest:
                edges.setdefault((source, dest), []).append(f"{module} -> {imported}")
    return edges


def upward(edges: dict[tuple[str, str], list[str]]) -> list[str]:
    found = []
    for (source, dest), why in sorted(edges.items()):
        if rank_of(dest) > rank_of(source):
            found.extend(sorted(set(why)))
    return found


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Package cycles (each as a path), by depth-first search over the package graph."""
    graph: dict[str, set[str]] = {}
    for source, dest in edges:
        graph.setdefault(source, set()).add(dest)
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_module_imports_a_higher_layer() -> None:
    assert upward(package_edges(ROOT)) == []


def test_packages_import_each_other_without_cycles() -> None:
    assert cycles(package_edges(ROOT)) == []


def test_every_module_is_in_a_layer() -> None:
    for module in module_names(ROOT):
        package_of(module)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    # The rule's own check: a synthetic tree with one import from the store up to the CLI
    # (deferred inside a function, relative) and a cycle between two packages of one layer.
    write(
        tmp_path,
        {
            "tracker/__init__.py": "",
            "tracker/store/__init__.py": "",
            "tracker/store/engine.py": "def f():\n    from ..cli import main\n",
            "tracker/cli/__init__.py": "main = 1\n",
            "tracker/files/__init__.py": "",
            "tracker/files/export.py": "import tracker.alerts.rules\n",
            "tracker/alerts/__init__.py": "",
            "tracker/alerts/rules.py": "from tracker.files import export\n",
            "scheduler/__init__.py": "",
            "charts/__init__.py": "",
        },
    )
    edges = package_edges(tmp_path)
    assert upward(edges) == ["tracker.store.engine -> tracker.cli"]
    assert cycles(edges) == [["tracker.alerts", "tracker.files", "tracker.alerts"]]


def test_a_module_outside_every_layer_is_named() -> None:
    with pytest.raises(LookupError, match=r"^elsewhere\.x is in no layer: add it to LAYERS"):
        package_of("elsewhere.x")


def test_tracker_holds_at_most_eight_modules_directly() -> None:
    # A newcomer finds each path by folder name (docs/architecture.md, "Packages"): the modules
    # directly in tracker/ are the foundation every layer shares, and few.
    direct = sorted(
        p.stem for p in (ROOT / "tracker").glob("*.py") if p.stem not in ("__init__", "__main__")
    )
    assert direct == ["atomic", "errors", "metrics", "models", "runtime", "storefronts", "timeutil"]
