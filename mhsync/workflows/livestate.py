"""Reads the live side of a plan: list, match, read the rest, canonicalise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mhsync.convert import agent_from_api
from mhsync.live import RawAgent, ReadClient, list_agents, read_separate_sections
from mhsync.matching import Matching, match_agents
from mhsync.state import WorkspaceState


@dataclass
class LiveRead:
    state: WorkspaceState
    matching: Matching


def read_live(
    client: ReadClient, desired: WorkspaceState, *, include_unmatched: bool, parallelism: int = 8
) -> LiveRead:
    """The live agents in scope, in canonical form under the desired handles.

    Unmatched live agents are read (intents and webhooks too) only when they may be deleted.
    """
    matching = match_agents(desired, list_agents(client))
    in_scope: dict[str, RawAgent] = dict(matching.matched)
    if include_unmatched:
        in_scope.update(matching.unmatched)
    read_separate_sections(client, in_scope.values(), parallelism=parallelism)
    state = canonical_live(in_scope, matching.handles_by_uuid())
    return LiveRead(state, matching)


def canonical_live(
    agents_by_handle: Mapping[str, RawAgent], reference_handles: Mapping[str, str]
) -> WorkspaceState:
    """Raw agents -> canonical states; ``reference_handles`` names the agents rules may point to."""
    return WorkspaceState(
        {
            handle: agent_from_api(
                raw.data, handle=handle, agent_handles=reference_handles, separate=raw.separate
            )
            for handle, raw in sorted(agents_by_handle.items())
        }
    )
