"""Execution order: of changes inside an agent, and of agents inside the plan.

Inside an agent (docs/ARCHITECTURE.md, "Ordering"): a new agent's ``agent.create`` first; then
sections by ascending dependency ``level`` (core and settings are level 0), in table order within
a level; inside a section deletes, then updates and moves, then creates (deleting first keeps a
capped section such as webhooks under its limit). Deletes of sections that other sections point
to by name are held back to the very end, in descending level, so nothing still names them when
they go. Which sections those are is read from the table: ``sections.REFERENCED``, the sections
some ``Ref.target`` names (procedure steps -> intents).

Across agents: by handle, except that an agent comes after the new agents it ``depends_on``;
agent deletes come last.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

from mhsync.errors import PlanError
from mhsync.plan import AGENT_SECTION, Action, AgentPlan, Change
from mhsync.sections import BY_KEY, REFERENCED, SECTIONS

_ACTION_RANK = {Action.DELETE: 0, Action.CREATE: 2}
"""Inside a section: deletes, then updates/moves/replaces (1), then creates."""

Rank = tuple[int, int, int, int, int, str]


def order_changes(changes: Iterable[Change]) -> tuple[Change, ...]:
    return tuple(sorted(changes, key=_rank))


def _rank(change: Change) -> Rank:
    if change.section == AGENT_SECTION:
        return (0, 0, 0, 0, 0, "")
    descriptor = BY_KEY[change.section]
    table_index = SECTIONS.index(descriptor)
    position = change.position if change.position is not None else change.previous_position
    within = (position if position is not None else -1, change.key or "")
    if change.action is Action.DELETE and descriptor.key in REFERENCED:
        return (2, -descriptor.level, table_index, 0, *within)
    rank = _ACTION_RANK.get(change.action, 1)
    return (1, descriptor.level, table_index, rank, *within)


def order_agents(plans: Sequence[AgentPlan]) -> tuple[AgentPlan, ...]:
    """Handle order, moved so that every agent follows the agents it depends on.

    Kahn's algorithm with a heap of ready handles (the smallest ready handle goes next), so
    ordering stays O(n log n) for workspaces of thousands of agents.
    """
    by_handle = {p.handle: p for p in plans}
    waiting = {p.handle: {d for d in p.depends_on if d in by_handle} for p in plans}
    dependents: dict[str, list[str]] = {}
    for handle, deps in waiting.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(handle)
    ready = [h for h, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    ordered: list[AgentPlan] = []
    while ready:
        handle = heapq.heappop(ready)
        ordered.append(by_handle[handle])
        del waiting[handle]
        for dependent in dependents.get(handle, ()):
            deps = waiting[dependent]
            deps.discard(handle)
            if not deps:
                heapq.heappush(ready, dependent)
    if waiting:
        cycle = ", ".join(f"agent[{h}]" for h in sorted(waiting))
        raise PlanError(
            f"new agents point at each other ({cycle}); none can be created first. "
            "Apply once without one of the references, then add it back"
        )
    return tuple(ordered)
