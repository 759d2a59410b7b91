"""A saved plan runs only what its changes say, and only if this mhsync reads its format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import mhsync.workflows.apply as apply_workflow
from mhsync.state import Item, WorkspaceState

from .conftest import Project
from .test_plan_apply import live_agent


def _tone_plan(project: Project, mh: Any, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """Apply the examples, change one tone, save the plan: one ``~ tone`` change."""
    assert mh("apply", "agents", "--auto-approve").code == 0
    manifest = project.root / "agents" / "volvo-parts.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("tone: Knowledgeable and helpful", "tone: Brisk"), "utf-8")
    plan_file = tmp_path / "plan.json"
    assert mh("plan", "agents", "--out", str(plan_file), "--detailed-exitcode").code == 2
    return plan_file, json.loads(plan_file.read_text(encoding="utf-8"))


def test_edited_calls_of_a_saved_plan_are_refused(
    project: Project, mh: Any, tmp_path: Path
) -> None:
    plan_file, data = _tone_plan(project, mh, tmp_path)
    victim = live_agent(project, "Volvo Service Line")["agent_uuid"]
    (change,) = [c for a in data["agents"] for c in a["changes"]]
    assert change["fields"][0]["path"] == "tone"
    change["calls"] = [{"method": "DELETE", "path": f"/agents/{victim}", "kind": "agent.delete"}]
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    writes = len(project.writes())
    result = mh("apply", str(plan_file), "--auto-approve")
    assert result.code == 1
    assert "calls are not what its changes imply" in result.err
    assert len(project.writes()) == writes
    assert live_agent(project, "Volvo Service Line")["agent_uuid"] == victim


def test_a_saved_plan_of_another_format_version_is_refused(
    project: Project, mh: Any, tmp_path: Path
) -> None:
    plan_file, data = _tone_plan(project, mh, tmp_path)
    data["format_version"] = 2
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    writes = len(project.writes())
    result = mh("apply", str(plan_file), "--auto-approve")
    assert result.code == 1
    assert "format_version 2 is not supported" in result.err
    assert len(project.writes()) == writes


def test_a_section_a_newer_mhsync_reads_does_not_make_saved_plans_stale(
    project: Project, mh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upgraded mhsync reads a section the plan's maker did not know: one agent has items
    in it, the others read it as empty. The saved plan still applies."""
    plan_file, _ = _tone_plan(project, mh, tmp_path)
    read = apply_workflow.canonical_live

    def upgraded(*args: Any, **kwargs: Any) -> WorkspaceState:
        state = read(*args, **kwargs)
        for handle, agent in state.agents.items():
            items = [Item(key="k", fields={"content": "k"}, uuid="u-1")]
            agent.collections["future_section"] = items if handle == "volvo-parts" else []
        return state

    monkeypatch.setattr(apply_workflow, "canonical_live", upgraded)
    result = mh("apply", str(plan_file), "--auto-approve")
    assert result.code == 0, result.text
    assert live_agent(project, "Volvo Parts Desk")["tone"] == "Brisk"


def test_a_whitespace_only_required_string_stops_apply_before_anything_is_sent(
    project: Project, mh: Any
) -> None:
    manifest = project.root / "agents" / "volvo-parts.yaml"
    text = manifest.read_text(encoding="utf-8")
    line = text.splitlines().index("  name: Volvo Parts Desk") + 1
    manifest.write_text(text.replace("  name: Volvo Parts Desk", "  name: '  '"), "utf-8")
    result = mh("apply", "agents", "--auto-approve")
    assert result.code == 1
    assert f"volvo-parts.yaml:{line}:" in result.err and "spec.name" in result.err
    assert project.sandbox.request_log() == []
