"""API paths are spelt in one module, ``mhsync/sections/api_paths.py``.

Everything else builds its paths with that module's functions, so a path the real service
spells differently is corrected in one place. Besides it, only the descriptor table holds path
text (each section's path below its agent, as data), and the sandbox keeps its own routes: it
imports nothing from mhsync, being an independent reading of the contract.

An API path literal is any string constant, f-string parts included, that starts with ``/``
and a letter or ``{`` (``"/agents"``, ``f"/agents/{uuid}"``, ``"/webhooks/"``, ``"/{uuid}"``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mhsync"
ALLOWED = {
    Path("sections/api_paths.py"),  # the one module that spells paths
    Path("sections/table.py"),  # each section's path below its agent, as data
}
PATH_TEXT = re.compile(r"^/[A-Za-z{]")
SOURCES = sorted(
    p
    for p in PACKAGE.rglob("*.py")
    if p.relative_to(PACKAGE).parts[0] != "sandbox" and p.relative_to(PACKAGE) not in ALLOWED
)


def path_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every API path literal in ``source``."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and PATH_TEXT.match(node.value)
    ]


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('client.get("/agents")', ["/agents"]),
        ('path = f"/agents/{uuid}"', ["/agents/"]),
        ('path = f"{base}/webhooks/{uuid}"', ["/webhooks/"]),
        ('template = base + "/{uuid}"', ["/{uuid}"]),
        ('"POST /agents got no answer"', []),
        ('url.rstrip("/")', []),
    ],
    ids=["plain", "f-string-start", "f-string-middle", "template", "prose", "slash"],
)
def test_what_counts_as_a_path_literal(source: str, found: list[str]) -> None:
    assert [text for _, text in path_literals(source)] == found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_but_api_paths_spells_an_api_path(path: Path) -> None:
    found = path_literals(path.read_text(encoding="utf-8"))
    where = ", ".join(f"line {line}: {text!r}" for line, text in found)
    assert not found, (
        f"{path.relative_to(PACKAGE)} spells API paths ({where}); "
        "build them with mhsync.sections.api_paths"
    )
