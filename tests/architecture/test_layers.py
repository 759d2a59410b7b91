"""The layering of docs/ARCHITECTURE.md, enforced by parsing imports.

A lower layer never imports a higher one, the sandbox imports nothing from mhsync (so that it
stays an independent reading of the API contract), no two modules import each other through any
chain, and every top-level module or package of mhsync has a row in the layer table, so a new
one cannot slip past the rule by not being listed.

How the import graph is built (a module is one file; ``pkg/__init__.py`` is the module ``pkg``):

- Relative imports are resolved against the importing file's package, like absolute ones; a
  relative import that climbs out of the package is itself a finding.
- ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``
  (``pkg/__init__.py``, which re-exports ``name``). Importing ``pkg.sub`` also runs
  ``pkg/__init__.py``, but that implicit edge is not counted: every ``__init__`` that
  re-exports its package would otherwise form a cycle with each module of the package that
  imports a sibling. An explicit import of the package is counted.
- Imports inside functions count, and so do ``if TYPE_CHECKING:`` imports, both for layers and
  for cycles. A lazy import (the CLI's, for start-up speed) defers the cost of loading a module,
  not the dependency on it: the importing code still needs the other module's names and breaks
  when they move. A ``TYPE_CHECKING`` import is a dependency of the type checker and of the
  reader; it is how a cycle is hidden, not removed (the validate use-case, once in
  ``manifest/``, and the client's former ``ClientSettings`` hid theirs behind both kinds). A
  cycle is a design fault whether Python survives it at import time or not, so the rule is the
  simple one: every import is an edge.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "mhsync"
ARCHITECTURE = REPO / "docs" / "ARCHITECTURE.md"

LAYERS: dict[str, int] = {
    "__init__": 0,
    "errors": 0,
    "atomic": 0,
    "fieldpath": 0,
    "sections": 1,
    "state": 2,
    "convert": 2,
    "plan": 2,
    "client": 2,
    "manifest": 3,
    "config": 3,
    "workspace": 3,
    "live": 3,
    "matching": 3,
    "selection": 3,
    "planner": 3,
    "roundtrip": 3,
    "render": 4,
    "executor": 4,
    "export": 4,
    "workflows": 5,
    "cli": 6,
    "__main__": 6,
}
"""Top-level module or package of mhsync -> its layer (``__init__``: the package's own file)."""
INDEPENDENT = frozenset({"sandbox"})
"""Top-level packages that import nothing from mhsync."""

THIRD_PARTY_ROOMS: dict[str, set[str]] = {
    "click": {"cli"},
    "httpx": {"client", "sandbox"},
    "httpcore": {"client"},
    "ruamel": {"manifest", "config", "export", "workflows"},
    "deepdiff": {"planner"},
}


# --- the checker --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    target: str
    """The imported name, resolved to an absolute dotted name."""
    line: int


@dataclass
class Graph:
    """The modules of one package and the imports between them."""

    package_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    """Dotted module name -> its file."""
    imports: dict[str, list[Import]] = field(default_factory=dict)
    """Dotted module name -> every import it makes, third-party ones included."""
    problems: list[str] = field(default_factory=list)
    """Imports that cannot be resolved (a relative import above the package)."""

    def edges(self, module: str) -> set[str]:
        """The modules of this package that ``module`` imports."""
        return {t for t in (self.owner(i.target) for i in self.imports[module]) if t}

    def top_edges(self, top: str) -> set[str]:
        """The other top-level entries (layer-table keys) that the modules of ``top`` import."""
        return {
            self.top(target)
            for module in self.imports
            if self.top(module) == top
            for target in self.edges(module)
        } - {top}

    def owner(self, name: str) -> str | None:
        """The module of this package a name lives in (``pkg.mod.attr`` -> ``pkg.mod``)."""
        while name:
            if name in self.files:
                return name
            name = name.rpartition(".")[0]
        return None

    @property
    def package(self) -> str:
        return self.package_dir.name

    def top(self, module: str) -> str:
        """The top-level entry of the package ``module`` belongs to (its layer-table key)."""
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else "__init__"

    def location(self, module: str, line: int) -> str:
        return f"{self.package}/{self.files[module].relative_to(self.package_dir)}:{line}"


def module_name(package_dir: Path, path: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def build_graph(package_dir: Path) -> Graph:
    graph = Graph(package_dir)
    for path in sorted(package_dir.rglob("*.py")):
        graph.files[module_name(package_dir, path)] = path
    for name, path in graph.files.items():
        is_package = path.name == "__init__.py"
        graph.imports[name] = list(_imports(graph, name, path, is_package))
    return graph


def _imports(graph: Graph, module: str, path: Path, is_package: bool) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    own_package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno)
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            anchor = own_package.split(".")
            if node.level - 1 >= len(anchor):
                where = graph.location(module, node.lineno)
                graph.problems.append(f"{where}: relative import climbs out of {graph.package}")
                continue
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            if alias.name == "*":
                yield Import(base, node.lineno)
            else:
                yield Import(f"{base}.{alias.name}", node.lineno)


def unlisted(graph: Graph, layers: Mapping[str, int], independent: frozenset[str]) -> list[str]:
    """Top-level modules and packages missing from the layer table, and rows naming nothing."""
    known = set(layers) | independent
    present = {graph.top(m) for m in graph.files}
    found = [f"{graph.package}.{t} is not in the layer table" for t in sorted(present - known)]
    found += [f"the layer table lists {t}, which does not exist" for t in sorted(known - present)]
    return found


def layer_violations(
    graph: Graph, layers: Mapping[str, int], independent: frozenset[str]
) -> list[str]:
    """Imports of a higher layer, and any import of the rest of the package from an independent
    one (the others may import an independent package: the CLI starts the sandbox)."""
    found: list[str] = []
    for module, imports in graph.imports.items():
        owner = graph.top(module)
        for imported in imports:
            target = graph.owner(imported.target)
            if target is None:
                continue
            other = graph.top(target)
            where = graph.location(module, imported.line)
            if owner in independent and other != owner:
                found.append(f"{where}: {owner} must not import {graph.package}, found {target}")
            elif owner in layers and other in layers and layers[other] > layers[owner]:
                found.append(
                    f"{where}: {owner} (layer {layers[owner]}) imports {target} "
                    f"(layer {layers[other]})"
                )
    return found


def cycles(graph: Graph) -> list[str]:
    """One named cycle per group of modules that import each other (``a -> b -> a``)."""
    return _cycles(sorted(graph.imports), graph.edges)


def package_cycles(graph: Graph) -> list[str]:
    """The same between the layer table's entries: ``config`` -> ``manifest`` -> ``config`` is a
    cycle even when no two files import each other, and the layer rule cannot see it when both
    share a layer."""
    return _cycles(sorted({graph.top(m) for m in graph.files}), graph.top_edges)


def _cycles(nodes: list[str], edges: Callable[[str], set[str]]) -> list[str]:
    found: list[str] = []
    for component in _strongly_connected(nodes, edges):
        start = min(component)
        if len(component) == 1 and start not in edges(start):
            continue
        found.append(" -> ".join(_shortest_cycle(edges, start, component)))
    return sorted(found)


def _strongly_connected(nodes: list[str], edges: Callable[[str], set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on a deep package)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter(sorted(edges(root)))))
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _shortest_cycle(edges: Callable[[str], set[str]], start: str, within: set[str]) -> list[str]:
    """The shortest path ``start -> ... -> start`` through ``within`` (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(edges(node) & within):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a cycle but none was found")


def check(
    package_dir: Path, layers: Mapping[str, int], independent: frozenset[str] = frozenset()
) -> list[str]:
    """Every finding of the layer rule for the package at ``package_dir``."""
    graph = build_graph(package_dir)
    return [
        *graph.problems,
        *unlisted(graph, layers, independent),
        *layer_violations(graph, layers, independent),
        *(f"import cycle: {cycle}" for cycle in cycles(graph)),
        *(f"import cycle between packages: {cycle}" for cycle in package_cycles(graph)),
    ]


# --- mhsync itself ------------------------------------------------------------------------------


GRAPH = build_graph(PACKAGE)


def test_every_module_is_in_the_layer_table() -> None:
    assert unlisted(GRAPH, LAYERS, INDEPENDENT) == []


def test_no_relative_import_leaves_the_package() -> None:
    assert GRAPH.problems == []


def test_no_upward_imports() -> None:
    assert layer_violations(GRAPH, LAYERS, INDEPENDENT) == []


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_no_import_cycles_between_packages() -> None:
    assert package_cycles(GRAPH) == []


@pytest.mark.parametrize("module", sorted(GRAPH.imports))
def test_third_party_packages_stay_in_their_rooms(module: str) -> None:
    owner = GRAPH.top(module)
    for imported in GRAPH.imports[module]:
        root = imported.target.split(".")[0]
        if root in THIRD_PARTY_ROOMS:
            assert owner in THIRD_PARTY_ROOMS[root], f"{module} imports {root}"


def _documented_layers() -> tuple[dict[str, int], frozenset[str]]:
    """The layer table of docs/ARCHITECTURE.md: ``| 3 | `manifest`, `config` (...) |`` rows."""
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## Layers", 1)[1].split("\n## ")[0]
    layers: dict[str, int] = {}
    independent: set[str] = set()
    for row in re.findall(r"^\| *(\d+|-) *\|(.*)\|$", section, flags=re.MULTILINE):
        level, cells = row
        for name in re.findall(r"`([\w.]+)`", re.sub(r"\([^)]*\)", "", cells)):
            if level == "-":
                independent.add(name)
            else:
                layers[name] = int(level)
    return layers, frozenset(independent)


def test_the_documented_table_is_the_tested_one() -> None:
    assert _documented_layers() == (LAYERS, INDEPENDENT)


# --- the checker fails where it should ----------------------------------------------------------


def _package(root: Path, files: Mapping[str, str]) -> Path:
    package = root / "fake"
    for name, text in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


FAKE_LAYERS = {"__init__": 0, "low": 0, "mid": 1, "high": 2}


def test_a_clean_fake_package_passes(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "low.py": "",
            "mid/__init__.py": "from fake.mid.a import x\n",
            "mid/a.py": "from . import b\nfrom ..low import *\nx = 1\n",
            "mid/b.py": "import fake.low\n",
            "high.py": "from fake import mid\n",
        },
    )
    assert check(package, FAKE_LAYERS) == []


def test_a_cycle_is_named(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "low.py": "",
            "mid/__init__.py": "",
            "mid/a.py": "from fake.mid.b import y\n",
            "mid/b.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from .c import z\n",
            "mid/c.py": "def f():\n    from . import a\n",
            "high.py": "",
        },
    )
    assert check(package, FAKE_LAYERS) == [
        "import cycle: fake.mid.a -> fake.mid.b -> fake.mid.c -> fake.mid.a"
    ]


def test_a_module_importing_itself_through_its_package_is_a_cycle(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "low.py": "",
            "mid/__init__.py": "from fake.mid.a import x\n",
            "mid/a.py": "from fake.mid import helper\nx = 1\n",
            "mid/helper.py": "",
            "high.py": "",
        },
    )
    assert check(package, FAKE_LAYERS) == []  # ``helper`` is a module: no edge to __init__
    (package / "mid" / "a.py").write_text("from fake.mid import other\nx = 1\n", encoding="utf-8")
    assert check(package, FAKE_LAYERS) == ["import cycle: fake.mid -> fake.mid.a -> fake.mid"]


def test_a_cycle_between_packages_of_one_layer_is_named(tmp_path: Path) -> None:
    """No two files import each other, but ``left`` and ``right`` do (the layer rule lets it
    through: they share a layer)."""
    package = _package(
        tmp_path,
        {
            "left/__init__.py": "",
            "left/a.py": "from fake.right.b import y\n",
            "left/c.py": "",
            "right/__init__.py": "",
            "right/b.py": "y = 1\n",
            "right/d.py": "import fake.left.c\n",
        },
    )
    assert check(package, {"__init__": 0, "left": 1, "right": 1}) == [
        "import cycle between packages: left -> right -> left"
    ]


def test_an_unlisted_module_and_a_stale_row_are_named(tmp_path: Path) -> None:
    package = _package(tmp_path, {"low.py": "", "mid.py": "", "extra/__init__.py": ""})
    assert check(package, FAKE_LAYERS) == [
        "fake.extra is not in the layer table",
        "the layer table lists high, which does not exist",
    ]


def test_a_relative_upward_import_is_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "def f():\n    from ..high import g\n",
            "mid.py": "",
            "high.py": "x = 1\nfrom ... import outside\n",
        },
    )
    assert check(package, FAKE_LAYERS) == [
        "fake/high.py:2: relative import climbs out of fake",
        "fake/low/a.py:2: low (layer 0) imports fake.high (layer 2)",
    ]


def test_an_independent_package_imports_nothing(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "low.py": "",
            "mid.py": "",
            "high.py": "import fake.box\n",
            "box/__init__.py": "from .inner import v\n",
            "box/inner.py": "from fake import low\nv = 1\n",
        },
    )
    assert check(package, FAKE_LAYERS, frozenset({"box"})) == [
        "fake/box/inner.py:1: box must not import fake, found fake.low",
    ]
