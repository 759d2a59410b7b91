"""Diagnostics are matched to their agent's document by bisection, not by scanning every agent.

One file of many agent documents, each with a problem: narrowing to one agent must hide the
others' problems exactly as before, and look at a bounded number of spans per diagnostic (the
scan over every span for every diagnostic made ``scope`` quadratic in agents).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mhsync.manifest import scoping
from mhsync.manifest.loader import load_manifests
from mhsync.selection import Selection

AGENTS = 60


def _document(index: int) -> str:
    return (
        "apiVersion: mhsync/v1\nkind: Agent\n"
        f"metadata:\n  name: agent-{index:03d}\n"
        f"spec:\n  name: Agent {index}\n  rol: typo {index}\n"
    )


def test_each_problem_goes_to_its_own_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "agents.yaml"
    path.write_text("---\n".join(_document(i) for i in range(AGENTS)), encoding="utf-8")
    result = load_manifests([path], check_env=False)
    errors = [d for d in result.diagnostics if d.is_error]
    assert len(errors) == AGENTS
    checked: list[int] = []
    holds = scoping._Span.holds

    def counting(span: scoping._Span, diagnostic: object) -> bool:
        checked.append(1)
        return holds(span, diagnostic)  # type: ignore[arg-type]

    monkeypatch.setattr(scoping._Span, "holds", counting)
    scoped = scoping.scope(result, Selection.parse(["agent-007"]))
    kept = [d for d in scoped.result.diagnostics if d.is_error]
    assert [(d.line, d.path) for d in kept] == [(7 + 8 * 7, "spec.rol")]  # 7 lines + `---` each
    assert scoped.hidden == len(result.diagnostics) - len(scoped.result.diagnostics)
    assert scoped.broken == frozenset(f"agent-{i:03d}" for i in range(AGENTS) if i != 7)
    assert len(checked) <= len(result.diagnostics)
