"""Pairs desired agents with live ones, so both sides of the plan share handles.

Rules, in order: a pinned ``metadata.uuid``; else the exact ``spec.name``; else, among live agents
no manifest claimed by uuid or name, one named by ``metadata.previous_names`` (a rename, which
keeps the live agent and its uuid). A previous name matches a live agent whose display name is
that string, or whose handle derived from its display name is (``Service Line`` ->
``service-line``): the API stores no handles, so the derived one is how a manifest names a live
agent it only knows by name (and what export writes). Two live agents that a rule cannot tell
apart are an error asking for a pin. Live agents that match nothing get a handle derived from
their name, for prune and export.

Matching always runs against every desired agent, even when a command works on a selection:
otherwise the live twin of an unselected agent would look like an agent no manifest describes.
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


@dataclass
class _LiveIndex:
    by_uuid: dict[str, RawAgent] = field(default_factory=dict)
    by_name: dict[str, list[RawAgent]] = field(default_factory=lambda: defaultdict(list))
    by_derived: dict[str, list[RawAgent]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, agents: Iterable[RawAgent]) -> _LiveIndex:
        index = cls()
        for raw in agents:
            index.by_uuid[raw.uuid] = raw
            index.by_name[raw.name].append(raw)
            index.by_derived[handle_from_name(raw.name)].append(raw)
        return index

    def previously(self, name: str, taken: dict[str, str]) -> list[RawAgent]:
        """Unclaimed live agents a previous name can mean: by display name, then derived handle."""
        found = {r.uuid: r for r in (*self.by_name.get(name, []), *self.by_derived.get(name, []))}
        return [r for uuid, r in sorted(found.items()) if uuid not in taken]


def match_agents(desired: WorkspaceState, live: Iterable[RawAgent]) -> Matching:
    live_agents = list(live)
    index = _LiveIndex.of(live_agents)
    result = Matching()
    taken: dict[str, str] = {}
    problems: list[str] = []

    def take(handle: str, found: RawAgent) -> None:
        if found.uuid in taken:
            problems.append(
                f"agent[{handle}] and agent[{taken[found.uuid]}] both match live agent "
                f"{found.name!r} ({found.uuid}); pin each with metadata.uuid"
            )
            return
        taken[found.uuid] = handle
        result.matched[handle] = found

    renamed: list[AgentState] = []
    for handle in sorted(desired.agents):
        agent = desired.agents[handle]
        found = _current(agent, index, problems)
        if found is not None:
            take(handle, found)
        elif agent.uuid is None and agent.previous_names:
            renamed.append(agent)
    for agent in renamed:
        found = _previous(agent, index, taken, problems)
        if found is not None:
            take(agent.handle, found)
    if problems:
        raise PlanError("cannot match agents:\n  " + "\n  ".join(problems))

    for raw in live_agents:
        if raw.uuid not in taken:
            result.unmatched[_free_handle(raw, desired, result)] = raw
    return result


def _current(agent: AgentState, index: _LiveIndex, problems: list[str]) -> RawAgent | None:
    """The live agent a manifest names by its pinned uuid or its current display name."""
    if agent.uuid:
        if agent.uuid not in index.by_uuid:
            problems.append(
                f"agent[{agent.handle}] is pinned to uuid {agent.uuid}, which is not in the "
                "workspace (deleted?); remove metadata.uuid to create it anew"
            )
        return index.by_uuid.get(agent.uuid)
    return _one(agent, agent.name, index.by_name.get(agent.name, []), problems)


def _previous(
    agent: AgentState, index: _LiveIndex, taken: dict[str, str], problems: list[str]
) -> RawAgent | None:
    reported = len(problems)
    for name in agent.previous_names:
        found = _one(agent, name, index.previously(name, taken), problems)
        if found is not None or len(problems) > reported:
            return found
    return None


def _one(
    agent: AgentState, name: str, candidates: list[RawAgent], problems: list[str]
) -> RawAgent | None:
    if len(candidates) > 1:
        uuids = ", ".join(sorted(c.uuid for c in candidates))
        problems.append(
            f"agent[{agent.handle}]: {len(candidates)} live agents are named {name!r} "
            f"({uuids}); pin the right one with metadata.uuid"
        )
        return None
    return candidates[0] if candidates else None


def _free_handle(agent: RawAgent, desired: WorkspaceState, result: Matching) -> str:
    base = handle_from_name(agent.name)
    candidate = base
    if candidate in desired.agents or candidate in result.unmatched:
        candidate = f"{base}-{agent.uuid[:8]}"
    return candidate
