"""Field paths (``Change.secrets``/``sensitive``, ``FieldChange.path``, descriptor ``sensitive``
paths, state paths) are parsed and formatted by ``mhsync.fieldpath`` only.

Five modules used to split and join the text themselves, each a little differently (a key
holding a dot became two keys on its way to the API). This test finds hand-made dotted paths:
``.split(".")``, ``.partition(".")``, ``".".join(...)``, ``x + "."`` and f-strings that put a
``.`` between two values. Modules whose dotted text is not a field path are listed with why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mhsync"

NOT_FIELD_PATHS: dict[str, str] = {
    "fieldpath.py": "the one parse and format",
    "manifest/parse.py": "manifest locations (spec.x) in messages, user syntax",
    "manifest/scoping.py": "manifest locations (spec.x), user syntax",
    "manifest/merge.py": "fragment merge locations, user syntax",
    "manifest/discover.py": "file names",
    "planner/ignore.py": "metadata.ignore paths (user syntax); their walks are state's",
    "planner/api_calls.py": "change addresses (agent[h].section), not field paths",
    "roundtrip.py": "doctor round-trip findings (display paths with [i])",
    "render/drift.py": "drift subjects (display)",
    "render/drift_text.py": "file names",
    "render/text.py": "prose",
    "manifest/schema.py": "JSON Schema definitions",
}
"""Relative module path -> why its dotted text is not a field path."""


def _hand_made_paths(tree: ast.AST) -> list[int]:
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            first = node.args[0] if node.args else None
            dot = isinstance(first, ast.Constant) and first.value == "."
            if node.func.attr in ("split", "rsplit", "partition", "rpartition") and dot:
                lines.append(node.lineno)
            owner = node.func.value
            if node.func.attr == "join" and isinstance(owner, ast.Constant) and owner.value == ".":
                lines.append(node.lineno)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and side.value == ".":
                    lines.append(node.lineno)
        elif isinstance(node, ast.JoinedStr):
            values = node.values
            for before, middle, after in zip(values, values[1:], values[2:], strict=False):
                if (
                    isinstance(middle, ast.Constant)
                    and middle.value == "."
                    and isinstance(before, ast.FormattedValue)
                    and isinstance(after, ast.FormattedValue)
                ):
                    lines.append(node.lineno)
    return sorted(set(lines))


SOURCES = sorted(
    p
    for p in PACKAGE.rglob("*.py")
    if "sandbox" not in p.relative_to(PACKAGE).parts
    and str(p.relative_to(PACKAGE)) not in NOT_FIELD_PATHS
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_hand_made_field_paths(path: Path) -> None:
    found = _hand_made_paths(ast.parse(path.read_text(encoding="utf-8")))
    assert not found, f"{path.relative_to(PACKAGE)} splits or joins dotted paths at lines {found}"


def test_the_detector_sees_each_spelling() -> None:
    source = 'a.split(".")\nb.partition(".")\n".".join(c)\nd + "."\nf"{e}.{f}"\n'
    prose = 'ok = f"{g}.x" + a.split("/") + f"Done {h}."\n'
    assert _hand_made_paths(ast.parse(source + prose)) == [1, 2, 3, 4, 5]
