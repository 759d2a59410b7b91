"""Reads the live side of a plan: list, match, narrow to the selection, read the rest, canonicalise.

Matching runs against every desired agent; only then is the live side narrowed to the selection,
so an unselected agent's live twin is neither read further nor offered to ``--prune``. The agent
list pages are read whole (matching needs them); the per-agent requests (intents, webhooks) go
only to selected agents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from mhsync.convert import agent_from_api
from mhsync.live import (
    SEPARATE_SECTIONS,
    RawAgent,
    ReadClient,
    confirm_agents,
    list_agents,
    read_separate_sections,
)
from mhsync.matching import Matching, match_agents
from mhsync.roundtrip import unknown_agent_fields, unknown_section_fields
from mhsync.selection import Selection
from mhsync.state import AgentState, WorkspaceState

EVERYTHING = Selection()


RAW_KEPT = ("agent_uuid", "name")
"""What a raw agent keeps when ``read_live`` lets its JSON go: what matching reads of it."""


@dataclass
class LiveRead:
    """``state``: the live agents in scope, under desired handles (prune candidates under derived
    ones). ``references``: uuid -> handle of every matched agent, in scope or not."""

    state: WorkspaceState
    matching: Matching
    references: dict[str, str] = field(default_factory=dict)
    unmodelled: dict[str, list[str]] = field(default_factory=dict)
    """Field path mhsync does not model -> handles of the agents read that carry it."""
    selection_warnings: list[str] = field(default_factory=list)
    """``--agent`` globs and ``--exclude-agent`` patterns that matched no agent."""

    @property
    def warnings(self) -> list[str]:
        """Patterns that matched nothing, then one warning per unmodelled field."""
        return [*self.selection_warnings, *unmodelled_warnings(self.unmodelled)]

    def for_executor(self) -> WorkspaceState:
        """``state`` plus reference-only stand-ins for matched agents outside the selection."""
        return with_reference_stubs(self.state, self.references)


class LiveListener(Protocol):
    """Hears of the live agents while ``read_live`` reads them, to work on each one as it is in.

    ``plan`` plans each agent here, overlapping the planner's CPU with the network waits of the
    other agents' reads (issue 16). ``agent`` may be called from any thread and concurrently:
    it must only read what ``in_scope`` set up and write what belongs to its own handle.
    """

    def in_scope(self, handles: frozenset[str]) -> None:
        """The handles of the live state ``read_live`` returns; once, before any agent."""

    def agent(self, handle: str, state: AgentState) -> None:
        """One agent of the live state, in canonical form, as soon as its reads are complete."""


def read_live(
    client: ReadClient,
    desired: WorkspaceState,
    *,
    include_unmatched: bool,
    selection: Selection = EVERYTHING,
    parallelism: int = 8,
    patterns_must_match: bool | None = None,
    keep_raw: bool = True,
    listener: LiveListener | None = None,
) -> LiveRead:
    """The live agents in scope, in canonical form under the desired handles.

    ``desired`` must hold every desired agent, selected or not. When a selected agent has no
    live twin, the list is read again first (``confirm_agents``): an agent missed because the
    list moved while it was read must not be created twice. Unmatched live agents are read
    (intents and webhooks too) only when they may be deleted, and only those the selection
    names (``Selection.selects_unmanaged``). With ``include_unmatched``, ``--agent`` may name a
    live-only agent by its derived handle; any other unknown handle raises ``ConfigError``, and
    a pattern matching nothing is a warning (an error with ``include_unmatched``, unless
    ``patterns_must_match`` says otherwise: compare reads live-only agents but deletes nothing).
    Without ``keep_raw``, each agent's raw JSON is let go (uuid and name kept) once it is in
    canonical form: a plan needs only the canonical state, and holding both doubled the live
    side's memory (issue 16); ``doctor`` and ``export`` keep it. ``listener`` hears of each
    agent of the state as it is converted (see ``LiveListener``).
    """
    raws = list_agents(client, parallelism=parallelism)
    matching = match_agents(desired, raws)
    if would_create(desired, matching, selection):
        raws = confirm_agents(client, raws, parallelism=parallelism)
        matching = match_agents(desired, raws)
    known = [*desired.agents, *(matching.unmatched if include_unmatched else ())]
    strict = include_unmatched if patterns_must_match is None else patterns_must_match
    warnings = selection.check_known(known, prune=strict)
    in_scope: dict[str, RawAgent] = {
        handle: raw
        for handle, raw in matching.matched.items()
        if selection.selects(handle, desired.agents[handle].labels)
    }
    if include_unmatched:
        in_scope.update(
            (h, raw) for h, raw in matching.unmatched.items() if selection.selects_unmanaged(h)
        )
    references = matching.handles_by_uuid()
    if listener is not None:
        listener.in_scope(frozenset(in_scope))
    handles: dict[int, list[str]] = {}
    for handle, raw in in_scope.items():
        handles.setdefault(id(raw), []).append(handle)
    converted: dict[str, AgentState] = {}
    unknown: dict[str, set[str]] = {}

    def convert(raw: RawAgent) -> None:
        """Runs as each agent's reads complete, overlapping this CPU work with the network."""
        paths = agent_unmodelled(raw)
        for handle in handles[id(raw)]:
            converted[handle] = state = _canonical(handle, raw, references)
            unknown[handle] = paths
            if listener is not None:
                listener.agent(handle, state)
        if not keep_raw:
            raw.data = {key: raw.data.get(key) for key in RAW_KEPT}
            raw.separate = {}

    unique = {id(raw): raw for raw in in_scope.values()}.values()
    read_separate_sections(client, unique, parallelism=parallelism, on_agent=convert)
    state = WorkspaceState({handle: converted[handle] for handle in sorted(converted)})
    return LiveRead(state, matching, references, _by_path(unknown), warnings)


def would_create(desired: WorkspaceState, matching: Matching, selection: Selection) -> bool:
    """Whether a selected desired agent has no live twin (so the plan would create it)."""
    return any(
        handle not in matching.matched and selection.selects(handle, agent.labels)
        for handle, agent in desired.agents.items()
    )


def unmodelled_fields(agents_by_handle: Mapping[str, RawAgent]) -> dict[str, list[str]]:
    """Field path -> handles of the agents (read whole) whose live data carries a field the
    manifest models and the descriptor table do not know (values are never looked at)."""
    return _by_path({handle: agent_unmodelled(raw) for handle, raw in agents_by_handle.items()})


def agent_unmodelled(raw: RawAgent) -> set[str]:
    """The unmodelled field paths of one agent read whole (see ``unmodelled_fields``)."""
    paths = set(unknown_agent_fields(raw.data))
    for descriptor in SEPARATE_SECTIONS:
        paths.update(unknown_section_fields(descriptor, raw.separate.get(descriptor.key, [])))
    return paths


def _by_path(paths_by_handle: Mapping[str, set[str]]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for handle, paths in paths_by_handle.items():
        for path in paths:
            found.setdefault(path, set()).add(handle)
    return {path: sorted(found[path]) for path in sorted(found)}


def unmodelled_warnings(unmodelled: Mapping[str, list[str]], shown: int = 3) -> list[str]:
    """One warning per unmodelled field name, naming a few of the agents that carry it."""
    warnings = []
    for path, handles in sorted(unmodelled.items()):
        named = ", ".join(f"agent[{h}]" for h in handles[:shown])
        more = f" and {len(handles) - shown} more" if len(handles) > shown else ""
        warnings.append(
            f"the workspace returns field `{path}`, which mhsync does not model ({named}{more}): "
            "it is never compared, and replacing its section would not keep it"
        )
    return warnings


def canonical_live(
    agents_by_handle: Mapping[str, RawAgent], reference_handles: Mapping[str, str]
) -> WorkspaceState:
    """Raw agents -> canonical states; ``reference_handles`` names the agents rules may point to."""
    return WorkspaceState(
        {
            handle: _canonical(handle, raw, reference_handles)
            for handle, raw in sorted(agents_by_handle.items())
        }
    )


def _canonical(handle: str, raw: RawAgent, reference_handles: Mapping[str, str]) -> AgentState:
    return agent_from_api(
        raw.data, handle=handle, agent_handles=reference_handles, separate=raw.separate
    )


def with_reference_stubs(live: WorkspaceState, references: Mapping[str, str]) -> WorkspaceState:
    """``live`` plus an empty stand-in (handle and uuid only) for each referenced agent it lacks.

    The executor turns ``destination_agent: HANDLE`` into a uuid through the agents of the live
    state it is given; a selected agent may point at one outside the selection. The stand-ins
    never reach the planner, where they would read as agents to prune.
    """
    agents = dict(live.agents)
    for uuid, handle in sorted(references.items()):
        agents.setdefault(handle, AgentState(handle, uuid, objects={"core": {}}, collections={}))
    return WorkspaceState(agents)
