"""Invariants of the planner, over random workspaces.

``plan(S, S)`` is empty; a plan survives its JSON round trip; applying a plan to live (in the
in-memory ``Server``, which also checks the order of calls is one a server accepts) and planning
again is empty.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhsync.plan import Plan
from mhsync.planner import PlanOptions, plan
from mhsync.state import WorkspaceState

from .simulate import apply_plan
from .strategies import workspaces


def quick(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


@quick(60)
@given(state=workspaces("desired"))
def test_plan_of_a_desired_state_against_itself_is_empty(state: WorkspaceState) -> None:
    assert not plan(state, state, target="t").has_changes


@quick(60)
@given(state=workspaces("live"))
def test_plan_of_a_live_state_against_itself_is_empty(state: WorkspaceState) -> None:
    assert not plan(state, state, target="t").has_changes


@quick(150)
@given(desired=workspaces("desired"), live=workspaces("live"), prune=st.booleans())
def test_round_trip_then_apply_then_plan_is_empty(
    desired: WorkspaceState, live: WorkspaceState, prune: bool
) -> None:
    options = PlanOptions(prune=prune and bool(desired.agents))
    first = plan(desired, live, target="t", options=options)
    assert Plan.from_json(first.to_json()) == first
    after = apply_plan(first, live, desired)
    second = plan(desired, after, target="t", options=options)
    assert not second.has_changes, [c.address for c in second.changes]
