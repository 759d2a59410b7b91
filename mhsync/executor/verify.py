"""A plan's calls must be the ones its changes imply: checked before anything is sent.

A saved plan is a file anyone can edit. What the user approved is what the plan shows, its
changes; the calls are derived data. So every call is derived again here, from the change's
section, action and uuids, with the planner's own rules (``planner.api_calls``); any mismatch
refuses the whole plan. An edited ``calls`` list (a plan shown as "~ tone" carrying a
``DELETE /agents/...``) can therefore never run.
"""

from __future__ import annotations

from mhsync.errors import MhsyncError, PlanError
from mhsync.plan import AGENT_SECTION, Action, AgentPlan, Call, Change, Plan
from mhsync.planner import api_calls
from mhsync.sections import section


def verify_calls(plan: Plan) -> None:
    """Raise :class:`PlanError` naming every change whose calls its change does not imply."""
    problems = []
    for agent in plan.agents:
        for change in agent.changes:
            try:
                expected = expected_calls(agent, change)
            except (MhsyncError, KeyError) as exc:
                problems.append(f"{change.address}: {exc}")
                continue
            if change.calls != expected:
                problems.append(f"{change.address} ({change.action.value}): {_show(change.calls)}")
    if problems:
        raise PlanError(
            "refusing the plan: its calls are not what its changes imply (edited by hand?); "
            "nothing was sent: " + "; ".join(problems)
        )


def expected_calls(agent: AgentPlan, change: Change) -> tuple[Call, ...]:
    """The calls the planner makes for ``change`` of ``agent``."""
    if change.agent != agent.handle:
        raise PlanError(f"belongs to agent[{change.agent}], listed under agent[{agent.handle}]")
    new = agent.action is Action.CREATE
    if change.section == AGENT_SECTION:
        if change.action is Action.CREATE and new:
            return (api_calls.agent_create(),)
        if change.action is Action.DELETE and agent.action is Action.DELETE:
            if change.uuid != agent.uuid:
                raise PlanError("deletes another uuid than its agent's")
            path = api_calls.agent_path(agent.handle, agent.uuid, new=False)
            return (api_calls.agent_delete(path),)
        raise PlanError(f"an agent {change.action.value} inside an agent {agent.action}")
    descriptor = section(change.section)
    base = api_calls.agent_path(agent.handle, agent.uuid, new=new)
    if descriptor.kind == "object":
        return (api_calls.object_write(descriptor, base),)
    if change.action is Action.REPLACE:
        return (api_calls.section_replace(descriptor, base),)
    if change.action is Action.CREATE:
        return (api_calls.item_create(descriptor, base),)
    if change.action is Action.DELETE:
        return (api_calls.item_delete(descriptor, base, change.uuid, change.address),)
    return (api_calls.item_update(descriptor, base, change.uuid, change.address),)


def _show(calls: tuple[Call, ...]) -> str:
    return ", ".join(f"{c.method} {c.path}" for c in calls) or "no calls"
