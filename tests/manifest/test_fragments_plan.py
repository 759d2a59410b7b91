"""The plan says where a value lives: changes to inherited values name their fragment."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

from mhsync.manifest import load_manifests
from mhsync.planner import plan
from mhsync.render import render_text
from mhsync.state import WorkspaceState

from .conftest import Writer, agent

FRAGMENT = """\
apiVersion: mhsync/v1
kind: Fragment
metadata: {name: shared}
spec:
  company_name: Volvo
  settings:
    voice:
      interaction: {silence_message: Hello?}
  guard_rules:
    - name: Legal
      when_condition: legal advice
      example_phrases: [a, b, c]
      then_action: end_conversation
  notes: [Shared note]
"""


def _user(name: str) -> str:
    own = textwrap.dedent("""\
        notes: [Own note]
        settings: {voice: {interaction: {max_silence_prompts: 2}}}
        """)
    text = agent(own, name=name)
    return text.replace(f"  name: {name}\n", f"  name: {name}\n  uses: [shared]\n", 1)


def _as_live(workspace: WorkspaceState) -> WorkspaceState:
    """The workspace as if applied: every agent and item has a uuid."""
    for n, state in enumerate(workspace.agents.values()):
        state.uuid = f"00000000-0000-4000-8000-{n:012d}"
        for key, items in state.collections.items():
            state.collections[key] = [
                dataclasses.replace(item, uuid=f"{key}-{i}", position=i)
                for i, item in enumerate(items)
            ]
    return workspace


def _desired(tmp_path: Path) -> WorkspaceState:
    result = load_manifests([tmp_path], env={})
    assert result.errors == []
    return result.workspace


def test_changes_to_inherited_values_name_the_fragment(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", FRAGMENT)
    write("a.yaml", _user("alpha"))
    write("b.yaml", _user("beta"))
    live = _as_live(_desired(tmp_path))
    write(
        "f.yaml",
        FRAGMENT.replace("Volvo", "Saab")
        .replace("Hello?", "Anyone?")
        .replace("legal advice", "any legal question")
        .replace("Shared note", "New shared note"),
    )
    desired = _desired(tmp_path)
    made = plan(desired, live, target="t")
    marks = {a.handle: a.fragments for a in made.agents}
    assert set(marks) == {"alpha", "beta"}
    alpha = marks["alpha"]
    assert alpha["agent[alpha].core#company_name"] == "shared"
    assert alpha["agent[alpha].settings#voice.interaction.silence_message"] == "shared"
    assert any(k.startswith("agent[alpha].guard_rules") for k in alpha)
    assert not any(k.endswith("#voice.interaction.max_silence_prompts") for k in alpha)
    assert made.fragment_users() == {"shared": ["alpha", "beta"]}
    text = render_text(made, color=False)
    assert "Fragment shared changes 2 agent(s): agent[alpha], agent[beta]" in text
    assert '"Volvo" -> "Saab" (from fragment shared)' in text
    saved = json.loads(made.to_json())
    assert saved["agents"][0]["fragments"] == alpha
    assert type(made).from_json(made.to_json()) == made


def test_plans_without_fragments_keep_their_json(write: Writer, tmp_path: Path) -> None:
    write("a.yaml", agent())
    made = plan(_desired(tmp_path), WorkspaceState(), target="t")
    assert "fragments" not in json.loads(made.to_json())["agents"][0]


def test_own_values_of_an_agent_using_fragments_are_not_marked(
    write: Writer, tmp_path: Path
) -> None:
    write("f.yaml", FRAGMENT)
    write("a.yaml", _user("alpha"))
    live = _as_live(_desired(tmp_path))
    write("a.yaml", _user("alpha").replace("Own note", "Changed own note"))
    made = plan(_desired(tmp_path), live, target="t")
    assert made.has_changes
    assert made.agents[0].fragments == {}
    assert "from fragment" not in render_text(made, color=False)
