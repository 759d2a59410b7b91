"""The worked example of docs/manifests.md (Fragments) loads as the text says."""

from __future__ import annotations

import re
from pathlib import Path

from mhsync.manifest import load_manifests
from mhsync.manifest.scoping import scope
from mhsync.selection import Selection

from .conftest import REPO


def _blocks() -> list[str]:
    text = (REPO / "docs" / "manifests.md").read_text(encoding="utf-8")
    section = text.split("### Worked example", 1)[1].split("### Dropping", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, flags=re.S)


def _load(tmp_path: Path, target: str) -> dict[str, object]:
    guards, agent = _blocks()
    (tmp_path / "guards.yaml").write_text(guards, encoding="utf-8")
    (tmp_path / "volvo-service.yaml").write_text(agent, encoding="utf-8")
    result = load_manifests([tmp_path], env={"CRM_WEBHOOK_SECRET": "x"}, target=target)
    assert [str(d) for d in result.errors] == []
    state = result.workspace.agents["volvo-service"]
    return {
        "tone": state.objects["core"]["tone"],
        "interaction": state.objects["settings"]["voice"]["interaction"],
        "guards": {i.key: i.fields["then_action"] for i in state.collections["guard_rules"]},
        "notes": [i.fields["content"] for i in state.collections["notes"]],
        "webhooks": len(state.collections.get("webhooks", [])),
        "managed": "webhooks" in state.collections,
    }


def test_worked_example_for_production_and_staging(tmp_path: Path) -> None:
    production = _load(tmp_path, "production")
    assert production == {
        "tone": "Calm and precise",
        "interaction": {"silence_message": "Are you still there?", "max_silence_prompts": 3},
        "guards": {"Legal advice": "end_conversation", "Abuse": "forward"},
        "notes": ["Calls are recorded for quality.", "The workshop is closed on weekends."],
        "webhooks": 1,
        "managed": True,
    }
    staging = _load(tmp_path, "staging")
    assert staging == {**production, "webhooks": 0, "managed": False}


def test_a_fragment_problem_belongs_to_the_agent_that_used_it(tmp_path: Path) -> None:
    fragment = "apiVersion: mhsync/v1\nkind: Fragment\nmetadata: {name: f}\nspec: {speed: quick}\n"
    (tmp_path / "f.yaml").write_text(fragment, encoding="utf-8")
    for handle in ("alpha", "beta"):
        text = f"apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: {handle}\n  uses: [f]\n"
        text += f"spec:\n  name: {handle}\n  language: en\n  role: r\n  objective: o\n"
        text += "  tone: t\n  behavior_guidelines: b\n"
        (tmp_path / f"{handle}.yaml").write_text(text, encoding="utf-8")
    result = load_manifests([tmp_path], env={})
    assert len(result.errors) == 2
    scoped = scope(result, Selection.parse(("alpha",), None))
    assert [d.used_by.agent for d in scoped.result.errors if d.used_by] == ["alpha"]
    assert scoped.hidden == 1
