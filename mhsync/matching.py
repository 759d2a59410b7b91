"""Pairs desired agents with live ones, so both sides of the plan share handles.

Rules, in order: a pinned ``metadata.uuid``; else the exact ``spec.name``; else a live agent named
by one of ``metadata.previous_names`` (a rename, which keeps the live agent and its uuid). Two
live agents with the same name cannot be told apart and are an error asking for a pin. Live
agents that match nothing get a handle derived from their name, for prune and export.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from mhsync.errors import PlanError
from mhsync.live import RawAgent
from mhsync.state import AgentState, WorkspaceState


@dataclass
class Matching:
    """``matched``: desired handle -> live agent; ``unmatched``: derived handle -> live agent."""

    matched: dict[str, RawAgent] = field(default_factory=dict)
    unmatched: dict[str, RawAgent] = field(default_factory=dict)

    def handles_by_uuid(self) -> dict[str, str]:
        """Live agent uuid -> handle for matched agents (references resolve to these names)."""
        return {raw.uuid: handle for handle, raw in self.matched.items()}


def handle_from_name(name: str) -> str:
    """A manifest handle for a live agent known only by its display name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "agent"


def match_agents(desired: WorkspaceState, live: Iterable[RawAgent]) -> Matching:
    live_agents = list(live)
    by_uuid = {a.uuid: a for a in live_agents}
    by_name: dict[str, list[RawAgent]] = defaultdict(list)
    for raw in live_agents:
        by_name[raw.name].append(raw)

    result = Matching()
    taken: dict[str, str] = {}
    problems: list[str] = []
    for handle in sorted(desired.agents):
        agent = desired.agents[handle]
        found = _find(agent, by_uuid, by_name, problems)
        if found is None:
            continue
        if found.uuid in taken:
            problems.append(
                f"agent[{handle}] and agent[{taken[found.uuid]}] both match live agent "
                f"{found.name!r} ({found.uuid}); pin each with metadata.uuid"
            )
            continue
        taken[found.uuid] = handle
        result.matched[handle] = found
    if problems:
        raise PlanError("cannot match agents:\n  " + "\n  ".join(problems))

    for raw in live_agents:
        if raw.uuid not in taken:
            result.unmatched[_free_handle(raw, desired, result)] = raw
    return result


def _find(
    agent: AgentState,
    by_uuid: dict[str, RawAgent],
    by_name: dict[str, list[RawAgent]],
    problems: list[str],
) -> RawAgent | None:
    if agent.uuid:
        if agent.uuid not in by_uuid:
            problems.append(
                f"agent[{agent.handle}] is pinned to uuid {agent.uuid}, which is not in the "
                "workspace (deleted?); remove metadata.uuid to create it anew"
            )
        return by_uuid.get(agent.uuid)
    for name in (agent.name, *agent.previous_names):
        candidates = by_name.get(name, [])
        if len(candidates) > 1:
            uuids = ", ".join(sorted(c.uuid for c in candidates))
            problems.append(
                f"agent[{agent.handle}]: {len(candidates)} live agents are named {name!r} "
                f"({uuids}); pin the right one with metadata.uuid"
            )
            return None
        if candidates:
            return candidates[0]
    return None


def _free_handle(agent: RawAgent, desired: WorkspaceState, result: Matching) -> str:
    base = handle_from_name(agent.name)
    candidate = base
    if candidate in desired.agents or candidate in result.unmatched:
        candidate = f"{base}-{agent.uuid[:8]}"
    return candidate
