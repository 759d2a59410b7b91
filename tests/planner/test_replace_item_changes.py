"""A whole-section replace carries the item changes the planner matched when costing it.

So every consumer (drift, a reviewer of the plan file) reads the planner's one diff instead of
matching ``before`` against ``after`` again. The item changes describe; the replace's one call
writes: they carry no calls and no secret references.
"""

from __future__ import annotations

import json

from mhsync.plan import Action, Plan
from mhsync.planner import plan

from .factories import desired_agent, have, live_agent, notes, want, workspace

RULE = {"when_condition": "A lawyer is mentioned.", "then_action": "end_conversation"}


def _plan(desired: object, live: object) -> Plan:
    return plan(workspace(desired), workspace(live), target="t")  # type: ignore[arg-type]


def test_a_replace_lists_the_item_changes_it_stands_for() -> None:
    made = _plan(
        desired_agent("a", notes=notes("notes", ["a", "B", "c"])),
        live_agent("a", "u-1", notes=notes("notes", ["c", "a", "b", "z"], prefix="n")),
    )
    (replace,) = made.changes
    assert replace.action is Action.REPLACE
    parts = [
        (c.action.value, c.address, c.uuid, c.position, c.previous_position)
        for c in replace.item_changes
    ]
    assert parts == [
        ("delete", "agent[a].notes[3]", "n-3", None, 3),
        ("move", "agent[a].notes[0]", "n-1", 0, 1),
        ("update", "agent[a].notes[1]", "n-2", 1, 2),
        ("move", "agent[a].notes[2]", "n-0", 2, 0),
    ]
    (update,) = (c for c in replace.item_changes if c.action is Action.UPDATE)
    assert [(f.path, f.before, f.after) for f in update.fields] == [("content", "b", "B")]
    assert (update.before, update.after) == (None, None)  # the replace's lists hold the values
    assert all(not c.calls and not c.secrets and not c.item_changes for c in replace.item_changes)


def test_item_changes_of_identity_sections_name_their_items() -> None:
    made = _plan(
        desired_agent("a", guard_rules=[want("guard_rules", name="N", **RULE)]),
        live_agent(
            "a",
            "u-1",
            guard_rules=[
                have("guard_rules", "g-1", name="X", **RULE),
                have("guard_rules", "g-2", name="Y", **RULE),
            ],
        ),
    )
    (replace,) = made.changes
    assert replace.action is Action.REPLACE
    assert [(c.action.value, c.key) for c in replace.item_changes] == [
        ("delete", "X"),
        ("delete", "Y"),
        ("create", "N"),
    ]


def test_the_plan_file_keeps_item_changes_and_omits_them_where_empty() -> None:
    made = _plan(
        desired_agent("a", core={"topic": "Cars"}, notes=notes("notes", ["b", "a"])),
        live_agent(
            "a", "u-1", core={"topic": "Bikes"}, notes=notes("notes", ["a", "b"], prefix="n")
        ),
    )
    text = made.to_json()
    changes = json.loads(text)["agents"][0]["changes"]
    by_section = {c["section"]: c for c in changes}
    assert "item_changes" not in by_section["core"]
    parts = by_section["notes"]["item_changes"]
    assert [p["action"] for p in parts] == ["move", "move"]
    assert all("item_changes" not in p for p in parts)
    assert Plan.from_json(text) == made
