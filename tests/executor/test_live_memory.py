"""Plan holds the live side once: raw JSON is let go as soon as an agent is in canonical form.

Issue 16's memory target (0.15 MiB per agent at 2,000 agents) was missed partly because each
live agent stayed in memory twice, as the API's JSON and as canonical state. ``read_live`` with
``keep_raw=False`` (what ``plan_against`` asks for) must give the same state while keeping only
what matching reads of the raw agent.
"""

from __future__ import annotations

from pathlib import Path

from mhsync.manifest import scoping
from mhsync.manifest.loader import load_manifests
from mhsync.selection import Selection
from mhsync.workflows.livestate import RAW_KEPT, read_live

from .harness import Harness
from .scenarios import two_agents


def test_a_plan_read_keeps_the_state_and_lets_the_raw_json_go(
    harness: Harness, hook_secret: str
) -> None:
    desired = two_agents(hook_secret)
    _, report = harness.apply(desired)
    assert report.ok, report.lines()
    kept = read_live(harness.client, desired, include_unmatched=False)
    released = read_live(harness.client, desired, include_unmatched=False, keep_raw=False)
    assert released.state == kept.state
    assert released.references == kept.references
    for raw in released.matching.matched.values():
        assert set(raw.data) == set(RAW_KEPT) and raw.separate == {}
        assert raw.uuid and raw.name
    assert any(raw.separate for raw in kept.matching.matched.values())


def test_plan_and_apply_let_the_validated_sections_go_once_the_state_is_built(
    tmp_path: Path,
) -> None:
    """The desired side too is held once: as canonical state, not also as validated sections."""
    path = tmp_path / "agent.yaml"
    path.write_text(
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: alpha\n"
        "spec:\n  name: Alpha\n  notes:\n    - content: one\n    - content: two\n",
        encoding="utf-8",
    )
    kept = scoping.scope(load_manifests([path], check_env=False), Selection.parse([]))
    assert any(parsed.collections for parsed in kept.result.agents)
    scoped = scoping.scope(
        load_manifests([path], check_env=False, sections=False), Selection.parse([])
    )
    assert all(not p.collections and not p.objects for p in scoped.result.agents)
    assert scoped.selected == kept.selected and scoped.handles == ["alpha"]
    for module in ("plan.py", "apply.py"):
        source = (Path(__file__).resolve().parents[2] / "mhsync" / "workflows" / module).read_text(
            encoding="utf-8"
        )
        assert "sections=False" in source, module
