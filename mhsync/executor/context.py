"""What the executor knows while it runs: agent uuids (shared by all threads) and, per agent,
the names of the items references point to and the item uuids it has already seen.

Uuids that exist only since earlier requests of this apply (a created agent, a created intent)
are learnt from answers and fed back into request bodies and paths, so a later change can name
them. The "seen" uuids let a re-read after a lost answer tell an item this apply made (unseen)
from one that was there before, even when two positional items have equal content.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mhsync.convert import References, UnresolvedReferenceError, identity_of
from mhsync.plan import AgentPlan, Plan
from mhsync.sections import COLLECTIONS, REFERENCED, SectionDescriptor
from mhsync.state import AgentState, WorkspaceState

PLACEHOLDER = re.compile(r"\{agent:([^{}]+)\}")


class ExecutorClient(Protocol):
    """The part of ``mhsync.client.ApiClient`` the executor uses (tests may pass a fake)."""

    def get(self, path: str) -> Any: ...

    def post(self, path: str, json: Any = None) -> Any: ...

    def put(self, path: str, json: Any = None) -> Any: ...

    def patch(self, path: str, json: Any = None) -> Any: ...

    def delete(self, path: str) -> Any: ...

    def paginate(self, path: str, per_page: int = ...) -> Iterator[dict[str, Any]]: ...

    def get_list(self, path: str) -> list[dict[str, Any]]: ...


class AgentDirectory:
    """Agent handle <-> uuid for every agent of this apply: live ones and those it creates.

    Shared by all worker threads, hence the lock; readers take snapshots.
    """

    def __init__(self, live: WorkspaceState, plan: Plan) -> None:
        self._lock = threading.Lock()
        self._uuid_by_handle: dict[str, str] = {}
        for agent in live.agents.values():
            if agent.uuid:
                self._uuid_by_handle[agent.handle] = agent.uuid
        for agent_plan in plan.agents:
            if agent_plan.uuid:
                self._uuid_by_handle.setdefault(agent_plan.handle, agent_plan.uuid)
        self.known_at_start = frozenset(self._uuid_by_handle.values())
        """Uuids of the agents that existed when the plan was made (not created by this run)."""

    def register(self, handle: str, uuid: str) -> None:
        with self._lock:
            self._uuid_by_handle[handle] = uuid

    def uuid_of(self, handle: str) -> str | None:
        with self._lock:
            return self._uuid_by_handle.get(handle)

    def handles_by_uuid(self) -> dict[str, str]:
        with self._lock:
            return {uuid: handle for handle, uuid in self._uuid_by_handle.items()}

    def known_uuids(self) -> set[str]:
        with self._lock:
            return set(self._uuid_by_handle.values())

    def substitute(self, path: str) -> str:
        """``path`` with each ``{agent:HANDLE}`` replaced by that agent's uuid."""

        def uuid_for(match: re.Match[str]) -> str:
            uuid = self.uuid_of(match.group(1))
            if uuid is None:
                raise UnresolvedReferenceError(
                    f"agent[{match.group(1)}] has no uuid yet (it was not created)"
                )
            return uuid

        return PLACEHOLDER.sub(uuid_for, path)


@dataclass
class AgentRun:
    """The state of one agent during an apply; touched by one worker thread only."""

    handle: str
    uuid: str | None
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Section key -> item uuid -> identity for the sections references name
    (``sections.REFERENCED``), growing as their items are created or renamed."""
    seen: dict[str, set[str]] = field(default_factory=dict)
    """Section key -> item uuids known to exist before the current request."""
    known: dict[str, frozenset[str]] = field(default_factory=dict)
    """Section key -> item uuids live when the plan was made (never changes)."""

    @classmethod
    def start(cls, agent_plan: AgentPlan, live: AgentState | None) -> AgentRun:
        run = cls(agent_plan.handle, agent_plan.uuid or (live.uuid if live else None))
        if live is None:
            return run
        for key, items in live.collections.items():
            run.seen[key] = {item.uuid for item in items if item.uuid}
            run.known[key] = frozenset(run.seen[key])
        for key in REFERENCED:
            run.names[key] = {i.uuid: i.key for i in live.collections.get(key, []) if i.uuid}
        return run

    def references(self, directory: AgentDirectory) -> References:
        items = {key: dict(names) for key, names in self.names.items()}
        return References(agents=directory.handles_by_uuid(), items=items)

    def _names(self, descriptor: SectionDescriptor) -> dict[str, str] | None:
        """Uuid -> identity of ``descriptor``'s items when references name them, else ``None``."""
        if descriptor.key not in REFERENCED:
            return None
        return self.names.setdefault(descriptor.key, {})

    def absorb_agent(self, agent: Mapping[str, Any]) -> dict[str, set[str]]:
        """Note every embedded item uuid of an Agent answer; returns the ones new per section.

        The answer shows each embedded section whole, so the names of a section references
        name are taken from it whole too (items created in ``POST /agents`` are named so).
        """
        new: dict[str, set[str]] = {}
        for descriptor in COLLECTIONS:
            if descriptor.embedded_as is None:
                continue
            raw_items = agent.get(descriptor.embedded_as)
            if not isinstance(raw_items, list):
                continue
            uuids = set(_uuids(descriptor, raw_items))
            new[descriptor.key] = uuids - self.seen.get(descriptor.key, set())
            self.seen[descriptor.key] = uuids
            if descriptor.key in REFERENCED:
                self.names[descriptor.key] = _names_of(descriptor, raw_items)
        return new

    def absorb_item(
        self, descriptor: SectionDescriptor, raw: Mapping[str, Any], fallback_key: str
    ) -> str | None:
        """Note one item answer (or one adopted item); returns its uuid."""
        uuid = raw.get(descriptor.uuid_field)
        if not isinstance(uuid, str) or not uuid:
            return None
        self.seen.setdefault(descriptor.key, set()).add(uuid)
        names = self._names(descriptor)
        if names is not None:
            names[uuid] = identity_of(descriptor, dict(raw)) or fallback_key
        return uuid

    def replace_item(self, descriptor: SectionDescriptor, ours: str, kept: str, key: str) -> None:
        """Ours was deleted for an earlier twin: later changes name the twin instead."""
        self.forget_item(descriptor, ours)
        self.seen.setdefault(descriptor.key, set()).add(kept)
        names = self._names(descriptor)
        if names is not None:
            names[kept] = key

    def forget_item(self, descriptor: SectionDescriptor, uuid: str | None) -> None:
        if uuid is None:
            return
        self.seen.get(descriptor.key, set()).discard(uuid)
        names = self._names(descriptor)
        if names is not None:
            names.pop(uuid, None)


def _names_of(descriptor: SectionDescriptor, raw_items: Iterable[Any]) -> dict[str, str]:
    """Uuid -> identity of the items of an answer."""
    return {
        str(raw[descriptor.uuid_field]): identity_of(descriptor, dict(raw))
        for raw in raw_items
        if isinstance(raw, Mapping) and raw.get(descriptor.uuid_field)
    }


def _uuids(descriptor: SectionDescriptor, raw_items: Iterable[Any]) -> Iterator[str]:
    for raw in raw_items:
        uuid = raw.get(descriptor.uuid_field) if isinstance(raw, Mapping) else None
        if isinstance(uuid, str) and uuid:
            yield uuid
