"""The layering of docs/ARCHITECTURE.md, enforced by parsing imports.

A lower layer never imports a higher one, and the sandbox imports nothing from mhsync, so that it
stays an independent reading of the API contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mhsync"

LAYERS: dict[str, int] = {
    "errors": 0,
    "atomic": 0,
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
    "render": 4,
    "executor": 4,
    "export": 4,
    "workflows": 5,
    "cli": 6,
}
THIRD_PARTY_ROOMS: dict[str, set[str]] = {
    "click": {"cli"},
    "httpx": {"client", "sandbox"},
    "httpcore": {"client"},
    "ruamel": {"manifest", "config", "export", "workflows"},
    "deepdiff": {"planner"},
}


def _top(module_path: Path) -> str:
    relative = module_path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if _top(p) not in ("__init__", "__main__"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_imports(path: Path) -> None:
    owner = _top(path)
    for name in _imports(path):
        if not name.startswith("mhsync."):
            continue
        imported = name.split(".")[1]
        if owner == "sandbox":
            pytest.fail(f"sandbox must not import mhsync modules, found {name}")
        if owner in LAYERS and imported in LAYERS:
            assert LAYERS[imported] <= LAYERS[owner], f"{owner} imports higher layer {name}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_third_party_packages_stay_in_their_rooms(path: Path) -> None:
    owner = _top(path)
    for name in _imports(path):
        root = name.split(".")[0]
        if root in THIRD_PARTY_ROOMS:
            assert owner in THIRD_PARTY_ROOMS[root], f"{owner} imports {root}"
