"""Deletes of whole agents and their safety rails: prune, protected, max_deletes."""

from __future__ import annotations

import pytest

from mhsync.errors import PlanError
from mhsync.plan import Action
from mhsync.planner import PlanOptions, plan
from mhsync.state import WorkspaceState, fingerprint

from .factories import call_lines, desired_agent, live_agent, notes, workspace

DESIRED = workspace(desired_agent("keep"))
LIVE = workspace(live_agent("keep", "u-keep"), live_agent("old", "u-old", "Old one"))


@pytest.mark.parametrize(
    ("options", "deleted", "warnings"),
    [
        pytest.param(PlanOptions(), [], (), id="without prune nothing is deleted"),
        pytest.param(PlanOptions(prune=True), ["old"], (), id="prune deletes the unmanaged agent"),
        pytest.param(
            PlanOptions(prune=True, protected=frozenset({"old"})),
            [],
            ("agent[old] is protected; it is not deleted",),
            id="protected by handle",
        ),
        pytest.param(
            PlanOptions(prune=True, protected=frozenset({"u-old"})),
            [],
            ("agent[old] is protected; it is not deleted",),
            id="protected by uuid",
        ),
        pytest.param(PlanOptions(prune=True, max_deletes=1), ["old"], (), id="within max_deletes"),
    ],
)
def test_prune(options: PlanOptions, deleted: list[str], warnings: tuple[str, ...]) -> None:
    made = plan(DESIRED, LIVE, target="t", options=options)
    assert [a.handle for a in made.agents if a.action is Action.DELETE] == deleted
    assert made.warnings == warnings


def test_an_agent_marked_protected_in_live_state_is_not_deleted() -> None:
    live = workspace(live_agent("keep", "u-keep"), live_agent("old", "u-old", protected=True))
    made = plan(DESIRED, live, target="t", options=PlanOptions(prune=True))
    assert not made.has_changes


def test_agent_delete_is_last_and_carries_the_live_fingerprint() -> None:
    desired = workspace(desired_agent("keep", "Renamed"))
    made = plan(desired, LIVE, target="t", options=PlanOptions(prune=True))
    assert [a.handle for a in made.agents] == ["keep", "old"]
    old = made.agents[-1]
    assert call_lines(old.changes) == ["DELETE /agents/u-old"]
    assert (old.name, old.uuid, old.fingerprint) == (
        "Old one",
        "u-old",
        fingerprint(LIVE.agents["old"]),
    )


def test_prune_without_manifests_is_refused() -> None:
    with pytest.raises(PlanError, match="refusing to prune: no manifests loaded"):
        plan(WorkspaceState(), LIVE, target="t", options=PlanOptions(prune=True))


def test_max_deletes_counts_every_delete_change_and_names_the_count() -> None:
    desired = workspace(desired_agent("keep", guidelines=[]))
    live = workspace(
        live_agent("keep", "u-keep", guidelines=notes("guidelines", ["a"], prefix="g")),
        live_agent("old", "u-old"),
    )
    with pytest.raises(PlanError, match="deletes 2 objects, more than --max-deletes 1"):
        plan(desired, live, target="t", options=PlanOptions(prune=True, max_deletes=1))


def test_max_deletes_zero_allows_a_plan_without_deletes() -> None:
    made = plan(DESIRED, LIVE, target="t", options=PlanOptions(max_deletes=0))
    assert not made.has_changes


def test_items_a_section_replace_removes_count_as_deletes() -> None:
    """``guidelines: []`` over five live guidelines is one PUT that deletes five items."""
    desired = workspace(desired_agent("keep", guidelines=[]))
    live = workspace(
        live_agent("keep", "u-keep", guidelines=notes("guidelines", list("abcde"), prefix="g"))
    )
    made = plan(desired, live, target="t")
    assert [c.action for c in made.changes] == [Action.REPLACE]
    assert made.summary().delete == 5
    with pytest.raises(PlanError, match="deletes 5 objects, more than --max-deletes 4"):
        plan(desired, live, target="t", options=PlanOptions(max_deletes=4))


def test_a_replace_that_keeps_every_item_deletes_nothing() -> None:
    desired = workspace(desired_agent("keep", notes=notes("notes", ["b", "a", "c"])))
    live_notes = notes("notes", ["a", "b", "c"], prefix="n")
    live = workspace(live_agent("keep", "u-keep", notes=live_notes))
    made = plan(desired, live, target="t", options=PlanOptions(max_deletes=0))
    assert made.summary().delete == 0
