"""Apply-then-plan is empty, against the sandbox, for random edits of ordered sections.

Positional sections are where the executor's bodies matter most (``order`` on creates, moves
and replaces, equal texts side by side), so random before/after lists of guidelines and notes
drawn from a tiny alphabet go through plan, execute, re-read, plan.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planner.factories import desired_agent, want, workspace

from mhsync.sandbox import Sandbox
from mhsync.state import WorkspaceState

from .harness import TOKEN, make_harness

TEXTS = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=5)


def _agent(guidelines: list[str], notes: list[str]) -> WorkspaceState:
    return workspace(
        desired_agent(
            "alpha",
            "Alpha",
            guidelines=[want("guidelines", content=t) for t in guidelines],
            notes=[want("notes", content=t) for t in notes],
        )
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.tuples(TEXTS, TEXTS), after=st.tuples(TEXTS, TEXTS))
def test_apply_then_plan_is_empty(
    before: tuple[list[str], list[str]], after: tuple[list[str], list[str]]
) -> None:
    with Sandbox(":memory:", tokens=[TOKEN]) as sb:
        harness = make_harness(sb)
        _, first = harness.apply(_agent(*before))
        assert first.ok, first.lines()
        made, second = harness.apply(_agent(*after))
        assert second.ok, second.lines()
        assert len(harness.recorder.writes()) == sum(len(c.calls) for c in made.changes)
        assert harness.remaining(_agent(*after)) == []
        harness.client.close()
