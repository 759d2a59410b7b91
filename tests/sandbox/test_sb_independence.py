"""The sandbox is an independent reading of the contract: it imports nothing from mhsync."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import mhsync.sandbox

PACKAGE = Path(mhsync.sandbox.__file__).parent
ALLOWED_THIRD_PARTY = {"httpx"}


def _top_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_sandbox_imports_only_stdlib_and_httpx() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert files
    for path in files:
        for name in _top_level_imports(path) - {"__future__"}:
            assert name in sys.stdlib_module_names or name in ALLOWED_THIRD_PARTY, (path, name)
