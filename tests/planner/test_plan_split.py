"""The planner split (``PlanSetup.agent`` per agent, then ``finish``) makes ``plan()``'s plan.

``mhsync plan`` plans each agent while the other agents are still being read, in whatever
order their reads complete, possibly from several threads, and leaves the rest (new agents,
prune candidates) to ``finish``. Whatever the order and whichever agents were planned ahead,
the plan (or the error) must be the one ``plan(desired, live)`` makes of the same states.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.workload import planner_states
from mhsync.errors import PlanError
from mhsync.plan import Plan
from mhsync.planner import AgentOutcome, PlanOptions, PlanSetup, plan
from mhsync.state import WorkspaceState

from .strategies import workspaces


def _whole(desired: WorkspaceState, live: WorkspaceState, options: PlanOptions) -> Plan | str:
    try:
        return plan(desired, live, target="t", options=options)
    except PlanError as error:
        return f"PlanError: {error}"


def _split(
    desired: WorkspaceState,
    live: WorkspaceState,
    options: PlanOptions,
    ahead: list[str],
    threads: int,
) -> Plan | str:
    """Plan the ``ahead`` live agents first (in that order, on ``threads`` threads), then finish."""
    setup = PlanSetup(desired, live.agents, options)
    outcomes: dict[str, AgentOutcome] = {}

    def one(handle: str) -> None:
        outcomes[handle] = setup.agent(handle, live.agents[handle])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, ahead))
    try:
        return setup.finish(live, outcomes, target="t")
    except PlanError as error:
        return f"PlanError: {error}"


def _same(left: Plan | str, right: Plan | str) -> None:
    if isinstance(left, str) or isinstance(right, str):
        assert left == right
        return
    assert left == right
    assert left.to_json() == right.to_json()


OPTIONS = st.builds(
    PlanOptions,
    prune=st.booleans(),
    max_deletes=st.sampled_from([None, 0, 1, 5]),
    protected=st.sets(st.sampled_from(["alpha", "beta", "gamma"]), max_size=2).map(frozenset),
    resend_secrets=st.booleans(),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    desired=workspaces("desired"),
    live=workspaces("live"),
    options=OPTIONS,
    data=st.data(),
)
def test_per_agent_then_finish_is_plan_on_random_workspaces(
    desired: WorkspaceState, live: WorkspaceState, options: PlanOptions, data: st.DataObject
) -> None:
    handles = sorted(live.agents)
    ahead = data.draw(st.permutations(handles)).copy()[: data.draw(st.integers(0, len(handles)))]
    _same(_split(desired, live, options, ahead, threads=2), _whole(desired, live, options))


@pytest.mark.parametrize(
    ("prune", "dropped", "missing", "selected"),
    [
        (False, 0, 0, None),  # every agent matched, two edits each
        (True, 3, 0, None),  # three live agents no manifest names: deleted
        (False, 0, 4, None),  # four agents without a live twin: created
        (True, 2, 3, None),  # both
        (True, 0, 0, 5),  # a selection: five desired agents, the rest not planned
    ],
)
def test_per_agent_then_finish_is_plan_on_generated_workspaces(
    prune: bool, dropped: int, missing: int, selected: int | None
) -> None:
    desired, live = planner_states(24, 12, edited=True)
    handles = sorted(desired.agents)
    for handle in handles[:dropped]:
        del desired.agents[handle]
    for handle in handles[-missing:] if missing else []:
        del live.agents[handle]
    if selected is not None:
        keep = set(handles[:selected])
        desired = WorkspaceState({h: a for h, a in desired.agents.items() if h in keep})
        live = WorkspaceState({h: a for h, a in live.agents.items() if h in keep})
    options = PlanOptions(prune=prune, protected=frozenset(handles[:1]))
    ahead = sorted(live.agents)
    random.Random(16).shuffle(ahead)
    whole = _whole(desired, live, options)
    assert isinstance(whole, Plan) and whole.has_changes
    _same(_split(desired, live, options, ahead, threads=4), whole)


def test_finish_refuses_outcomes_of_other_states() -> None:
    """An outcome planned against another live state is a caller's bug, never planned over."""
    desired, live = planner_states(3, 12, edited=True)
    _, other_live = planner_states(3, 12, edited=False)
    setup = PlanSetup(desired, live.agents)
    handle = sorted(live.agents)[0]
    stale = {handle: setup.agent(handle, other_live.agents[handle])}
    with pytest.raises(ValueError, match="planned against other states"):
        setup.finish(live, stale, target="t")
    fewer = WorkspaceState(dict(list(live.agents.items())[1:]))
    with pytest.raises(ValueError, match="not the one this plan was set up for"):
        setup.finish(fewer, {}, target="t")
