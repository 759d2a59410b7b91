"""Drift is a consumer of the Plan: one diff (the planner's) serves plan, apply and drift.

``render.drift`` reads changes; it never matches items or compares values itself. A whole-section
replace is read from the item changes the planner matched when it costed the section
(``Change.item_changes``), so drift says what the planner found, whichever strategy it chose.
"""

from __future__ import annotations

import ast
from pathlib import Path

from mhsync.plan import Action, AgentPlan, Change, FieldChange, Plan
from mhsync.planner import plan
from mhsync.render.drift import DriftKind, drift_from_plan
from tests.planner.factories import desired_agent, have, live_agent, notes, workspace

DRIFT = Path(__file__).resolve().parents[2] / "mhsync" / "render" / "drift.py"
UUID = "6f1c0000-0000-4000-8000-000000000001"


def _mhsync_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("mhsync")}


def test_render_drift_imports_no_planner_and_no_conversion() -> None:
    """No matching, no comparison, no identity rules: those belong to the planner."""
    imports = _mhsync_imports(DRIFT)
    assert not {m for m in imports if m.startswith(("mhsync.planner", "mhsync.convert"))}


def test_a_replace_is_read_from_its_item_changes_not_diffed_again() -> None:
    """``before``/``after`` of the replace say nothing here: only the item changes are read."""
    edit = Change(
        address="agent[svc].notes[1]",
        agent="svc",
        section="notes",
        action=Action.UPDATE,
        uuid="n-1",
        position=1,
        previous_position=4,
        fields=(FieldChange(path="content", before="x", after="b"),),
    )
    replace = Change(
        address="agent[svc].notes",
        agent="svc",
        section="notes",
        action=Action.REPLACE,
        before=[],
        after=[],
        item_changes=(edit,),
    )
    made = Plan(
        target="prod",
        agents=(AgentPlan(handle="svc", name="Service", action=Action.UPDATE, changes=(replace,)),),
    )
    found = [(d.kind, d.address, d.message) for d in drift_from_plan(made).differences]
    assert found == [
        (
            DriftKind.CHANGED,
            "agent[svc].notes[1]",
            'changed in the workspace: note 1: content "b" -> "x"',
        ),
        (
            DriftKind.MOVED,
            "agent[svc].notes[1]",
            "moved in the workspace: note 1 (position 1 in git, 4 in the workspace)",
        ),
    ]


def _moves(desired_texts: list[str], live: list[tuple[str, int | None]]) -> tuple[str, list[str]]:
    live_items = [have("notes", f"n-{i}", order, content=t) for i, (t, order) in enumerate(live)]
    made = plan(
        workspace(desired_agent("svc", "Service", uuid=UUID, notes=notes("notes", desired_texts))),
        workspace(live_agent("svc", UUID, "Service", notes=live_items)),
        target="prod",
    )
    (change,) = made.changes
    report = drift_from_plan(made)
    return change.action.value, [d.message for d in report.differences if d.kind is DriftKind.MOVED]


def test_positions_read_the_same_whichever_strategy_the_planner_chose() -> None:
    """Bug: a replace was re-matched by list index, so an edited note without a workspace
    ``order`` (apply gives it one) was a move when edited alone and none when edited with others.
    Live items without ``order`` are read last, as the reader sorts them."""
    alone = _moves(["a", "b"], [("a", 0), ("x", None)])
    together = _moves(["a", "b", "c"], [("a", 0), ("x", 1), ("y", None)])
    unset = "moved in the workspace: note {0} (position {0} in git, no position in the workspace)"
    assert alone == ("update", [unset.format(1)])
    assert together == ("replace", [unset.format(2)])


def test_notes_after_one_deleted_in_the_workspace_did_not_move() -> None:
    """Bug: a replace was re-matched by list index, so deleting note 0 in the dashboard made
    every later note (still at its ``order``) read as moved once another edit made the plan
    a replace. Per-item plans said nothing about them; now both read the plan's positions."""
    alone = _moves(["a", "b", "c"], [("b", 1), ("c", 2)])
    together = _moves(["a", "b", "c", "d"], [("b", 1), ("c", 2), ("x", 3)])
    assert alone == ("create", [])
    assert together == (
        "replace",
        ["moved in the workspace: note 0 (position 0 in git, 3 in the workspace)"],
    )


def test_item_changes_of_a_replace_are_redacted_like_any_change() -> None:
    """The second lock (``render.redact``) masks item changes too: a value a bug upstream left
    at a sensitive path of an item change never reaches drift's output."""
    leaked = Change(
        address='agent[svc].guard_rules["X"]',
        agent="svc",
        section="guard_rules",
        action=Action.UPDATE,
        key="X",
        fields=(FieldChange(path="token", before="hunter2-old", after="hunter2-new"),),
        sensitive=("token",),
    )
    replace = Change(
        address="agent[svc].guard_rules",
        agent="svc",
        section="guard_rules",
        action=Action.REPLACE,
        item_changes=(leaked,),
    )
    made = Plan(target="prod", agents=(AgentPlan(handle="svc", name="S", changes=(replace,)),))
    text = drift_from_plan(made).to_json()
    assert "hunter2" not in text
    assert "(sensitive value)" in text
